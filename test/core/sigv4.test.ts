import { PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPresigner } from '../../src/index.js';
import { contentDispositionFor } from '../../src/core/disposition.js';
import * as nodeSigv4Put from '../../src/core/sigv4.js';
import * as nodeSigv4Post from '../../src/core/sigv4-post.js';
import { resolveLocation, type Credentials } from '../../src/core/sigv4.js';
import { importWithWebCryptoOnly } from '../helpers/web-crypto.js';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../../src/protocol.js';

// The direct signer must produce, byte for byte, what the SDK produces for the same inputs and
// clock; wherever it cannot, resolveLocation must decline so that the SDK signs instead. It does
// so twice: with node:crypto (synchronous, where the runtime has it) and with Web Crypto (workerd
// without nodejs_compat, Vercel's Edge runtime), each property on each path.

const webSigv4 = await importWithWebCryptoOnly(async () => ({
  ...(await import('../../src/core/sigv4.js')),
  ...(await import('../../src/core/sigv4-post.js')),
}));
const cryptoPaths = [
  { path: 'node:crypto', sigv4: { ...nodeSigv4Put, ...nodeSigv4Post }, synchronous: true },
  { path: 'Web Crypto', sigv4: webSigv4, synchronous: false },
] as const;

const region = fc.constantFrom(
  'us-east-1',
  'us-west-2',
  'eu-central-1',
  'ap-southeast-2',
  'sa-east-1',
  'me-south-1',
  'il-central-1',
);
const bucket = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/),
  fc.constantFrom(
    'my-uploads',
    'a.b.c',
    'UPPER-case',
    'under_score',
    'x--y',
    '192.168.1.1',
    'dir--use1-az4--x-s3',
    'ab',
  ),
);
const keyCharacters = fc.constantFrom(
  ...Array.from('aZ09/ +%~!*\'()[]{}#?&=;:@$,"<>^`|\\é😀写\u00a0.-_'),
  '\u{1F600}',
  'e\u0301',
);
const key = fc
  .array(fc.oneof(keyCharacters, fc.string({ unit: 'grapheme', maxLength: 3 })), { minLength: 1, maxLength: 40 })
  .map((parts) => parts.join(''));
const contentType = fc.oneof(
  fc.constantFrom(
    'image/jpeg',
    'application/pdf',
    'text/plain; charset=utf-8',
    'multipart/x-y;  a="b  c"',
    'application/vnd.api+json',
  ),
  fc.stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,15}$/),
);
const credentials = fc.record({
  accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
  secretAccessKey: fc.string({ minLength: 20, maxLength: 40, unit: fc.constantFrom(...'abcXYZ019+/='.split('')) }),
  // Real tokens are base64; a non-ASCII one still has to sign as the SDK signs it.
  sessionToken: fc.option(
    fc.string({ minLength: 1, maxLength: 80, unit: fc.constantFrom(...'abcXYZ019+/=é'.split('')) }),
    { nil: undefined },
  ),
});
const endpoint = fc.option(
  fc.record({
    url: fc.constantFrom(
      'http://127.0.0.1:7480',
      'https://storage.example.com',
      'http://localhost:9000/',
      'https://minio.example.com:8443/base',
      'https://r2.example.com:443',
    ),
    forcePathStyle: fc.boolean(),
  }),
  { nil: undefined },
);
// What the presigner signs (built from safe names of any script), and a few values the SDK must
// canonicalise as the direct signer does: runs of spaces, quotes, semicolons.
const safeName = fc
  .array(fc.constantFrom(...Array.from('aZ09._()-éß写😀ﬁ'), 'e\u0301'), { minLength: 1, maxLength: 30 })
  .map((parts) => parts.join(''));
const contentDisposition = fc.option(
  fc.oneof(
    safeName.map((name) => contentDispositionFor('attachment', 'application/pdf', name)!),
    fc.constantFrom(
      'attachment',
      'inline',
      'attachment;  filename="a  b.pdf"',
      "attachment; filename*=UTF-8''%E5%86%99.pdf",
    ),
  ),
  { nil: undefined },
);
const date = fc.date({
  min: new Date('2020-01-01T00:00:00Z'),
  max: new Date('2035-12-31T23:59:59Z'),
  noInvalidDate: true,
});

