import { DEFAULT_MAX_BODY_SIZE } from '../http/handle-presign.js';

/**
 * Reads a request body, but no more than `maxBodySize + 1` bytes: one byte past the limit is
 * enough for createHttpHandler to answer 413, so an endless body costs no more memory than a small
 * one. It never cancels: the caller ends the stream, since a Node request must stay open until the
 * 413 is written, while a fetch `Request` can simply be cancelled.
 *
 * @example
 * ```ts
 * const reader = request.body.getReader();
 * const body = await readBody(reader, 16 * 1024); // at most 16385 bytes
 * await reader.cancel();
 * ```
 */
export async function readBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBodySize = DEFAULT_MAX_BODY_SIZE,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= maxBodySize) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * The same bounded read for a Node request, on its own events: bridging it to a web stream first
 * costs more CPU than the whole presign. Past the limit it pauses the request and leaves it open,
 * so that the 413 can still be written.
 *
 * @example
 * ```ts
 * const body = await readNodeBody(req, 16 * 1024); // at most 16385 bytes
 * ```
 */
export function readNodeBody(request: NodeJS.ReadableStream, maxBodySize = DEFAULT_MAX_BODY_SIZE): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      request.off('data', onData).off('end', finish).off('error', finish);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      size += bytes.byteLength;
      if (size > maxBodySize) {
        request.pause();
        finish();
      }
    };
    request.on('data', onData).on('end', finish).on('error', finish);
  });
}
