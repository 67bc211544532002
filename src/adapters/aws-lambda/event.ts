import type { HttpResponse } from '../../types.js';
import type { ALBEvent, APIGatewayProxyEventV2, LambdaEvent, LambdaResult } from './types.js';

/**
 * `v1`: REST API payload 1.0; `v2`: HTTP API payload 2.0 and Function URLs; `alb`: load balancer.
 *
 * @example
 * ```ts
 * const kind: LambdaEventKind = eventKind(event);
 * ```
 */
export type LambdaEventKind = 'v1' | 'v2' | 'alb';

/**
 * Tells which payload `event` is. Tolerates a missing `requestContext`, so that a malformed event
 * still gets an answer of some shape.
 *
 * @example
 * ```ts
 * eventKind(functionUrlEvent); // 'v2'
 * ```
 */
export function eventKind(event: LambdaEvent): LambdaEventKind {
  const context: object = event?.requestContext ?? {};
  if ('elb' in context) return 'alb';
  // Not `rawPath`: a REST API behind a custom domain can carry one too (hono's finding).
  if ('http' in context) return 'v2';
  return 'v1';
}

/**
 * The request's method, as the event spells it.
 *
 * @example
 * ```ts
 * getMethod(httpApiEvent); // 'POST'
 * ```
 */
export function getMethod(event: LambdaEvent): string {
  return isV2(event) ? event.requestContext.http.method : event.httpMethod;
}

/**
 * The request's headers with lower-cased names. Repeated headers in `multiValueHeaders` are joined
 * with `", "`; payload 2.0's `cookies` become the `cookie` header again.
 *
 * @example
 * ```ts
 * getHeaders(restEvent)['content-type']; // 'application/json'
 * ```
 */
export function getHeaders(event: LambdaEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  // Where both exist (REST APIs), the multi-value form is the complete one.
  const multi = isV2(event) ? undefined : event.multiValueHeaders;
  for (const [name, values] of Object.entries(multi ?? {})) {
    if (values?.length) headers[name.toLowerCase()] = values.join(', ');
  }
  if (isV2(event) && event.cookies?.length) headers.cookie = event.cookies.join('; ');
  return headers;
}

/**
 * The body as text, or as bytes when the event carries it base64-encoded; `undefined` when
 * there is none.
 *
 * @example
 * ```ts
 * getBody({ ...event, body: 'e30=', isBase64Encoded: true }); // Uint8Array [123, 125]
 * ```
 */
export function getBody(event: LambdaEvent): string | Uint8Array | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
}

/**
 * Shapes `response` as the service that sent `event` expects it: ALB wants a `statusDescription`,
 * and reads only `multiValueHeaders` when its target group has them enabled.
 *
 * @example
 * ```ts
 * toLambdaResult(albEvent, { status: 200, headers: {}, body: '{}' }).statusDescription; // '200 OK'
 * ```
 */
export function toLambdaResult(event: LambdaEvent, response: HttpResponse): LambdaResult {
  const { status: statusCode, headers, body } = response;
  if (eventKind(event) !== 'alb') return { statusCode, headers, body, isBase64Encoded: false };
  const statusDescription = `${statusCode} ${REASON_PHRASES[statusCode] ?? ''}`.trim();
  if (!(event as ALBEvent).multiValueHeaders)
    return { statusCode, statusDescription, headers, body, isBase64Encoded: false };
  const multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
  return { statusCode, statusDescription, multiValueHeaders, body, isBase64Encoded: false };
}

function isV2(event: LambdaEvent): event is APIGatewayProxyEventV2 {
  return eventKind(event) === 'v2';
}

/**
 * The reason phrases of every status the HTTP handler answers with (200, 204 and the error table's),
 * as node:http names them: importing node:http for its table costs ~1.7 ms of a cold start.
 */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};
