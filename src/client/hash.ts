import type { ChecksumAlgorithm } from '../protocol.js';

// The digest the client declares, so that the storage refuses any bytes but these. Hashing is
// hash-wasm's (WebAssembly), in bounded memory (a slice at a time), and for anything but a small
// file in a Worker (hash-workers.ts), so that the page stays responsive; both load on first use,
// so that a page that never uploads never loads them.

/** What the client hashes unless told otherwise: Content-MD5, the presigner's default. */
export const DEFAULT_CHECKSUM = 'md5' satisfies ChecksumAlgorithm;

/** Below this, hashing takes a few milliseconds on the page's thread, less than starting a Worker. */
const WORKER_MIN_BYTES = 4 * 1024 ** 2;

/**
 * The base64 digest of `blob` (or of its bytes `start` to `end`), as S3 takes it in Content-MD5 or
 * an `x-amz-checksum-*` value; read a slice at a time, in bounded memory, and hashed in a Web
 * Worker when it is 4 MiB or more (on the page's thread where no Worker can start).
 *
 * @throws the signal's reason once it aborts.
 * @example
 * ```ts
 * const checksum = await hashBlob(file, 'md5'); // "1B2M2Y8AsgTpgAmY7PhCfg=="
 * ```
 */
export async function hashBlob(
  blob: Blob,
  algorithm: ChecksumAlgorithm,
  {
    start = 0,
    end: until = blob.size,
    signal,
  }: { start?: number; end?: number; signal?: AbortSignal | undefined } = {},
): Promise<string> {
  const range = { start, end: Math.min(until, blob.size), signal };
  if (range.end - start >= WORKER_MIN_BYTES && typeof Worker === 'function') {
    const { hashInWorker, WorkersUnavailable } = await import('./hash-workers.js');
    try {
      return await hashInWorker(blob, algorithm, range);
    } catch (error) {
      if (!(error instanceof WorkersUnavailable)) throw error;
    }
  }
  return hashOnPage(blob, algorithm, range);
}

/**
 * {@link hashBlob} on the page's thread, whatever the size: where no Worker can start, and for the
 * benchmark that compares the two.
 *
 * @example
 * ```ts
 * const checksum = await hashOnPage(file, 'md5', { start: 0, end: file.size });
 * ```
 */
export async function hashOnPage(
  blob: Blob,
  algorithm: ChecksumAlgorithm,
  range: { start: number; end: number; signal?: AbortSignal | undefined },
): Promise<string> {
  const { hashRange } = await import('./hashers.js');
  return hashRange(blob, algorithm, range);
}
