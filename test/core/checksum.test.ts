import { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { admitChecksum, md5Hex } from '../../src/core/checksum.js';
import {
  createPresigner,
  type PresignedPost,
  type PresignedPut,
  type PresignerOptions,
  type PresignResult,
} from '../../src/index.js';
import { fakeCredentials, policyConditions, presignError } from '../helpers/presign.js';
import { CHECKSUM_ALGORITHMS } from '../../src/protocol.js';

// The digest a client declares: checked to be one of the presigner's algorithm, then signed the
// same way by the direct signer and by the SDK (which signs whenever the direct one cannot).

const body = new TextEncoder().encode('the bytes the client hashed');
const digests = {
  md5: createHash('md5').update(body).digest('base64'),
  sha256: createHash('sha256').update(body).digest('base64'),
  crc32: 'AAECAw==',
  crc64nvme: 'AAECAwQFBgc=',
} as const;

describe('admitChecksum', () => {
  it.each(Object.entries(digests))('takes a %s digest in canonical base64', (algorithm, value) => {
    expect(admitChecksum({ algorithm: algorithm as 'md5', required: false }, value)).toEqual({ algorithm, value });
  });

  it.each([
    ['another algorithm’s digest', digests.sha256],
    ['hex', createHash('md5').update(body).digest('hex')],
    ['base64 without padding', digests.md5.replace(/=+$/, '')],
    ['non-canonical base64 (stray low bits)', digests.md5.replace(/.==$/, (end) => `${end[0] === 'A' ? 'B' : 'A'}==`)],
    ['not base64', '!'.repeat(24)],
  ])('refuses %s, naming the expected digest', (_, value) => {
    expect(() => admitChecksum({ algorithm: 'md5', required: false }, value)).toThrow(
      expect.objectContaining({
        code: 'INVALID_REQUEST',
        message: expect.stringContaining('24-character base64 md5 digest'),
      }),
    );
  });

  it('takes exactly what decodes to a digest of the right length and encodes back to itself', () => {
    const bytes = { md5: 16, sha256: 32, crc32: 4, crc64nvme: 8 } as const;
    const base64Like = fc.string({ maxLength: 48, unit: fc.constantFrom(...'AQgwBRhxEIMUYcgkosw048+/=a!'.split('')) });
    // Near-digests: a real digest with one character replaced, where the padding and low bits hide.
    const nearDigest = fc
      .tuple(
        fc.constantFrom(...Object.keys(bytes)),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1, unit: fc.constantFrom(...'AQBgw=+/a'.split('')) }),
      )
      .map(([algorithm, random, at, char]) => {
        const value = Buffer.from(random.subarray(0, bytes[algorithm as keyof typeof bytes])).toString('base64');
        const index = at % value.length;
        return value.slice(0, index) + char + value.slice(index + 1);
      });
    fc.assert(
      fc.property(fc.constantFrom(...CHECKSUM_ALGORITHMS), fc.oneof(base64Like, nearDigest), (algorithm, value) => {
        const decoded = Buffer.from(value, 'base64');
        const isDigest = decoded.length === bytes[algorithm] && decoded.toString('base64') === value;
        const admitted = (() => {
          try {
            return admitChecksum({ algorithm, required: false }, value) !== undefined;
          } catch {
            return false;
          }
        })();
        expect(admitted).toBe(isDigest);
      }),
      { numRuns: 5000 },
    );
  });

  it('asks for a digest only when required', () => {
    expect(admitChecksum({ algorithm: 'md5', required: false }, undefined)).toBeUndefined();
    expect(() => admitChecksum({ algorithm: 'sha256', required: true }, undefined)).toThrow(
      expect.objectContaining({ code: 'CHECKSUM_REQUIRED', status: 400 }),
    );
  });

  it('signs nothing with algorithm "none", whatever the request says', () => {
    expect(admitChecksum({ algorithm: 'none', required: false }, digests.md5)).toBeUndefined();
  });
});

it('md5Hex gives the ETag form of a base64 MD5', () => {
  expect(md5Hex(digests.md5)).toBe(createHash('md5').update(body).digest('hex'));
});

