import type { ChecksumAlgorithm } from '../protocol.js';

// The digest the client declares, so that the storage refuses any bytes but these. Hashing is
// hash-wasm's (WebAssembly), imported on first use so that a page that never uploads never loads
// it. A file is read a slice at a time: memory stays at one slice, whatever the file's size, and
// the page's thread is given back between slices (a slice takes a few milliseconds to hash).

/** What the client hashes unless told otherwise: Content-MD5, the presigner's default. */
export const DEFAULT_CHECKSUM = 'md5' satisfies ChecksumAlgorithm;

/** Bytes read and hashed at a time. */
const SLICE_BYTES = 4 * 1024 ** 2;

/**
 * The base64 digest of `blob` (or of its bytes `start` to `end`), as S3 takes it in Content-MD5 or
 * an `x-amz-checksum-*` value; read a slice at a time, in bounded memory.
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
  const { createHasher } = await import('./hashers.js');
  const hasher = await createHasher(algorithm);
  hasher.init();
  const end = Math.min(until, blob.size);
  for (let offset = start; offset < end; offset += SLICE_BYTES) {
    signal?.throwIfAborted();
    hasher.update(new Uint8Array(await blob.slice(offset, Math.min(end, offset + SLICE_BYTES)).arrayBuffer()));
  }
  signal?.throwIfAborted();
  return toBase64(hasher.digest('binary'));
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