// A digest a client declared: any bytes, of each algorithm's length.
const checksumField = (algorithm: ChecksumAlgorithm) =>
  algorithm === 'md5' ? 'Content-MD5' : `x-amz-checksum-${algorithm}`;
const DIGEST_BYTES = { md5: 16, sha256: 32, crc32: 4, crc64nvme: 8 } as const;
const SDK_PARAMETER = {
  md5: 'ContentMD5',
  sha256: 'ChecksumSHA256',
  crc32: 'ChecksumCRC32',
  crc64nvme: 'ChecksumCRC64NVME',
} as const;
const checksum = fc.option(
  fc
    .constantFrom(...CHECKSUM_ALGORITHMS)
    .chain((algorithm) =>
      fc
        .uint8Array({ minLength: DIGEST_BYTES[algorithm], maxLength: DIGEST_BYTES[algorithm] })
        .map((bytes) => ({ algorithm, value: Buffer.from(bytes).toString('base64') })),
    ),
  { nil: undefined },
);
type Declared = { algorithm: ChecksumAlgorithm; value: string } | undefined;
const sdkChecksum = (declared: Declared) => (declared ? { [SDK_PARAMETER[declared.algorithm]]: declared.value } : {});
/** What the direct signer is given for a declared digest: Content-MD5 is a header, the others go into the query. */
const hoisted = (declared: Declared) =>
  declared && declared.algorithm !== 'md5'
    ? { name: `x-amz-checksum-${declared.algorithm}`, value: declared.value }
    : undefined;

const sdkClients = new Map<string, { client: S3Client; slot: { credentials: Credentials } }>();
/**
 * The SDK's client for one endpoint configuration, built once: a client's first presign pays for its
 * endpoint rules and middleware, nearly as much again as the presign. Each run's credentials reach it
 * through the provider the SDK calls, with an expiration long past, so that the SDK asks again on
 * every presign instead of keeping the first answer (a provider without one is asked only once).
 */
