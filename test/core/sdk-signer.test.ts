import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checksumField } from '../../src/core/checksum.js';
import { CHECKSUM_ALGORITHMS } from '../../src/protocol.js';
import { sdkSigner, type SignRequest } from '../../src/core/sdk-signer.js';

// The SDK path signs POST forms without @aws-sdk/s3-presigned-post (which pins its own copy of
// @aws-sdk/client-s3): the SDK's endpoint rules for the URL, the direct signer for the policy. For
// every configuration that takes this path, the form must be createPresignedPost's, field for field.

const CONFIGURATIONS = [
  { name: 'an access point ARN', bucket: 'arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap', region: 'us-west-2' },
  { name: 'an S3 Express directory bucket', bucket: 'uploads--use1-az4--x-s3', region: 'us-east-1' },
  { name: 'the China partition', bucket: 'my-uploads', region: 'cn-north-1' },
  { name: 'GovCloud', bucket: 'my-uploads', region: 'us-gov-west-1' },
  { name: 'a bucket with dots under TLS', bucket: 'my.uploads', region: 'us-east-1' },
  { name: 'FIPS', bucket: 'my-uploads', region: 'us-east-1', useFipsEndpoint: true },
  { name: 'dual-stack', bucket: 'my-uploads', region: 'eu-west-1', useDualstackEndpoint: true },
  {
    name: 'a virtual-hosted custom endpoint',
    bucket: 'my-uploads',
    region: 'us-east-1',
    endpoint: 'https://storage.example.com',
  },
  {
    name: 'a path-style endpoint with a port and a base path',
    bucket: 'my-uploads',
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:7480/base',
    forcePathStyle: true,
  },
  { name: 'plain AWS S3', bucket: 'my-uploads', region: 'eu-central-1' },
] as const;

const request = fc.record({
  key: fc.stringMatching(/^uploads\/[a-z0-9-]{1,20}\/[a-zA-Z0-9._ é写-]{1,30}$/),
  contentType: fc.constantFrom('image/jpeg', 'application/pdf', 'text/plain; charset=utf-8'),
  contentDisposition: fc.option(fc.constantFrom('attachment', "attachment; filename*=UTF-8''%E5%86%99.pdf"), {
    nil: undefined,
  }),
  range: fc.option(
    fc.nat({ max: 5_000_000_000 }).map((max): [number, number] => [0, max]),
    { nil: undefined },
  ),
  checksum: fc.option(
    fc.record({
      algorithm: fc.constantFrom(...CHECKSUM_ALGORITHMS),
      value: fc.base64String({ minLength: 8, maxLength: 44 }),
    }),
    { nil: undefined },
  ),
  expiresIn: fc.integer({ min: 1, max: 604_800 }),
});
const credentials = fc.record({
  accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
  secretAccessKey: fc.stringMatching(/^[a-zA-Z0-9+/]{40}$/),
  sessionToken: fc.option(fc.stringMatching(/^[a-zA-Z0-9+/=]{20,80}$/), { nil: undefined }),
});

afterEach(() => {
  vi.useRealTimers();
});

describe('sdkSigner(client).post', () => {
  it.each(CONFIGURATIONS)('makes the form createPresignedPost makes, for $name', async ({ name, ...configuration }) => {
    const { bucket, ...clientOptions } = configuration;
    await fc.assert(
      fc.asyncProperty(
        request,
        credentials,
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -900_000, max: 900_000 }),
        async (upload, credentials, now, clockOffset) => {
          const client = new S3Client({ ...clientOptions, credentials });
          // The SDK corrects its clock by the skew a storage reported: both sign at that time.
          client.config.systemClockOffset = clockOffset;
          vi.useFakeTimers({ toFake: ['Date'] });
          vi.setSystemTime(now);
          const signRequest: SignRequest = { bucket, size: undefined, ...upload };
          const fields: Record<string, string> = { 'Content-Type': upload.contentType };
          if (upload.contentDisposition !== undefined) fields['Content-Disposition'] = upload.contentDisposition;
          if (upload.checksum) fields[checksumField(upload.checksum.algorithm)] = upload.checksum.value;

          const ours = await sdkSigner(client).post(signRequest);
          const sdk = await createPresignedPost(client, {
            Bucket: bucket,
            Key: upload.key,
            Fields: fields,
            Conditions: [
              ...Object.entries(fields).map(([field, value]) => ({ [field]: value })),
              ...(upload.range
                ? [['content-length-range', ...upload.range] as ['content-length-range', number, number]]
                : []),
            ],
            Expires: upload.expiresIn,
          });
          vi.useRealTimers();

          expect(ours.url, name).toBe(sdk.url);
          expect(JSON.stringify(ours.fields), name).toBe(JSON.stringify(sdk.fields));
        },
      ),
      { numRuns: 40 },
    );
  });
});
