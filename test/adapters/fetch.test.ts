import { afterEach, describe, expect, it, vi } from 'vitest';
import { toFetchHandler } from '../../src/adapters/fetch.js';
import type { HttpRequest } from '../../src/index.js';
import { testPresigner } from '../helpers/presign.js';
import { sendLargeBody, serverDrivers } from './drivers.js';

const valid = '{"fileName":"a.jpg","contentType":"image/jpeg"}';
/** A valid request of exactly `bytes` bytes: unknown keys are dropped by the schema. */
const sized = (bytes: number) =>
  `{"fileName":"a.jpg","contentType":"image/jpeg","pad":"${'x'.repeat(bytes - valid.length - 9)}"}`;
const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request('https://api.example.com/presign', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

/** 1 MiB in 1 KiB chunks, produced only when read, counting what was read. */
function megabyteStream() {
  const state = { produced: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.produced >= 1024 * 1024) return controller.close();
        controller.enqueue(new Uint8Array(1024).fill(0x20));
        state.produced += 1024;
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

describe('toFetchHandler', () => {
  it('presigns a JSON body', async () => {
    const handler = toFetchHandler(testPresigner());

    const response = await handler(post(valid, { 'content-type': 'application/json' }));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ method: 'PUT', key: expect.stringMatching(/^uploads\/.+-a\.jpg$/) });
  });

  it('answers a 1 MiB streaming body with 413 after reading just past the limit, and cancels the rest', async () => {
    const { stream, state } = megabyteStream();

    const response = await toFetchHandler(testPresigner())(post(stream));

    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe('BODY_TOO_LARGE');
    expect(state.produced).toBeLessThanOrEqual(16 * 1024 + 1024);
    expect(state.cancelled).toBe(true);
  });

  it('accepts a body of exactly 16 KiB, the default maxBodySize, and refuses one byte more', async () => {
    const handler = toFetchHandler(testPresigner());

    const [atLimit, overLimit] = await Promise.all([
      handler(post(sized(16 * 1024))),
      handler(post(sized(16 * 1024 + 1))),
    ]);

    expect(atLimit.status).toBe(200);
    expect(overLimit.status).toBe(413);
  });

  it('honours maxBodySize', async () => {
    const handler = toFetchHandler(testPresigner(), { maxBodySize: 100 });

    const [atLimit, overLimit] = await Promise.all([handler(post(sized(100))), handler(post(sized(101)))]);

    expect(atLimit.status).toBe(200);
    expect(await errorCode(overLimit)).toBe('BODY_TOO_LARGE');
  });

  it('answers malformed JSON with a JSON 400 INVALID_JSON', async () => {
    const response = await toFetchHandler(testPresigner())(post('{"fileName":'));

    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('INVALID_JSON');
  });

  it('answers GET with 405 and Allow', async () => {
    const response = await toFetchHandler(testPresigner())(new Request('https://api.example.com/presign'));

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, OPTIONS');
    expect(await errorCode(response)).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers a preflight with 204 and no body', async () => {
    const handler = toFetchHandler(testPresigner(), { allowedOrigins: ['https://app.example.com'] });
    const preflight = new Request('https://api.example.com/presign', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
    });

    const response = await handler(preflight);

    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('gives authorize the Request as raw, with lower-cased headers', async () => {
    const authorize = vi.fn((_request: HttpRequest) => ({}));
    const request = post(valid, { 'X-User': 'u1' });

    await toFetchHandler(testPresigner(), { authorize })(request);

    expect(authorize.mock.calls[0]![0].raw).toBe(request);
    expect(authorize.mock.calls[0]![0].headers['x-user']).toBe('u1');
  });

  it('answers a failing body stream with a JSON 500, no stack, and reports it', async () => {
    const onError = vi.fn();
    const failure = new Error('connection reset');
    const stream = new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(failure) });

    const response = await toFetchHandler(testPresigner(), { onError })(post(stream));
    const text = await response.text();

    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL_ERROR', message: expect.any(String) } });
    expect(text).not.toContain('connection reset');
    expect(onError).toHaveBeenCalledWith(failure);
  });
});

describe.each(['hono (node-server)', 'node:http (fetch bridge)'])('toFetchHandler on %s', (name) => {
  let server: Awaited<ReturnType<(typeof serverDrivers)[number]['start']>>;
  afterEach(() => server.close());
  const serve = async () =>
    (server = await serverDrivers.find((driver) => driver.name === name)!.start(testPresigner()));

  it('presigns a JSON body', async () => {
    await serve();

    const response = await server.send({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: valid,
    });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ key: expect.stringMatching(/^uploads\/.+-a\.jpg$/) });
  });

  it('answers a 1 MiB streaming body with 413 before it is sent', async () => {
    await serve();

    const response = await sendLargeBody(server.url);

    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.code).toBe('BODY_TOO_LARGE');
    expect(response.sentBeforeResponse).toBeLessThanOrEqual(64 * 1024);
  });

  it('answers malformed JSON with 400 and GET with 405', async () => {
    await serve();

    const malformed = await server.send({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"fileName":',
    });
    const get = await server.send({ method: 'GET' });

    expect([malformed.status, JSON.parse(malformed.body).error.code]).toEqual([400, 'INVALID_JSON']);
    expect([get.status, get.headers.allow]).toEqual([405, 'POST, OPTIONS']);
  });
});

// A body whose Content-Length is within maxBodySize is read whole; any other through a bounded
// reader: either way the limit holds on the bytes actually read.
describe('toFetchHandler body reading', () => {
  it('presigns a body whose Content-Length is within the limit', async () => {
    // Prepare
    const handler = toFetchHandler(testPresigner());

    // Act
    const response = await handler(post(valid, { 'content-length': String(valid.length) }));

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ method: 'PUT', key: expect.stringMatching(/^uploads\/.+-a\.jpg$/) });
  });

  it('reads a body declared over the limit only just past it, answers 413 and cancels the rest', async () => {
    // Prepare
    const { stream, state } = megabyteStream();

    // Act
    const response = await toFetchHandler(testPresigner())(post(stream, { 'content-length': String(1024 * 1024) }));

    // Assess
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe('BODY_TOO_LARGE');
    expect(state.produced).toBeLessThanOrEqual(16 * 1024 + 1024);
    expect(state.cancelled).toBe(true);
  });

  it('answers 413 when a body is longer than the Content-Length it declares', async () => {
    // Prepare: only a Request built in code can do this; HTTP framing holds a real one to its length.
    const body = `${valid}${' '.repeat(20 * 1024)}`;

    // Act
    const response = await toFetchHandler(testPresigner())(post(body, { 'content-length': String(valid.length) }));

    // Assess
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe('BODY_TOO_LARGE');
  });

  it('reads a body with an unusable Content-Length through the bounded reader', async () => {
    // Prepare
    const { stream, state } = megabyteStream();

    // Act
    const response = await toFetchHandler(testPresigner())(post(stream, { 'content-length': '12, 12' }));

    // Assess
    expect(response.status).toBe(413);
    expect(state.produced).toBeLessThanOrEqual(16 * 1024 + 1024);
  });

  it('holds a Content-Length to a custom maxBodySize', async () => {
    // Prepare
    const handler = toFetchHandler(testPresigner(), { maxBodySize: 10 });

    // Act
    const response = await handler(post(valid, { 'content-length': String(valid.length) }));

    // Assess
    expect(response.status).toBe(413);
  });
});