function sdkClient(options: {
  region: string;
  credentials: Credentials;
  endpoint?: { url: string; forcePathStyle: boolean };
}) {
  const configuration = JSON.stringify([options.region, options.endpoint?.url, options.endpoint?.forcePathStyle]);
  let cached = sdkClients.get(configuration);
  if (!cached) {
    const slot = { credentials: options.credentials };
    const client = new S3Client({
      region: options.region,
      credentials: async () => ({ ...slot.credentials, expiration: new Date(0) }),
      endpoint: options.endpoint?.url,
      forcePathStyle: options.endpoint?.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    cached = { client, slot };
    sdkClients.set(configuration, cached);
  }
  cached.slot.credentials = options.credentials;
  return cached.client;
}

afterEach(() => {
  vi.useRealTimers();
});

describe.each(cryptoPaths)('with $path', ({ sigv4: { presignPut }, synchronous }) => {
  it('signs synchronously only with node:crypto', () => {
    const url = presignPut({
      location: resolveLocation({ bucket: 'my-uploads', region: 'us-east-1' })!,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example-key' },
      key: 'a.jpg',
      headers: { 'content-type': 'image/jpeg' },
      expiresIn: 60,
      date: new Date(),
    });
    expect(typeof url === 'string').toBe(synchronous);
  });
});

// Each run asks the SDK once and holds every crypto path to its answer.
describe('on every crypto path', () => {
  describe('presignPut', () => {
    it('is byte-identical to getSignedUrl wherever resolveLocation accepts the configuration', async () => {
      let direct = 0;
      await fc.assert(
        fc.asyncProperty(
          region,
          bucket,
          key,
          contentType,
          fc.option(fc.nat(), { nil: undefined }),
          contentDisposition,
          fc.boolean(),
          credentials,
          endpoint,
          fc.integer({ min: 1, max: 604_800 }),
          date,
          checksum,
          async (
            region,
            bucket,
            key,
            contentType,
            size,
            disposition,
            ifNoneMatch,
            credentials,
            endpoint,
            expiresIn,
            signingDate,
            declared,
          ) => {
            const location = resolveLocation({
              bucket,
              region,
              endpoint: endpoint?.url,
              forcePathStyle: endpoint?.forcePathStyle,
            });
            if (!location) return;
            direct++;
            const headers: Record<string, string> = { 'content-type': contentType };
            if (size !== undefined) headers['content-length'] = String(size);
            if (disposition !== undefined) headers['content-disposition'] = disposition;
            if (ifNoneMatch) headers['if-none-match'] = '*';
            if (declared?.algorithm === 'md5') headers['content-md5'] = declared.value;
            const expected = await getSignedUrl(
              sdkClient({ region, credentials, endpoint }),
              new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                ContentType: contentType,
                ContentLength: size,
                ContentDisposition: disposition,
                IfNoneMatch: headers['if-none-match'],
                ...sdkChecksum(declared),
              }),
              { expiresIn, signingDate, signableHeaders: new Set(Object.keys(headers)) },
            );
            for (const { path, sigv4 } of cryptoPaths) {
              const actual = await sigv4.presignPut({
                location,
                region,
                credentials,
                key,
                headers,
                expiresIn,
                date: signingDate,
                hoisted: hoisted(declared),
              });
              expect(actual, path).toBe(expected);
            }
          },
        ),
        { numRuns: 3000 },
      );
      // The property proves something only if most configurations take the direct path.
      expect(direct).toBeGreaterThan(1000);
    }, 120_000);
  });

  describe('presignPut with a part', () => {
    // Upload ids are opaque: AWS's are base64-like, RGW's `2~…`; any character may need escaping.
    const uploadId = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._~-]{1,60}$/),
      fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom(...'aZ9~+/=._- %'.split('')) }),
    );

    it('is byte-identical to getSignedUrl(UploadPartCommand) wherever resolveLocation accepts the configuration', async () => {
      let direct = 0;
      await fc.assert(
        fc.asyncProperty(
          region,
          bucket,
          key,
          uploadId,
          fc.integer({ min: 1, max: 10_000 }),
          fc.nat(),
          credentials,
          endpoint,
          fc.integer({ min: 1, max: 604_800 }),
          date,
          checksum,
          async (
            region,
            bucket,
            key,
            uploadId,
            partNumber,
            size,
            credentials,
            endpoint,
            expiresIn,
            signingDate,
            declared,
          ) => {
            const location = resolveLocation({
              bucket,
              region,
              endpoint: endpoint?.url,
              forcePathStyle: endpoint?.forcePathStyle,
            });
            if (!location) return;
            direct++;
            const expected = await getSignedUrl(
              sdkClient({ region, credentials, endpoint }),
              new UploadPartCommand({
                Bucket: bucket,
                Key: key,
                UploadId: uploadId,
                PartNumber: partNumber,
                ContentLength: size,
                ...sdkChecksum(declared),
              }),
              {
                expiresIn,
                signingDate,
                signableHeaders: new Set(
                  declared?.algorithm === 'md5' ? ['content-length', 'content-md5'] : ['content-length'],
                ),
              },
            );
            const headers: Record<string, string> = { 'content-length': String(size) };
            if (declared?.algorithm === 'md5') headers['content-md5'] = declared.value;
            for (const { path, sigv4 } of cryptoPaths) {
              const actual = await sigv4.presignPut({
                location,
                region,
                credentials,
                key,
                headers,
                expiresIn,
                date: signingDate,
                part: { uploadId, partNumber },
                hoisted: hoisted(declared),
              });
              expect(actual, path).toBe(expected);
            }
          },
        ),
        { numRuns: 1000 },
      );
      expect(direct).toBeGreaterThan(300);
    }, 120_000);
  });

  describe('presignPost', () => {
    it('is identical to createPresignedPost wherever resolveLocation accepts the configuration', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      let direct = 0;
      await fc.assert(
        fc.asyncProperty(
          region,
          bucket,
          key,
          contentType,
          contentDisposition,
          fc.option(fc.tuple(fc.nat(), fc.nat()), { nil: undefined }),
          credentials,
          endpoint,
          fc.integer({ min: 1, max: 604_800 }),
          date,
          checksum,
          async (
            region,
            bucket,
            key,
            contentType,
            disposition,
            range,
            credentials,
            endpoint,
            expiresIn,
            now,
            declared,
          ) => {
            const location = resolveLocation({
              bucket,
              region,
              endpoint: endpoint?.url,
              forcePathStyle: endpoint?.forcePathStyle,
            });
            if (!location) return;
            direct++;
            vi.setSystemTime(now);
            const fields: Record<string, string> = {
              'Content-Type': contentType,
              ...(disposition !== undefined && { 'Content-Disposition': disposition }),
              ...(declared && { [checksumField(declared.algorithm)]: declared.value }),
            };
            const conditions = [
              ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
              ...(range ? [['content-length-range', ...range] as ['content-length-range', number, number]] : []),
            ];
            const expected = await createPresignedPost(sdkClient({ region, credentials, endpoint }), {
              Bucket: bucket,
              Key: key,
              Fields: fields,
              Conditions: conditions,
              Expires: expiresIn,
            });
            for (const { path, sigv4 } of cryptoPaths) {
              const actual = await sigv4.presignPost({
                location,
                region,
                credentials,
                bucket,
                key,
                contentType,
                contentDisposition: disposition,
                range,
                checksum: declared && { field: checksumField(declared.algorithm), value: declared.value },
                expiresIn,
                date: now,
              });
              expect(actual.url, path).toBe(expected.url);
              expect(JSON.stringify(actual.fields), path).toBe(JSON.stringify(expected.fields));
            }
          },
        ),
        { numRuns: 1000 },
      );
      expect(direct).toBeGreaterThan(300);
    }, 120_000);
  });
});

