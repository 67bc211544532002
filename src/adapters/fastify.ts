/**
 * Fastify adapter: serves the presign endpoint from Fastify 5, as a plugin.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createHttpHandler, DEFAULT_MAX_BODY_SIZE, logError, serverError } from '../http/handle-presign.js';
import type { Presigners } from '../core/profiles.js';
import type { HandlerOptions, HttpResponse } from '../types.js';
import { readNodeBody } from './read-body.js';

/** The handler's options, and where the route goes. */
export interface FastifyPresignOptions<Context = unknown> extends HandlerOptions<Context, FastifyRequest> {
  /**
   * The route's path, below the `prefix` the plugin is registered with.
   * @default '/presign'
   */
  path?: string;
}

/**
 * Turns a presigner (or {@link Presigners | profiles} of them) into a Fastify plugin that answers every method at `path`. `authorize`
 * receives the `FastifyRequest` as `raw`.
 *
 * The plugin reads the body of its route itself, at most `maxBodySize + 1` bytes, in place of
 * Fastify's parsers: every answer, a malformed or oversized body included, is then the library's
 * JSON, as from every other adapter. Register it without `fastify-plugin`, so that this reaches
 * only its own route and the rest of the app keeps Fastify's parsers.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { toFastifyPlugin } from 'upload-presigner/fastify';
 *
 * const app = Fastify();
 * await app.register(toFastifyPlugin(presigner, { allowedOrigins: ['https://app.example.com'] }));
 * // or under a prefix: POST /api/presign
 * await app.register(toFastifyPlugin(presigner), { prefix: '/api' });
 * ```
 */
export function toFastifyPlugin<Context>(
  presigners: Presigners<Context>,
  options: FastifyPresignOptions<Context> = {},
): FastifyPluginAsync {
  const { path = '/presign', ...handlerOptions } = options;
  const handle = createHttpHandler(presigners, handlerOptions);
  const maxBodySize = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  const reportError = options.onError ?? logError;

  const answer = async (request: FastifyRequest, reply: FastifyReply, body: unknown) => {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const response = await handle({ method: request.method, headers, body, raw: request });
    // Reading stopped at the limit: the rest of the body would stall the next request on this
    // keep-alive connection, so Node closes it once the answer is out instead.
    const unread = body !== undefined && !request.raw.readableEnded;
    return send(reply, unread ? { ...response, headers: { ...response.headers, connection: 'close' } } : response);
  };

  return async (fastify) => {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (_request: FastifyRequest, payload: IncomingMessage) =>
      readNodeBody(payload, maxBodySize),
    );
    fastify.setErrorHandler<FastifyError>((error, request, reply) => {
      // Anything else, such as an auth hook's 401, stays the app's: its error handler answers it.
      if (!DECIDED_BY_HANDLER.has(error.code)) throw error;
      return answer(request, reply, undefined).catch((failure: unknown) => fail(reply, failure));
    });
    fastify.all(path, (request, reply) =>
      answer(request, reply, request.body).catch((error: unknown) => fail(reply, error)),
    );
  };

  function fail(reply: FastifyReply, error: unknown) {
    // Answer first, so that an `onError` that throws cannot leave the client waiting.
    if (reply.sent) reply.raw.destroy();
    else send(reply, serverError('INTERNAL_ERROR'));
    try {
      reportError(error);
    } catch {
      // A throwing reporter would reach Fastify's error handler, which is this one.
    }
    return reply;
  }
}

/**
 * What Fastify refuses before the route runs, a Content-Type it cannot parse or none on a QUERY:
 * the handler decides again from the request, so the answer is the same JSON as elsewhere.
 */
const DECIDED_BY_HANDLER = new Set(['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE']);

function send(reply: FastifyReply, { status, headers, body }: HttpResponse): FastifyReply {
  return reply.code(status).headers(headers).send(body);
}
