import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { detectType } from '../../src/core/verify.js';
import type { Presigner } from '../../src/index.js';
import { presignError, sdkTestPresigner, testPresigner } from '../helpers/presign.js';

const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...part].map((c) => c.charCodeAt(0)) : part)));

describe('detectType', () => {
  it.each([
    ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF')],
    ['image/png', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d], 'IHDR')],
    ['image/gif', bytes('GIF89a', [1, 0, 1, 0])],
    ['image/webp', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ')],
    ['image/avif', bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0], 'avifmif1')],
    ['image/heic', bytes([0, 0, 0, 0x18], 'ftypheic', [0, 0, 0, 0], 'mif1heic')],
    ['application/pdf', bytes('%PDF-1.7\n')],
  ])('recognises %s by its first bytes', (type, sample) => {
    expect(detectType(sample)).toBe(type);
  });

  it.each([
    ['HTML', bytes('<!doctype html><script>')],
    ['SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg">')],
    ['a truncated JPEG marker', bytes([0xff, 0xd8])],
    ['nothing', bytes()],
  ])('proves no format for %s', (_, sample) => {
    expect(detectType(sample)).toBeUndefined();
  });
});

// `verify` against the checksum the storage gives back (AWS S3 keeps `x-amz-checksum-*`; RGW 16
// keeps none, so these answers are the storage's stand-ins), on both of a presigner's paths to S3:
// the mocked S3Client it was given, and `fetch` (s3-fetch.ts) when it signs for itself.

const SECRET = 'a-receipt-secret-of-at-least-32-characters';
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
/** Digests of the right length for each algorithm, whose values do not matter here. */
const DIGEST_BYTES = { sha256: 32, crc32: 4, crc64nvme: 8 } as const;
type StoredChecksumAlgorithm = keyof typeof DIGEST_BYTES;
const digest = (algorithm: StoredChecksumAlgorithm) => randomBytes(DIGEST_BYTES[algorithm]).toString('base64');

/** What one path's storage answers, and what it was asked. */
interface Storage {
  presigner(algorithm: StoredChecksumAlgorithm): Presigner;
  /** HeadObject answers this checksum for the object. */
  stores(algorithm: StoredChecksumAlgorithm, value: string): void;
  /** The checksum mode of each HeadObject, and the keys deleted. */
  asked(): { checksumModes: (string | null | undefined)[]; deleted: string[] };
}

const s3 = mockClient(S3Client);

const sdkStorage: Storage = {
  presigner: (algorithm) => sdkTestPresigner({ secret: SECRET, checksum: { algorithm } }),
  stores(algorithm, value) {
    const name = { sha256: 'ChecksumSHA256', crc32: 'ChecksumCRC32', crc64nvme: 'ChecksumCRC64NVME' }[algorithm];
    s3.on(HeadObjectCommand).resolves({ ContentLength: jpeg.length, ContentType: 'image/jpeg', [name]: value });
    s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => jpeg } } as never);
    s3.on(DeleteObjectCommand).resolves({});
  },
  asked: () => ({
    checksumModes: s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input.ChecksumMode),
    deleted: s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key!),
  }),
};

let fetched: Request[] = [];
const fetchStorage: Storage = {
  presigner: (algorithm) => testPresigner({ secret: SECRET, checksum: { algorithm } }),
  stores(algorithm, value) {
    vi.stubGlobal('fetch', async (request: Request) => {
      fetched.push(request);
      if (request.method === 'DELETE') return new Response(null, { status: 204 });
      if (request.method === 'GET') return new Response(jpeg, { status: 206 });
      const headers = { 'content-length': String(jpeg.length), 'content-type': 'image/jpeg', etag: '"e1"' };
      return new Response(null, { headers: { ...headers, [`x-amz-checksum-${algorithm}`]: value } });
    });
  },
  asked: () => ({
    checksumModes: fetched
      .filter((request) => request.method === 'HEAD')
      .map((request) => request.headers.get('x-amz-checksum-mode')),
    // The bucket is in the host name (virtual-hosted style), so the path is the key.
    deleted: fetched
      .filter((request) => request.method === 'DELETE')
      .map((request) => decodeURIComponent(new URL(request.url).pathname.slice(1))),
  }),
};

beforeEach(() => {
  s3.reset();
  fetched = [];
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe.each([
  ['through an injected S3Client', sdkStorage],
  ['over fetch', fetchStorage],
])('verify: the stored x-amz-checksum-* against the declared digest, S3 %s', (_, storage) => {
  it.each(['sha256', 'crc32', 'crc64nvme'] as const)(
    '%s: a stored checksum other than the declared one is CHECKSUM_MISMATCH, and the object is deleted',
    async (algorithm) => {
      // Prepare: the client declared one digest; the storage holds bytes with another.
      const presigner = storage.presigner(algorithm);
      const declared = digest(algorithm);
      const upload = { fileName: 'a.jpg', contentType: 'image/jpeg', size: jpeg.length, checksum: declared };
      const { key, receipt } = await presigner.presign(upload);
      storage.stores(algorithm, digest(algorithm));
      // Act
      const error = await presignError(presigner.verify({ receipt: receipt! }));
      // Assess
      expect([error.code, error.status]).toEqual(['CHECKSUM_MISMATCH', 422]);
      expect(error.message).toContain(`its ${algorithm} checksum is`);
      expect(storage.asked()).toEqual({ checksumModes: ['ENABLED'], deleted: [key] });
    },
  );

  it('the same checksum as declared passes, and nothing is deleted', async () => {
    // Prepare
    const presigner = storage.presigner('sha256');
    const declared = digest('sha256');
    const upload = { fileName: 'a.jpg', contentType: 'image/jpeg', size: jpeg.length, checksum: declared };
    const { key, receipt } = await presigner.presign(upload);
    storage.stores('sha256', declared);
    // Act
    const verified = await presigner.verify({ receipt: receipt! });
    // Assess
    expect(verified).toMatchObject({ key, contentType: 'image/jpeg', detectedType: 'image/jpeg' });
    expect(storage.asked()).toEqual({ checksumModes: ['ENABLED'], deleted: [] });
  });
});
