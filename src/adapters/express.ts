/**
 * Express adapter: serves the presign endpoint from Express 4 or 5, or plain `node:http`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpHandler, logError, serverError } from '../http/handle-presign.js';
import type { Presigners } from '../core/profiles.js';
import type { HandlerOptions, HttpResponse } from '../types.js';
import { readNodeBody } from './read-body.js';

/** A `node:http` request, with the `body` that an Express body parser may have set: `authorize`'s `request.raw`. */
export type NodeRequest = IncomingMessage & { body?: unknown };

/**
 * Turns a presigner (or {@link Presigners | profiles} of them) into an Express handler, which is also a `node:http` request listener.
 * `authorize` receives the `req` as `raw`; `next` is never called, since every request is answered.
 *
 * Mount it without `express.json()` for uniform JSON errors: it reads the body itself, at most
 * `maxBodySize + 1` bytes, and past that answers 413 and closes the connection. After
 * `express.json()`, Express's error handler answers what that parser refuses (malformed JSON, a
 * JSON string, a body over its `limit`) with its own 400 or 413 in HTML, with a stack unless
 * `NODE_ENV=production`; a parsed body is held to `maxBodySize` by its `content-length`.
 * After `express.text()` or `express.raw()`, the text or bytes are checked as usual.
 *
 * @example
 * ```ts
 * const app = express();
 * app.all('/presign', toExpressHandler(presigner, { allowedOrigins: ['https://app.example.com'] }));
 *
 * // or without Express
 * http.createServer(toExpressHandler(presigner)).listen(3000);
 * ```
 */
export function toExpressHandler<Context>(
  presigners: Presigners<Context>,
  options: HandlerOptions<Context, NodeRequest> = {},
): (req: NodeRequest, res: ServerResponse, next?: (error?: unknown) => void) => void {
  const handle = createHttpHandler(presigners, options);
  const answer = async (req: NodeRequest, res: ServerResponse) => {
    // A body parser ends the stream when it reads it (body-parser 1.x also sets `req._body`, 2.x
    // does not); when the request's type was not the parser's, the stream is still unread.
    const body = req.readableEnded ? req.body : await readNodeBody(req, options.maxBodySize);
    const headers: Record<string, string | undefined> = {};
    for (const name of Object.keys(req.headers)) {
      const value = req.headers[name];
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const response = await handle({ method: req.method ?? '', headers, body, raw: req });
    // Reading stopped at the limit: the rest of the body would stall the next request on this
    // keep-alive connection, so Node closes it once the answer is out instead.
    write(res, req.readableEnded ? response : { ...response, headers: { ...response.headers, connection: 'close' } });
  };
  return (req, res) => {
    answer(req, res).catch((error: unknown) => {
      // Answer first, so that an `onError` that throws cannot leave the client waiting.
      if (res.headersSent) res.destroy();
      else write(res, serverError('INTERNAL_ERROR'));
      (options.onError ?? logError)(error);
    });
  };
}

function write(res: ServerResponse, { status, headers, body }: HttpResponse): void {
  res.writeHead(status, headers).end(body);
}
