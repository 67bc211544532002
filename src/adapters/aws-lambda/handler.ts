import { createHttpHandler, logError, serverError } from '../../http/handle-presign.js';
import type { Presigners } from '../../core/profiles.js';
import type { HandlerOptions } from '../../types.js';
import { getBody, getHeaders, getMethod, toLambdaResult } from './event.js';
import type { LambdaEvent, LambdaHandler } from './types.js';

/**
 * Turns a presigner (or {@link Presigners | profiles} of them) into a Lambda handler for API Gateway REST APIs (payload 1.0), HTTP APIs and
 * Function URLs (payload 2.0) and ALB. The event is `request.raw`, so `authorize` can read the
 * authorizer's claims from `requestContext.authorizer`; `Event` narrows it to the one payload your
 * trigger sends (typed by annotating `authorize`'s parameter, as below).
 *
 * @throws PresignError `INVALID_OPTIONS` when `options` are wrong, at creation (cold start).
 * @example
 * ```ts
 * import { createPresigner } from 'upload-presigner';
 * import { toLambdaHandler } from 'upload-presigner/aws-lambda';
 * import type { HttpRequest } from 'upload-presigner';
 * import type { APIGatewayProxyEventV2 } from 'upload-presigner/aws-lambda';
 *
 * const presigner = createPresigner({ bucket: 'my-uploads', allowedTypes: ['image/*'], maxSize: 10_000_000 });
 *
 * export const handler = toLambdaHandler(presigner, {
 *   allowedOrigins: ['https://app.example.com'],
 *   authorize: ({ raw }: HttpRequest<APIGatewayProxyEventV2>) => {
 *     const sub = raw?.requestContext.authorizer?.jwt?.claims.sub;
 *     if (typeof sub !== 'string') throw new Error('no user');
 *     return { userId: sub };
 *   },
 * });
 * ```
 */
export function toLambdaHandler<Context, Event extends LambdaEvent = LambdaEvent>(
  presigners: Presigners<Context>,
  options: HandlerOptions<Context, Event> = {},
): LambdaHandler {
  const handle = createHttpHandler(presigners, options);
  const report = options.onError ?? logError;

  // One implementation answers every overload of LambdaHandler; toLambdaResult picks the shape.
  return (async (event: Event) => {
    try {
      const request = { method: getMethod(event), headers: getHeaders(event), body: getBody(event), raw: event };
      return toLambdaResult(event, await handle(request));
    } catch (error) {
      // createHttpHandler answers everything it is given; this is for events too malformed to translate.
      report(error);
      return toLambdaResult(event, serverError('INTERNAL_ERROR'));
    }
  }) as LambdaHandler;
}
