import { createCRC32, createCRC64, createMD5, createSHA256 } from 'hash-wasm';
import type { ChecksumAlgorithm } from '../protocol.js';

// Imported by name so that a bundler keeps these four of hash-wasm's thirty hashes. This module
// runs in the hashing Worker (hash-worker.ts) and, where no Worker can start, on the page's thread,
// loaded on first use so that it becomes a chunk of its own.

/** CRC-64/NVME, reflected, as hash-wasm takes a polynomial (its check value for "123456789" is ae8b14860a799888). */
const CRC64_NVME = '9a6c9329ac4bc9b5';

/**
 * Bytes read at a time. In Chromium reading a picked file, not MD5, is the slower half of hashing,
 * and each read of a Blob costs a round trip to the browser's process beside its bytes: 8 MiB
 * slices, the next read while one is hashed, hash about 1.3× faster than 4 MiB ones read in turn
 * (BENCHMARKS.md section 5). Memory holds two slices, whatever the file's size.
 */
const SLICE_BYTES = 8 * 1024 ** 2;

/**
 * A fresh hasher of S3's flavour of `algorithm`: CRC32 is IEEE's, CRC64 is NVMe's.
 *
 * @example
 * ```ts
 * const hasher = await createHasher('md5');
 * const digest = hasher.init().update(bytes).digest('binary');
 * ```
 */
export function createHasher(algorithm: ChecksumAlgorithm) {
  switch (algorithm) {
    case 'md5':
      return createMD5();
    case 'sha256':
      return createSHA256();
    case 'crc32':
      return createCRC32();
    case 'crc64nvme':
      return createCRC64(CRC64_NVME);
  }
}

/**
 * The base64 digest of `blob`'s bytes `start` to `end`, read a slice at a time on this thread.
 *
 * @throws the signal's reason once it aborts.
 * @example
 * ```ts
 * const checksum = await hashRange(file, 'md5', { start: 0, end: file.size }); // "1B2M2Y8AsgTpgAmY7PhCfg=="
 * ```
 */
export async function hashRange(
  blob: Blob,
  algorithm: ChecksumAlgorithm,
  { start, end, signal }: { start: number; end: number; signal?: AbortSignal | undefined },
): Promise<string> {
  const hasher = await createHasher(algorithm);
  hasher.init();
  const read = (offset: number) => {
    const bytes = blob.slice(offset, Math.min(end, offset + SLICE_BYTES)).arrayBuffer();
    // A read ahead that nobody awaits (the signal aborted first) must not surface as unhandled.
    bytes.catch(() => undefined);
    return bytes;
  };
  let next = read(start);
  for (let offset = start; offset < end; offset += SLICE_BYTES) {
    signal?.throwIfAborted();
    const bytes = await next;
    // The next slice is read while this one is hashed.
    if (offset + SLICE_BYTES < end) next = read(offset + SLICE_BYTES);
    hasher.update(new Uint8Array(bytes));
  }
  signal?.throwIfAborted();
  return toBase64(hasher.digest('binary'));
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
