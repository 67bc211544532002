/**
 * Fetch adapter: serves the presign endpoint from any runtime that speaks `Request` → `Response`.
 *
 * @module
 */
import { createHttpHandler, DEFAULT_MAX_BODY_SIZE, logError, serverError } from '../http/handle-presign.js';
import type { Presigners } from '../core/profiles.js';
import type { HandlerOptions, HttpResponse } from '../types.js';
import { readBody } from './read-body.js';

/**
 * Turns a presigner (or {@link Presigners | profiles} of them) into a `(request: Request) => Promise<Response>` handler for Hono, Next.js
 * route handlers, Bun, Deno and Cloudflare Workers. `authorize` receives the `Request` as `raw`.
 * A body over `maxBodySize` is answered 413 after reading one byte past the limit; one whose
 * Content-Length is within the limit is read whole, as HTTP framing holds it to that length.
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
  presigners: Presigners<Context>,
  options: HandlerOptions<Context, Request> = {},
): (request: Request) => Promise<Response> {
  const handle = createHttpHandler(presigners, options);
  const maxBodySize = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  return async (request) => {
    try {
      const body = await readRequestBody(request, maxBodySize);
      return toResponse(
        await handle({ method: request.method, headers: Object.fromEntries(request.headers), body, raw: request }),
      );
    } catch (error) {
      (options.onError ?? logError)(error);
      return toResponse(serverError('INTERNAL_ERROR'));
    }
  };
}

/**
 * A body whose Content-Length is within the limit is read whole: HTTP framing holds it to that
 * length, and runtimes read it without a stream (@hono/node-server's stream costs more than the
 * presign). Any other body goes through a reader, at most `maxBodySize + 1` bytes, then is cancelled.
 */
async function readRequestBody(request: Request, maxBodySize: number): Promise<Uint8Array | undefined> {
  const declared = request.headers.get('content-length');
  if (declared !== null && DIGITS.test(declared) && Number(declared) <= maxBodySize) {
    return new Uint8Array(await request.arrayBuffer());
  }
  const reader = request.body?.getReader();
  const body = reader && (await readBody(reader, maxBodySize));
  // Nothing past the limit is wanted; a no-op when the body was read to its end.
  void reader?.cancel().catch(() => {});
  return body;
}
const DIGITS = /^\d+$/;

function toResponse({ status, headers, body }: HttpResponse): Response {
  // A 204 must have a null body: `new Response('', { status: 204 })` throws.
  return new Response(body || null, { status, headers });
}
