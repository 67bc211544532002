import { PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { presignPut, resolveLocation } from '../../src/core/sigv4.js';
import { presignPost } from '../../src/core/sigv4-post.js';
import { expiry } from '../../src/core/signer.js';

// The direct signer keeps what one second, one set of credentials and one expiry share (dates,
// the query before the signature, a policy's fields, the signing key). Consecutive signatures
// that share some of these and not others must still match the SDK, whatever the order.

const seconds = [
  '2026-11-28T10:00:00.000Z',
  '2026-11-28T10:00:00.999Z',
  '2026-11-28T10:00:01.000Z',
  '2026-11-29T00:00:00.500Z',
].map((iso) => new Date(iso));
const credentials = [
  { accessKeyId: 'AKIDEXAMPLE1', secretAccessKey: 'secret-one' },
  { accessKeyId: 'AKIDEXAMPLE1', secretAccessKey: 'secret-one', sessionToken: 'token/one+==' },
  { accessKeyId: 'AKIDEXAMPLE1', secretAccessKey: 'secret-one', sessionToken: 'token/two+==' },
  { accessKeyId: 'AKIDEXAMPLE2', secretAccessKey: 'secret-two', sessionToken: 'token/one+==' },
];
const step = fc.record({
  date: fc.constantFrom(...seconds),
  credentials: fc.constantFrom(...credentials),
  region: fc.constantFrom('us-east-1', 'eu-west-1'),
  bucket: fc.constantFrom('bucket-one', 'bucket-two'),
  expiresIn: fc.constantFrom(300, 301),
  headers: fc.constantFrom<Record<string, string>>(
    { 'content-type': 'image/jpeg', 'content-length': '5' },
    { 'content-type': 'image/png' },
    { 'content-length': '7' },
  ),
  part: fc.option(
    fc.record({ uploadId: fc.constantFrom('up-1', 'up/2'), partNumber: fc.integer({ min: 1, max: 3 }) }),
    { nil: undefined },
  ),
});

// One SDK client per region and credentials, built once: a client's first presign pays for its
// endpoint rules and middleware, nearly as much again as the presign.
const clients = new Map<string, S3Client>();
function client(region: string, creds: (typeof credentials)[number]): S3Client {
  const configuration = `${region} ${credentials.indexOf(creds)}`;
  let built = clients.get(configuration);
  if (!built) {
    // A copy: the SDK marks the object it is given with where it came from.
    built = new S3Client({ region, credentials: { ...creds }, requestChecksumCalculation: 'WHEN_REQUIRED' });
    clients.set(configuration, built);
  }
  return built;
}

// The SDK's answer depends on its input alone, and runs repeat inputs (the POST property has 128):
// each input asks the SDK once.
const sdkAnswers = new Map<string, unknown>();
async function sdkAnswer<T>(input: object, ask: () => Promise<T>): Promise<T> {
  const key = JSON.stringify(input);
  if (!sdkAnswers.has(key)) sdkAnswers.set(key, await ask());
  return sdkAnswers.get(key) as T;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the direct signer, signing in any order', () => {
  it('matches getSignedUrl for PUT and UploadPart URLs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 8 }), async (steps) => {
        for (const { date, credentials, region, bucket, expiresIn, part, ...step } of steps) {
          // An UploadPart signs its length only (the SDK sends its own Content-Type for parts).
          const headers = part ? { 'content-length': step.headers['content-length'] ?? '9' } : step.headers;
          const location = resolveLocation({ bucket, region })!;
          const key = 'uploads/a b.jpg';
          const size = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
          const options = { expiresIn, signingDate: date, signableHeaders: new Set(Object.keys(headers)) };
          const expected = await sdkAnswer({ date, credentials, region, bucket, expiresIn, headers, part }, () =>
            part
              ? getSignedUrl(
                  client(region, credentials),
                  new UploadPartCommand({
                    Bucket: bucket,
                    Key: key,
                    UploadId: part.uploadId,
                    PartNumber: part.partNumber,
                    ContentLength: size,
                  }),
                  options,
                )
              : getSignedUrl(
                  client(region, credentials),
                  new PutObjectCommand({
                    Bucket: bucket,
                    Key: key,
                    ContentType: headers['content-type'],
                    ContentLength: size,
                  }),
                  options,
                ),
          );
          expect(presignPut({ location, region, credentials, key, headers, expiresIn, date, part })).toBe(expected);
        }
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it('matches createPresignedPost', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 8 }), async (steps) => {
        for (const { date, credentials, region, bucket, expiresIn } of steps) {
          vi.setSystemTime(date);
          const location = resolveLocation({ bucket, region })!;
          const conditions = [
            { 'Content-Type': 'image/jpeg' },
            ['content-length-range', 5, 5] as ['content-length-range', number, number],
          ];
          const expected = await sdkAnswer({ post: true, date, credentials, region, bucket, expiresIn }, () =>
            createPresignedPost(client(region, credentials), {
              Bucket: bucket,
              Key: 'uploads/a.jpg',
              Fields: { 'Content-Type': 'image/jpeg' },
              Conditions: conditions,
              Expires: expiresIn,
            }),
          );
          const actual = await presignPost({
            location,
            region,
            credentials,
            bucket,
            key: 'uploads/a.jpg',
            contentType: 'image/jpeg',
            range: [5, 5],
            expiresIn,
            date,
          });
          expect(actual.url).toBe(expected.url);
          expect(JSON.stringify(actual.fields)).toBe(JSON.stringify(expected.fields));
        }
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('expiry', () => {
  it('is the signing second plus the lifetime, in any order of calls', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...seconds), fc.constantFrom(300, 301)), { minLength: 2, maxLength: 8 }),
        (calls) => {
          for (const [date, lifetime] of calls) {
            expect(expiry(date, lifetime)).toBe(
              new Date(Math.floor(date.getTime() / 1000) * 1000 + lifetime * 1000).toISOString(),
            );
          }
        },
      ),
    );
  });
});
