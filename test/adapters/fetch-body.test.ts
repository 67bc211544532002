import { describe, expect, it } from 'vitest';
import { toFetchHandler } from '../../src/adapters/fetch.js';
import { testPresigner } from '../helpers/presign.js';

// toFetchHandler reads a body whole when its Content-Length is within maxBodySize, and through a
// bounded reader otherwise; either way the limit holds on the bytes actually read.

const valid = '{"fileName":"a.jpg","contentType":"image/jpeg"}';
const post = (body: BodyInit, headers: Record<string, string>) =>
  new Request('https://api.example.com/presign', { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

/** `bytes` of JSON whitespace in 1 KiB chunks, produced only when read, counting what was read. */
function countedStream(bytes: number) {
  const state = { produced: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.produced >= bytes) return controller.close();
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
    const { stream, state } = countedStream(1024 * 1024);

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
    const { stream, state } = countedStream(1024 * 1024);

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
