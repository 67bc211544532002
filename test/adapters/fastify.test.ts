import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toFastifyPlugin } from '../../src/adapters/fastify.js';
import type { HandlerOptions, HttpRequest } from '../../src/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import { testPresigner } from '../helpers/presign.js';
import { send, sendLargeBody, serverDrivers } from './drivers.js';

const valid = '{"fileName":"a.jpg","contentType":"image/jpeg"}';
const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({
  method: 'POST',
  headers,
  body,
});
/** A valid request of exactly `bytes` bytes: unknown keys are dropped by the schema. */
const sized = (bytes: number) =>
  `{"fileName":"a.jpg","contentType":"image/jpeg","pad":"${'x'.repeat(bytes - valid.length - 9)}"}`;
const errorCode = (body: string) => JSON.parse(body).error.code;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** The conformance suite's Fastify driver around a test presigner, closed after the test. */
async function serve(options?: HandlerOptions) {
  const server = await serverDrivers.find((driver) => driver.name === 'fastify 5')!.start(testPresigner(), options);
  close = server.close;
  return server;
}

/** An app of the caller's own, set up by `setUp`, listening on 127.0.0.1. */
async function serveApp(setUp: (app: FastifyInstance) => Promise<void>) {
  const app = Fastify();
  await setUp(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  close = () => app.close();
  return url;
}

/** Sends `head` as the raw bytes of a request, for headers that fetch would refuse to send. */
function sendRaw(url: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(`${url}/presign`, { method: 'POST', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: text }));
    });
    request.on('error', reject).end(body);
  });
}

describe('toFastifyPlugin', () => {
  it('presigns a JSON body', async () => {
    const server = await serve();

    const response = await server.send(post(valid));

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toMatchObject({
      method: 'PUT',
      key: expect.stringMatching(/^uploads\/.+-a\.jpg$/),
    });
  });

  it("answers malformed JSON with the library's JSON 400 INVALID_JSON, not Fastify's parser error", async () => {
    const server = await serve();

    const response = await server.send(post('{"fileName":'));

    expect(response.status).toBe(400);
    expect(errorCode(response.body)).toBe('INVALID_JSON');
  });

  it('answers GET with 405 and Allow', async () => {
    const server = await serve();

    const response = await server.send({ method: 'GET' });

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST, OPTIONS');
    expect(errorCode(response.body)).toBe('METHOD_NOT_ALLOWED');
  });

  it.each([
    ['text/plain, which a cross-site form can send', { 'content-type': 'text/plain' }],
    ['no Content-Type', {}],
    ['a Content-Type Fastify cannot parse', { 'content-type': 'a b' }],
  ])('answers a body with %s with a JSON 415 UNSUPPORTED_MEDIA_TYPE', async (_, headers) => {
    const server = await serve();

    const response = await sendRaw(server.url, headers, valid);

    expect([response.status, errorCode(response.body)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('answers a 1 MiB streaming body with 413 before it is sent, and closes that connection', async () => {
    const server = await serve();

    const response = await sendLargeBody(server.url);

    expect(response.status).toBe(413);
    expect(errorCode(response.body)).toBe('BODY_TOO_LARGE');
    expect(response.sentBeforeResponse).toBeLessThanOrEqual(64 * 1024);
    expect(response.headers.connection).toBe('close');
  });

  it('keeps the connection open after a body it read to the end', async () => {
    const server = await serve();

    const response = await server.send(post(valid));

    expect(response.headers.connection).toBe('keep-alive');
  });

  it('accepts a body of exactly 16 KiB, the default maxBodySize, and refuses one byte more', async () => {
    const server = await serve();

    const [atLimit, overLimit] = [
      await server.send(post(sized(16 * 1024))),
      await server.send(post(sized(16 * 1024 + 1))),
    ];

    expect(atLimit.status).toBe(200);
    expect(overLimit.status).toBe(413);
  });

  it("honours maxBodySize, also above Fastify's own 1 MiB bodyLimit", async () => {
    const small = await serve({ maxBodySize: 100 });
    const [atLimit, overLimit] = [await small.send(post(sized(100))), await small.send(post(sized(101)))];
    await small.close();
    const large = await serve({ maxBodySize: 2 * 1024 * 1024 });

    const overFastifyLimit = await large.send(post(sized(1024 * 1024 + 1)));

    expect(atLimit.status).toBe(200);
    expect(errorCode(overLimit.body)).toBe('BODY_TOO_LARGE');
    expect(overFastifyLimit.status).toBe(200);
  });

  it('mounts at `path` below the prefix it is registered with', async () => {
    const url = await serveApp(async (app) => {
      await app.register(toFastifyPlugin(testPresigner(), { path: '/uploads/presign' }), { prefix: '/api' });
    });

    const mounted = await send(url, { ...post(valid), path: '/api/uploads/presign' });
    const elsewhere = await send(url, post(valid));

    expect(mounted.status).toBe(200);
    expect(elsewhere.status).toBe(404);
  });

  it("leaves the rest of the app with Fastify's own JSON parser", async () => {
    const url = await serveApp(async (app) => {
      await app.register(toFastifyPlugin(testPresigner()));
      app.post('/echo', async (request) => ({ received: request.body }));
    });

    const echoed = await send(url, { ...post('{"a":1}'), path: '/echo' });
    const malformed = await send(url, { ...post('{"a":'), path: '/echo' });

    expect(JSON.parse(echoed.body)).toEqual({ received: { a: 1 } });
    expect(JSON.parse(malformed.body).code).toBe('FST_ERR_CTP_INVALID_JSON_BODY');
  });

  it("leaves an app's auth hook refusal to the app: a 401 from a hook never reaches the presigner", async () => {
    const presigner = testPresigner();
    const presign = vi.spyOn(presigner, 'presign');
    const url = await serveApp(async (app) => {
      app.addHook('preHandler', async (request) => {
        if (request.headers.authorization !== 'Bearer good') {
          throw Object.assign(new Error('Sign in first.'), { statusCode: 401, code: 'APP_UNAUTHORIZED' });
        }
      });
      await app.register(toFastifyPlugin(presigner));
    });

    const refused = await send(url, post(valid));
    const allowed = await send(url, post(valid, { 'content-type': 'application/json', authorization: 'Bearer good' }));

    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).code).toBe('APP_UNAUTHORIZED');
    expect(allowed.status).toBe(200);
    expect(presign).toHaveBeenCalledTimes(1);
  });

  it('gives authorize the FastifyRequest as raw, with lower-cased headers', async () => {
    const authorize = vi.fn((_request: HttpRequest) => ({}));
    const server = await serve({ authorize });

    await server.send(post(valid, { 'X-User': 'u1', 'content-type': 'application/json' }));

    const raw = authorize.mock.calls[0]![0].raw as FastifyRequest;
    expect(raw.routeOptions.url).toBe('/presign');
    expect(authorize.mock.calls[0]![0].headers['x-user']).toBe('u1');
  });

  it('answers a failing onPresign with a JSON 500 that says nothing of it, and reports it', async () => {
    const onError = vi.fn();
    const failure = new Error('audit table unreachable at 10.0.0.7');
    const server = await serve({ onError, onPresign: () => Promise.reject(failure) });

    const response = await server.send(post(valid));
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith(failure), { timeout: STEP_MS });

    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'INTERNAL_ERROR', message: expect.any(String) } });
    expect(response.body).not.toContain('10.0.0.7');
  });
});