describe('a presigner with a checksum', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const fixed = new Date('2026-11-30T10:00:00Z');
  const base = {
    bucket: 'my-uploads',
    allowedTypes: ['image/jpeg'],
    key: () => 'uploads/fixed-photo.jpg',
  } satisfies PresignerOptions;
  const direct = (options: Partial<PresignerOptions>) =>
    createPresigner({ ...base, region: 'us-east-1', credentials: fakeCredentials, ...options });
  // An injected client takes the SDK's path: on its defaults, it would add a CRC32 of an empty body.
  const viaSdk = (options: Partial<PresignerOptions>) =>
    createPresigner({
      ...base,
      client: new S3Client({ region: 'us-east-1', credentials: fakeCredentials }),
      ...options,
    });

  async function presignBoth(options: Partial<PresignerOptions>, checksum: string) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(fixed);
    const request = { fileName: 'photo.jpg', contentType: 'image/jpeg', size: body.length, checksum };
    return [await direct(options).presign(request), await viaSdk(options).presign(request)] as [
      PresignResult,
      PresignResult,
    ];
  }

  it('PUT, md5: signs Content-MD5 as a header the client sends; the SDK signs the same URL', async () => {
    const [ours, sdk] = (await presignBoth({ checksum: 'md5' }, digests.md5)) as [PresignedPut, PresignedPut];
    expect(ours.headers['content-md5']).toBe(digests.md5);
    expect(new URL(ours.uploadUrl).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-md5;content-type;host;if-none-match',
    );
    expect(ours.uploadUrl).toBe(sdk.uploadUrl);
    expect(sdk.headers).toEqual(ours.headers);
  });

  it.each(['sha256', 'crc32', 'crc64nvme'] as const)(
    'PUT, %s: signs x-amz-checksum-* into the URL, and nothing else of the SDK’s checksums',
    async (algorithm) => {
      const [ours, sdk] = (await presignBoth({ checksum: algorithm }, digests[algorithm])) as [
        PresignedPut,
        PresignedPut,
      ];
      const query = new URL(ours.uploadUrl).searchParams;
      expect(query.get(`x-amz-checksum-${algorithm}`)).toBe(digests[algorithm]);
      expect([...query.keys()].filter((name) => name.includes('checksum'))).toEqual([`x-amz-checksum-${algorithm}`]);
      expect(ours.headers).not.toHaveProperty('content-md5');
      expect(ours.uploadUrl).toBe(sdk.uploadUrl);
    },
  );

  it.each(['md5', 'sha256'] as const)(
    'POST, %s: the form carries the digest, required by the policy',
    async (algorithm) => {
      const [ours, sdk] = (await presignBoth({ checksum: algorithm, method: 'POST' }, digests[algorithm])) as [
        PresignedPost,
        PresignedPost,
      ];
      const field = algorithm === 'md5' ? 'Content-MD5' : 'x-amz-checksum-sha256';
      expect(ours.fields[field]).toBe(digests[algorithm]);
      expect(policyConditions(ours.fields)).toContainEqual({ [field]: digests[algorithm] });
      expect(JSON.stringify(ours.fields)).toBe(JSON.stringify(sdk.fields));
    },
  );

  it('signs no digest the request does not declare, unless one is required', async () => {
    const request = { fileName: 'photo.jpg', contentType: 'image/jpeg', size: 5 };
    const put = (await direct({}).presign(request)) as PresignedPut;
    expect(put.headers).not.toHaveProperty('content-md5');
    const error = await presignError(direct({ checksum: { algorithm: 'md5', required: true } }).presign(request));
    expect(error.code).toBe('CHECKSUM_REQUIRED');
    expect(error.message).toContain('"checksum", the base64 md5 digest');
  });

  it('refuses a digest of another algorithm than its own', async () => {
    const error = await presignError(
      direct({ checksum: 'sha256' }).presign({
        fileName: 'photo.jpg',
        contentType: 'image/jpeg',
        checksum: digests.md5,
      }),
    );
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain('this endpoint signs sha256 digests');
  });

  it('refuses a whole-file digest for a multipart upload, whose parts carry theirs', async () => {
    const error = await presignError(
      direct({ secret: 'a-secret-of-at-least-32-characters!!' }).createMultipart({
        fileName: 'photo.jpg',
        contentType: 'image/jpeg',
        size: 10 * 1024 ** 2,
        checksum: digests.md5,
      }),
    );
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain('"checksums" in signParts');
  });

  it('names the option when it is wrong', () => {
    expect(() => direct({ checksum: 'sha1' as 'md5' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('"checksum"') }),
    );
  });
});
