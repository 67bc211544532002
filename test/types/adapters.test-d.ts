import { describe, expectTypeOf, it } from 'vitest';
import { toLambdaHandler, type APIGatewayProxyEventV2, type LambdaEvent } from '../../src/adapters/aws-lambda/index.js';
import { toExpressHandler, type NodeRequest } from '../../src/adapters/express.js';
import { toFastifyPlugin } from '../../src/adapters/fastify.js';
import type { FastifyRequest } from 'fastify';
import { toFetchHandler } from '../../src/adapters/fetch.js';
import { createPresigner, type HttpRequest, type MultipartUpload, type PresignResult } from '../../src/index.js';

const presigner = createPresigner<{ userId: string }>({ bucket: 'my-uploads', allowedTypes: ['image/*'] });

describe('adapters bind the raw request authorize sees', () => {
  it('gives the fetch Request, the node request and the Lambda event, with no cast', () => {
    toFetchHandler(presigner, {
      authorize: (request) => {
        expectTypeOf(request.raw).toEqualTypeOf<Request | undefined>();
        return { userId: request.raw?.headers.get('x-user') ?? 'anonymous' };
      },
    });
    toExpressHandler(presigner, {
      authorize: (request) => {
        expectTypeOf(request.raw).toEqualTypeOf<NodeRequest | undefined>();
        return { userId: String(request.raw?.headers['x-user']) };
      },
    });
    toLambdaHandler(presigner, {
      authorize: (request) => {
        expectTypeOf(request.raw).toEqualTypeOf<LambdaEvent | undefined>();
        return { userId: 'alice' };
      },
    });
    toFastifyPlugin(presigner, {
      authorize: (request) => {
        expectTypeOf(request.raw).toEqualTypeOf<FastifyRequest | undefined>();
        return { userId: String(request.raw?.headers['x-user']) };
      },
    });
  });

  it('narrows the Lambda event to the payload authorize is written for', () => {
    toLambdaHandler(presigner, {
      authorize: ({ raw }: HttpRequest<APIGatewayProxyEventV2>) => {
        const sub = raw?.requestContext.authorizer?.jwt?.claims.sub;
        return { userId: String(sub) };
      },
    });
  });

  it("carries authorize's context to onPresign", () => {
    toFetchHandler(presigner, {
      authorize: () => ({ userId: 'alice' }),
      onPresign: (result, context) => {
        expectTypeOf(context).toEqualTypeOf<{ userId: string }>();
        expectTypeOf(result).toEqualTypeOf<PresignResult | MultipartUpload>();
      },
    });
    // @ts-expect-error: authorize must return the presigner's context
    toFetchHandler(presigner, { authorize: () => ({ user: 'alice' }) });
  });
});