describe('resolveLocation declines what only the SDK knows', () => {
  it.each([
    ['an access point ARN', { bucket: 'arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap', region: 'us-west-2' }],
    ['an S3 Express directory bucket', { bucket: 'uploads--use1-az4--x-s3', region: 'us-east-1' }],
    ['the China partition', { bucket: 'my-uploads', region: 'cn-north-1' }],
    ['GovCloud', { bucket: 'my-uploads', region: 'us-gov-west-1' }],
    ['a bucket with dots under TLS', { bucket: 'my.uploads', region: 'us-east-1' }],
    [
      'a virtual-hosted custom endpoint',
      { bucket: 'my-uploads', region: 'us-east-1', endpoint: 'https://storage.example.com' },
    ],
  ])('%s', (_, options) => {
    expect(resolveLocation(options)).toBeUndefined();
  });
});

describe('createPresigner falls back to the SDK, with the same result', () => {
  const fixed = new Date('2026-11-28T10:00:00Z');
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example-key' };

  async function both(
    options: { bucket: string; region: string },
    env: Record<string, string> = {},
    file = { fileName: 'a.jpg', contentType: 'image/jpeg' },
  ) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(fixed);
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    try {
      const ours = await createPresigner({ ...options, credentials: creds, allowedTypes: [file.contentType] }).presign({
        ...file,
        size: 5,
      });
      if (ours.method !== 'PUT') throw new Error('expected a PUT');
      const client = new S3Client({
        region: options.region,
        credentials: creds,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      });
      const command = new PutObjectCommand({
        Bucket: options.bucket,
        Key: ours.key,
        ContentType: file.contentType,
        ContentLength: 5,
        ContentDisposition: ours.headers['content-disposition'],
        IfNoneMatch: '*',
      });
      const sdk = await getSignedUrl(client, command, {
        expiresIn: 300,
        signingDate: fixed,
        signableHeaders: new Set(['content-type', 'content-length']),
      });
      return { ours: ours.uploadUrl, sdk };
    } finally {
      vi.unstubAllEnvs();
    }
  }

  it('for an access point ARN', async () => {
    const { ours, sdk } = await both({
      bucket: 'arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap',
      region: 'us-west-2',
    });
    expect(new URL(ours).host).toBe('my-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com');
    expect(ours).toBe(sdk);
  });

  it('for FIPS endpoints chosen by the environment', async () => {
    const { ours, sdk } = await both({ bucket: 'my-uploads', region: 'us-east-1' }, { AWS_USE_FIPS_ENDPOINT: 'true' });
    expect(new URL(ours).host).toContain('s3-fips');
    expect(ours).toBe(sdk);
  });

  it('for a bucket with dots', async () => {
    const { ours, sdk } = await both({ bucket: 'my.uploads', region: 'eu-west-1' });
    expect(ours).toBe(sdk);
  });

  it('for a PDF, whose Content-Disposition both sign', async () => {
    const { ours, sdk } = await both(
      { bucket: 'my.uploads', region: 'eu-west-1' },
      {},
      { fileName: 'résumé.pdf', contentType: 'application/pdf' },
    );
    expect(new URL(ours).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-disposition;content-length;content-type;host;if-none-match',
    );
    expect(ours).toBe(sdk);
  });
});
