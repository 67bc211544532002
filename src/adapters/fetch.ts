/**
 * Fetch adapter: serves the presign endpoint from any runtime that speaks `Request` → `Response`.
 *
 * @module
 */
import { createHttpHandler, logError, serverError } from '../http/handle-presign.js';
import type { HandlerOptions, HttpResponse, Presigner } from '../types.js';
import { readBody } from './read-body.js';

/**
 * Turns a presigner into a `(request: Request) => Promise<Response>` handler for Hono, Next.js
 * route handlers, Bun, Deno and Cloudflare Workers. `authorize` receives the `Request` as `raw`.
 * A body over `maxBodySize` is answered 413 after reading one byte past the limit.
 *
 * @example
 * ```ts
 * const handler = toFetchHandler(presigner, { allowedOrigins: ['https://app.example.com'] });
 *
 * app.all('/presign', (c) => handler(c.req.raw)); // Hono
 * export { handler as POST, handler as OPTIONS }; // Next.js app/api/presign/route.ts
 * export default { fetch: handler }; // Bun, Deno, Cloudflare Workers
 * ```
 */
export function toFetchHandler<Context>(
  presigner: Presigner<Context>,
  options: HandlerOptions<Context> = {},
): (request: Request) => Promise<Response> {
  const handle = createHttpHandler(presigner, options);
  return async (request) => {
    try {
      const reader = request.body?.getReader();
      const body = reader && (await readBody(reader, options.maxBodySize));
      // Nothing past the limit is wanted; a no-op when the body was read to its end.
      void reader?.cancel().catch(() => {});
      return toResponse(await handle({ method: request.method, headers: Object.fromEntries(request.headers), body, raw: request }));
    } catch (error) {
      (options.onError ?? logError)(error);
      return toResponse(serverError('INTERNAL_ERROR'));
    }
  };
}

function toResponse({ status, headers, body }: HttpResponse): Response {
  // A 204 must have a null body: `new Response('', { status: 204 })` throws.
  return new Response(body || null, { status, headers });
}
