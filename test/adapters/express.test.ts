import { createServer, IncomingMessage, type ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import express5 from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import type { HandlerOptions, HttpRequest } from '../../src/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import { testPresigner } from '../helpers/presign.js';
import { express4, listen, send, sendLargeBody, serverDrivers } from './drivers.js';

type NodeRequest = Parameters<ReturnType<typeof toExpressHandler>>[0];

const expressVersions = [
  ['express 5', express5],
  ['express 4', express4],
] as const;

const valid = '{"fileName":"a.jpg","contentType":"image/jpeg"}';
const post = (body: string, contentType = 'application/json') => ({
  method: 'POST',
  headers: { 'content-type': contentType },
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

/** Starts the named driver around a test presigner, and closes it after the test. */
async function start(name: string, options?: HandlerOptions) {
  const server = await serverDrivers.find((driver) => driver.name === name)!.start(testPresigner(), options);
  close = server.close;
  return server;
}

describe.each(['express 5', 'express 4', 'node:http (express handler)'])(
  'toExpressHandler reading the body itself: %s',
  (name) => {
    const serve = (options?: HandlerOptions) => start(name, options);

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

    it('answers malformed JSON with a JSON 400 INVALID_JSON', async () => {
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

    it('honours maxBodySize', async () => {
      const server = await serve({ maxBodySize: 100 });

      const [atLimit, overLimit] = [await server.send(post(sized(100))), await server.send(post(sized(101)))];

      expect(atLimit.status).toBe(200);
      expect(errorCode(overLimit.body)).toBe('BODY_TOO_LARGE');
    });
  },
);

describe.each(['express 5 + express.json()', 'express 4 + express.json()'])('toExpressHandler after %s', (name) => {
  const serve = () => start(name);

  it('presigns the body express.json() parsed', async () => {
    const server = await serve();

    const response = await server.send(post(valid));

    expect(response.status).toBe(200);
  });

  it('refuses a body express.json() skipped because it is not declared JSON: a cross-site form can send text/plain', async () => {
    const server = await serve();

    const response = await server.send(post(valid, 'text/plain'));

    expect([response.status, errorCode(response.body)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it("leaves what express.json() refuses to Express's error handler, as documented: HTML 400 and 413", async () => {
    const server = await serve();

    const refused = [post('{"fileName":'), post('"a.jpg"'), post(sized(101 * 1024))];
    const responses = await Promise.all(refused.map((request) => server.send(request)));

    expect(responses.map((response) => response.status)).toEqual([400, 400, 413]);
    for (const response of responses) expect(response.headers['content-type']).toMatch(/^text\/html/);
  });

  it('applies maxBodySize to a body express.json() parsed, by its declared length', async () => {
    const server = await serve();

    const response = await server.send(post(sized(17 * 1024)));

    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.code).toBe('BODY_TOO_LARGE');
  });
});

describe.each(expressVersions)('toExpressHandler after express.text(): %s', (_, express) => {
  const serve = async () => {
    const app = express();
    app.use(express.text({ type: '*/*' }));
    app.all('/presign', toExpressHandler(testPresigner()));
    const server = await listen(createServer(app));
    close = server.close;
    return server;
  };

  it('parses and checks the text express.text() read, and only when it was declared JSON', async () => {
    const server = await serve();

    const ok = await server.send(post(valid));
    const malformed = await server.send(post('{"fileName":'));
    const tooLarge = await server.send(post(sized(16 * 1024 + 1)));
    const plain = await server.send(post(valid, 'text/plain'));

    expect(ok.status).toBe(200);
    expect(errorCode(malformed.body)).toBe('INVALID_JSON');
    expect(errorCode(tooLarge.body)).toBe('BODY_TOO_LARGE');
    expect([plain.status, errorCode(plain.body)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });
});

describe('toExpressHandler on node:http', () => {
  it('gives authorize the request as raw, with lower-cased headers', async () => {
    const authorize = vi.fn((_request: HttpRequest) => ({}));
    const server = await listen(createServer(toExpressHandler(testPresigner(), { authorize })));
    close = server.close;

    await send(server.url, {
      method: 'POST',
      headers: { 'X-User': 'u1', 'content-type': 'application/json' },
      body: valid,
    });

    expect(authorize.mock.calls[0]![0].raw).toBeInstanceOf(IncomingMessage);
    expect(authorize.mock.calls[0]![0].headers['x-user']).toBe('u1');
  });

  it('answers a failure outside createHttpHandler with a JSON 500, no stack, and reports it', async () => {
    const onError = vi.fn();
    const req = Object.assign(new PassThrough(), { method: 'POST', headers: {} }) as unknown as NodeRequest;
    const res = { headersSent: false, writeHead: vi.fn().mockReturnThis(), end: vi.fn() };
    const failure = new Error('socket hang up');

    toExpressHandler(testPresigner(), { onError })(req, res as unknown as ServerResponse);
    req.destroy(failure);
    await vi.waitFor(() => expect(onError).toHaveBeenCalled(), { timeout: STEP_MS });

    expect(res.writeHead).toHaveBeenCalledWith(
      500,
      expect.objectContaining({ 'content-type': expect.stringMatching(/^application\/json/) }),
    );
    expect(JSON.parse(res.end.mock.calls[0]![0])).toEqual({
      error: { code: 'INTERNAL_ERROR', message: expect.any(String) },
    });
    expect(res.end.mock.calls[0]![0]).not.toContain('socket hang up');
    expect(onError).toHaveBeenCalledWith(failure);
  });

  it('reports, without answering twice, when someone else answered first', async () => {
    const onError = vi.fn();
    const handler = toExpressHandler(testPresigner(), { onError });
    const server = await listen(createServer((req, res) => (res.writeHead(202).end('taken'), handler(req, res))));
    close = server.close;

    const response = await send(server.url, post(valid));
    await vi.waitFor(
      () => expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'ERR_HTTP_HEADERS_SENT' })),
      {
        timeout: STEP_MS,
      },
    );

    expect(response.status).toBe(202);
  });
});
