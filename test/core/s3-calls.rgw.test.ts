import { randomBytes } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3CallError, type S3Calls } from '../../src/core/s3-calls.js';
import { fetchCalls } from '../../src/core/s3-fetch.js';
import { sdkCalls } from '../../src/core/s3-sdk.js';
import { resolveLocation } from '../../src/core/sigv4.js';
import { createHttpHandler, createPresigner } from '../../src/index.js';
import { presignError } from '../helpers/presign.js';
import { jpegBytes, rgw, rgwClient, TEST_BUCKET } from '../helpers/s3.js';

// The two implementations of the server's S3 calls, against Ceph RGW: the same answers, and the
// same S3 error codes, which verify and the multipart steps map to the same PresignError codes.

const location = resolveLocation({
  bucket: TEST_BUCKET,
  region: rgw.region,
  endpoint: rgw.endpoint,
  forcePathStyle: true,
})!;
const wrongSecret = { ...rgw.credentials, secretAccessKey: `${rgw.credentials.secretAccessKey}-wrong` };

const IMPLEMENTATIONS: { name: string; calls: (credentials?: typeof rgw.credentials) => Promise<S3Calls> }[] = [
  {
    name: 'over fetch (s3-fetch.ts)',
    calls: async (credentials = rgw.credentials) =>
      fetchCalls({ bucket: TEST_BUCKET, location, region: rgw.region, credentials: () => credentials }),
  },
  {
    name: 'through the SDK (s3-sdk.ts)',
    calls: (credentials = rgw.credentials) => sdkCalls(rgwClientWith(credentials), TEST_BUCKET),
  },
];

const rgwClientWith = (credentials: typeof rgw.credentials) =>
  new S3Client({ ...rgw, credentials, forcePathStyle: true });

/** What the call rejects with: an S3CallError, or the test fails. */
async function callError(promise: Promise<unknown>): Promise<S3CallError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(S3CallError);
  return error as S3CallError;
}

const key = (name: string) => `s3-calls/${randomBytes(6).toString('hex')}/${name}`;

describe.each(IMPLEMENTATIONS)('S3 calls $name against RGW', ({ calls }) => {
  it('reads, copies and deletes an object, its key with characters that need escaping', async () => {
    const s3 = await calls();
    const source = key("photo (1)+ü'*.jpg");
    const bytes = jpegBytes(200);
    await rgwClient().send(
      new PutObjectCommand({ Bucket: TEST_BUCKET, Key: source, Body: bytes, ContentType: 'image/jpeg' }),
    );

    const head = await s3.headObject(source);
    const first = await s3.firstBytes(source, 8);
    const target = key('copy.jpg');
    const copied = await s3.copyObject(source, target, {
      ifMatch: head!.etag,
      ifNoneMatch: true,
      replaceHeaders: { contentType: 'image/jpeg', contentDisposition: 'attachment; filename="copy.jpg"' },
    });
    const copy = await s3.headObject(target);
    await s3.deleteObject(source);
    await s3.deleteObject(target);

    expect(head).toMatchObject({ size: bytes.length, contentType: 'image/jpeg', etagIsNoMd5: false });
    expect(head!.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(head!.lastModified).toBeInstanceOf(Date);
    expect([...first]).toEqual([...bytes.subarray(0, 8)]);
    // RGW quotes the ETag of a HEAD, not the one in a CopyObjectResult.
    expect(copied.etag?.replace(/"/g, '')).toBe(head!.etag!.replace(/"/g, ''));
    expect(copy).toMatchObject({ size: bytes.length, etag: head!.etag });
    expect(await s3.headObject(source)).toBeUndefined();
  });

  it('runs a multipart upload: create, list (empty), complete with no parts refused, abort', async () => {
    const s3 = await calls();
    const name = key('large.pdf');
    const uploadId = await s3.createMultipartUpload(name, { contentType: 'application/pdf' });

    const listed = await s3.listParts(name, uploadId);
    const incomplete = await callError(s3.completeMultipartUpload(name, uploadId, []));
    await s3.abortMultipartUpload(name, uploadId);
    const gone = await callError(s3.listParts(name, uploadId));

    expect(uploadId).not.toBe('');
    expect(listed).toEqual({ parts: [], nextMarker: undefined });
    expect([incomplete.code, incomplete.status]).toEqual(['MalformedXML', 400]);
    // AWS says NoSuchUpload; RGW says NoSuchKey once the upload is aborted or completed.
    expect([gone.code, gone.status]).toEqual(['NoSuchKey', 404]);
  });

  // RGW ignores x-amz-copy-source-if-match (measured), so PreconditionFailed is s3-fetch.test.ts's.
  it("names RGW's error answers by S3's codes: NoSuchKey, NoSuchUpload, InternalError (500), SignatureDoesNotMatch", async () => {
    const s3 = await calls();
    const missing = key('missing.jpg');
    const source = key('source.jpg');
    await rgwClient().send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: source, Body: jpegBytes() }));

    const errors = [
      await callError(s3.firstBytes(missing, 8)),
      await callError(s3.abortMultipartUpload(missing, 'no-such-upload-id')),
      // RGW answers a Complete of an upload it does not know with a 500, every time: retried, then reported.
      await callError(s3.completeMultipartUpload(missing, 'no-such-upload-id', [{ partNumber: 1, etag: '"e"' }])),
      await callError((await calls(wrongSecret)).firstBytes(source, 8)),
    ];
    await s3.deleteObject(source);

    expect(errors.map(({ operation, code, status }) => [operation, code, status])).toEqual([
      ['GetObject', 'NoSuchKey', 404],
      ['AbortMultipartUpload', 'NoSuchUpload', 404],
      ['CompleteMultipartUpload', 'InternalError', 500],
      ['GetObject', 'SignatureDoesNotMatch', 403],
    ]);
    // A HEAD has no body: only its status tells.
    expect(await s3.headObject(missing)).toBeUndefined();
    expect((await callError((await calls(wrongSecret)).headObject(source))).status).toBe(403);
  });
});

