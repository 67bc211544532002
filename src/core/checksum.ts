import { PresignError } from '../errors.js';
import type { ChecksumAlgorithm } from '../protocol.js';

// A digest of the body, declared by the client when it asks for an upload and signed into it: the
// storage then refuses any other bytes. Content-MD5 is verified by AWS S3 and by Ceph RGW 16 on a
// PUT and on each multipart part; the `x-amz-checksum-*` values are verified by AWS S3 and ignored
// by RGW 16 (measured). What the storage does not verify, `verify` compares where it can.

/** The `checksum` option once resolved: which digest is signed, and whether a request must carry one. */
export interface ChecksumPolicy {
  algorithm: ChecksumAlgorithm | 'none';
  required: boolean;
}

/** A digest a client declared, checked to be one of `algorithm`: base64, as S3 takes it. */
export interface DeclaredChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
}

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { md5: 16, sha256: 32, crc32: 4, crc64nvme: 8 };

const HEADER: Record<ChecksumAlgorithm, string> = {
  md5: 'content-md5',
  sha256: 'x-amz-checksum-sha256',
  crc32: 'x-amz-checksum-crc32',
  crc64nvme: 'x-amz-checksum-crc64nvme',
};
/** The digest's name in a PUT's headers (Content-MD5) or URL (`x-amz-checksum-*`), lower-case. */
export const checksumHeader = (algorithm: ChecksumAlgorithm): string => HEADER[algorithm];

/** The digest's field in a POST form, as S3 spells it. */
export const checksumField = (algorithm: ChecksumAlgorithm): string =>
  algorithm === 'md5' ? 'Content-MD5' : `x-amz-checksum-${algorithm}`;

/** The base64 length of each algorithm's digest, for messages. */
const base64Length = (algorithm: ChecksumAlgorithm) => Math.ceil(DIGEST_BYTES[algorithm] / 3) * 4;

/**
 * The digest a request declares, checked against the presigner's policy: `undefined` when it
 * declares none and none is required (or the presigner signs none).
 *
 * @throws PresignError `CHECKSUM_REQUIRED` when the policy requires one and there is none;
 * `INVALID_REQUEST` when it is not the base64 digest of the policy's algorithm.
 */
export function admitChecksum(
  policy: ChecksumPolicy,
  value: string | undefined,
  what = 'checksum',
): DeclaredChecksum | undefined {
  const { algorithm } = policy;
  if (algorithm === 'none') return undefined;
  if (value === undefined) {
    if (!policy.required) return undefined;
    throw new PresignError(
      'CHECKSUM_REQUIRED',
      `The request must declare "${what}", the base64 ${algorithm} digest of the bytes: this endpoint signs it, so the storage refuses any other bytes.`,
    );
  }
  if (!isDigest(value, algorithm)) {
    throw new PresignError(
      'INVALID_REQUEST',
      `Invalid ${what}: this endpoint signs ${algorithm} digests, so it must be the ${base64Length(algorithm)}-character base64 ${algorithm} digest of the bytes.`,
    );
  }
  return { algorithm, value };
}

/**
 * Exactly `bytes` bytes in canonical base64 (what S3 compares): the padding the length calls for,
 * and a last character whose unused low bits are zero. One anchored regex per algorithm checks it
 * in linear time without decoding: decoding and encoding again cost a tenth of a presign.
 */
function canonicalBase64(bytes: number): RegExp {
  const whole = `[A-Za-z0-9+/]{${Math.floor(bytes / 3) * 4}}`;
  const tail = ['', '[A-Za-z0-9+/][AQgw]==', '[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]='][bytes % 3];
  return new RegExp(`^${whole}${tail}$`);
}
const DIGEST = Object.fromEntries(
  Object.entries(DIGEST_BYTES).map(([algorithm, bytes]) => [algorithm, canonicalBase64(bytes)]),
) as Record<ChecksumAlgorithm, RegExp>;
const isDigest = (value: string, algorithm: ChecksumAlgorithm) => DIGEST[algorithm].test(value);

/** The hex form of a base64 MD5: what a single-part ETag holds on AWS S3 (without SSE-KMS) and Ceph RGW. */
export function md5Hex(base64: string): string {
  let hex = '';
  for (const char of atob(base64)) hex += char.charCodeAt(0).toString(16).padStart(2, '0');
  return hex;
}
