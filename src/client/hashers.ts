import { createCRC32, createCRC64, createMD5, createSHA256 } from 'hash-wasm';
import type { ChecksumAlgorithm } from '../protocol.js';

// Imported by name so that a bundler keeps these four of hash-wasm's thirty hashes; hash.ts loads
// this module on first use, so that it becomes a chunk of its own.

/** CRC-64/NVME, reflected, as hash-wasm takes a polynomial (its check value for "123456789" is ae8b14860a799888). */
const CRC64_NVME = '9a6c9329ac4bc9b5';

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