const rules = { bucket: TEST_BUCKET, allowedTypes: ['image/*'], secret: 'rgw-s3-calls-test-secret-0123456789abcdef' };

describe.each([
  {
    path: 'S3 over fetch',
    presigner: (credentials = rgw.credentials) =>
      createPresigner({ ...rules, ...rgw, credentials, forcePathStyle: true }),
  },
  {
    path: 'S3 through an injected S3Client',
    presigner: (credentials = rgw.credentials) => createPresigner({ ...rules, client: rgwClientWith(credentials) }),
  },
])('what a refused S3 call answers through the presigner, $path', ({ presigner }) => {
  it('a refused signature: STORAGE_ERROR (502), answered without the cause, which is logged', async () => {
    const good = presigner();
    const upload = await good.createMultipart({ fileName: 'a.jpg', contentType: 'image/jpeg', size: 6 * 1024 ** 2 });
    const refused = presigner(wrongSecret);
    const reported: unknown[] = [];
    const handler = createHttpHandler(refused, { onError: (error) => reported.push(error) });

    const created = await presignError(
      refused.createMultipart({ fileName: 'a.jpg', contentType: 'image/jpeg', size: 6 * 1024 ** 2 }),
    );
    const verified = await presignError(refused.verify({ key: upload.key }));
    const listed = await handler({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'listParts', token: upload.token }),
    });
    await good.abortMultipart({ token: upload.token });

    expect([created.code, created.status, verified.code, verified.status]).toEqual([
      'STORAGE_ERROR',
      502,
      'STORAGE_ERROR',
      502,
    ]);
    expect(created.message).toContain('SignatureDoesNotMatch');
    expect([listed.status, JSON.parse(listed.body).error.code]).toEqual([502, 'STORAGE_ERROR']);
    expect(listed.body).not.toContain('SignatureDoesNotMatch');
    expect(String((reported[0] as Error).message)).toContain('SignatureDoesNotMatch');
  });

  it('NoSuchKey and NoSuchUpload: NOT_FOUND (404)', async () => {
    const p = presigner();
    const upload = await p.createMultipart({ fileName: 'a.jpg', contentType: 'image/jpeg', size: 6 * 1024 ** 2 });
    await p.abortMultipart({ token: upload.token });

    const listed = await presignError(p.listParts({ token: upload.token }));
    const verified = await presignError(p.verify({ key: upload.key }));

    expect([listed.code, listed.status, verified.code, verified.status]).toEqual(['NOT_FOUND', 404, 'NOT_FOUND', 404]);
  });
});
