import { PresignError } from '../errors.js';
import { formatSize } from '../format-size.js';
import type { VerifiedUpload } from '../types.js';
import { md5Hex, type DeclaredChecksum } from './checksum.js';
import { s3ErrorCode, type S3Calls, type StoredObject } from './s3-calls.js';
import { isTypeAllowed, parseContentType } from './content-type.js';
import { inspectSvg, SVG_MAX_BYTES } from './svg.js';

// Verification reads what the storage holds, never what the browser says it sent: the object's
// metadata (HeadObject) and its first bytes (a ranged GET), whose magic numbers tell the real type.

/** Enough for every signature below. */
const SNIFF_BYTES = 64;

/**
 * Magic numbers of the formats verification can prove, by type. A table rather than the
 * file-type package: that one would add ~80 kB to every bundled Lambda handler, which must stay
 * small (BENCHMARKS.md), and these formats need nothing more than a prefix or an ISO-BMFF brand.
 */
const SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  'image/jpeg': (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  'image/png': (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/gif': (b) => ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a',
  'image/webp': (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
  'image/avif': (b) => ascii(b, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(b, 8, 12)),
  'image/heic': (b) => ascii(b, 4, 8) === 'ftyp' && ['heic', 'heix', 'heim', 'heis', 'mif1'].includes(ascii(b, 8, 12)),
  'application/pdf': (b) => ascii(b, 0, 5) === '%PDF-',
};

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((byte, index) => bytes[index] === byte);
const ascii = (bytes: Uint8Array, start: number, end: number) => String.fromCharCode(...bytes.subarray(start, end));

/** The format the first bytes prove, among those in {@link SIGNATURES}. */
export function detectType(bytes: Uint8Array): string | undefined {
  return Object.keys(SIGNATURES).find((type) => SIGNATURES[type]!(bytes));
}

/** What verification checks against. */
export interface VerifyRules {
  bucket: string;
  prefix: string;
  allowedTypes: readonly string[];
  maxSize?: number;
  /** Move refused objects here instead of deleting them. */
  quarantinePrefix?: string;
  /** The digest the client declared (carried by its receipt): the stored one must be the same. */
  declaredChecksum?: DeclaredChecksum;
}

/**
 * Checks the stored object `key` against `rules`; a refused object is deleted (or moved to the
 * quarantine prefix) before the error is thrown, so that nothing unverified stays readable.
 */
export async function verifyObject(s3: S3Calls, rules: VerifyRules, key: string): Promise<VerifiedUpload> {
  const declared = rules.declaredChecksum;
  const head = await s3.headObject(key, !!declared && declared.algorithm !== 'md5');
  if (!head) throw new PresignError('NOT_FOUND', `No object was uploaded as ${key}.`);
  const { size } = head;
  const contentType = parseContentType(head.contentType ?? '')?.essence;
  const refuse = async (reason: string, code: 'VERIFICATION_FAILED' | 'CHECKSUM_MISMATCH' = 'VERIFICATION_FAILED') => {
    const notKept = await removeRefused(s3, rules, key);
    throw new PresignError(code, `The upload ${key} was refused and removed: ${reason}.${notKept ?? ''}`);
  };

  if (!contentType || !isTypeAllowed(contentType, rules.allowedTypes))
    return refuse(`its type ${head.contentType ?? '(none)'} is not allowed`);
  if (rules.maxSize !== undefined && size > rules.maxSize)
    return refuse(`it is ${formatSize(size)}, over the limit of ${formatSize(rules.maxSize)}`);
  const stored = rules.declaredChecksum && storedDigest(head, rules.declaredChecksum);
  if (stored && stored.value !== stored.declared)
    return refuse(
      `its ${stored.name} is ${stored.value}, not the ${stored.declared} declared: the bytes stored are not those the client hashed`,
      'CHECKSUM_MISMATCH',
    );

  const isSvg = contentType === 'image/svg+xml';
  // An SVG's script can be anywhere in it, so it is read up to its bound, plus a byte to see it is over.
  const byteCount = isSvg ? SVG_MAX_BYTES + 1 : SNIFF_BYTES;
  const bytes = size === 0 ? new Uint8Array() : await s3.firstBytes(key, byteCount);
  const detected = detectType(bytes);
  // A type with a signature must show it; any other type must not be one of those formats instead.
  if ((contentType in SIGNATURES || detected) && detected !== contentType) {
    return refuse(`it was declared ${contentType} but its content is ${detected ?? 'not that format'}`);
  }
  const svgRefusal = isSvg ? inspectSvg(bytes, head.contentType!) : undefined;
  if (svgRefusal) return refuse(svgRefusal);
  return {
    key,
    size,
    contentType: head.contentType!,
    ...(detected && { detectedType: detected }),
    ...(head.etag && { etag: head.etag }),
    ...(head.lastModified && { lastModified: head.lastModified.toISOString() }),
  };
}

/**
 * The stored digest to compare with the declared one, in the same form, or `undefined` when the
 * storage gives none back: a multipart or encrypted (SSE-KMS, SSE-C) object's ETag is no MD5, and
 * Ceph RGW 16 stores no `x-amz-checksum-*`.
 */
function storedDigest(
  head: StoredObject,
  declared: DeclaredChecksum,
): { name: string; value: string; declared: string } | undefined {
  if (declared.algorithm === 'md5') {
    const etag = head.etag?.replace(/^"|"$/g, '');
    const plainEtag = etag && /^[0-9a-f]{32}$/i.test(etag) && !head.etagIsNoMd5;
    return plainEtag ? { name: 'ETag (MD5)', value: etag.toLowerCase(), declared: md5Hex(declared.value) } : undefined;
  }
  const stored = head.checksums[declared.algorithm];
  return stored ? { name: `${declared.algorithm} checksum`, value: stored, declared: declared.value } : undefined;
}

/**
 * Deletes a refused object, after copying it under the quarantine prefix when there is one. The
 * deletion matters more than the copy: when the copy fails (an object over CopyObject's 5 GiB, a
 * quarantine key over 1024 bytes, a denied write), the object is deleted all the same, and the
 * sentence returned says so.
 */
async function removeRefused(s3: S3Calls, rules: VerifyRules, key: string): Promise<string | undefined> {
  let notKept: string | undefined;
  if (rules.quarantinePrefix !== undefined) {
    const target = `${rules.quarantinePrefix}${key.slice(rules.prefix.length)}`;
    await s3.copyObject(key, target).catch((cause: unknown) => {
      notKept = ` It could not be kept under the quarantine prefix: the copy failed (${s3ErrorCode(cause) ?? cause}).`;
    });
  }
  await s3.deleteObject(key);
  return notKept;
}
