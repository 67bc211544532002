import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createPresigner, type PresignedPost, type PresignedPut } from '../../src/index.js';
import { ensureBucket, jpegBytes, rgw, rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

// Every "the storage rejects it" claim of the core, checked against Ceph RGW, which verifies SigV4,
// expiry, signed headers and POST policies (s3rver would accept forged requests).

const storage = rgwClient();

async function stored(key: string) {
  const object = await storage.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
  return { bytes: await object.Body!.transformToByteArray(), contentType: object.ContentType };
}

function put(result: PresignedPut, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = result.headers) {
  return fetch(result.uploadUrl, { method: 'PUT', headers, body });
}

function postForm(result: PresignedPost, file: Blob, overrides: Record<string, string> = {}, url = result.uploadUrl) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...result.fields, ...overrides })) form.append(name, value);
  form.append('file', file);
  return fetch(url, { method: 'POST', body: form });
}

async function errorCode(response: Response) {
  return /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];
}

describe('PUT through RGW', () => {
  const presigner = rgwPresigner({ allowedTypes: ['image/*'] });

  it('the original contract: presign sample.jpg, PUT it, GET the same bytes', async () => {
    const result = await presigner.presign({ fileName: 'sample.jpg', contentType: 'image/jpeg' });
    const body = jpegBytes();

    const response = await put(result, body);

    expect(response.status).toBe(200);
    expect(result.key.startsWith('uploads/')).toBe(true);
    expect(await stored(result.key)).toEqual({ bytes: body, contentType: 'image/jpeg' });
  });

  it('a plain `curl -T` with the returned headers answers 200', async () => {
    const result = await presigner.presign({ fileName: 'sample.jpg', contentType: 'image/jpeg' });
    const body = jpegBytes();
    const file = join(tmpdir(), `upload-presigner-${result.key.split('/').pop()}`);
    await writeFile(file, body);
    onTestFinished(() => rm(file, { force: true }));
    const headerArgs = Object.entries(result.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);

    const { stdout } = await promisify(execFile)('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-T',
      file,
      ...headerArgs,
      result.uploadUrl,
    ]);

    expect(stdout).toBe('200');
    expect((await stored(result.key)).bytes).toEqual(body);
  });

  it.each([
    ['another Content-Type', { 'content-type': 'image/png' }],
    ['no Content-Type', {}],
  ])('rejects %s with 403', async (_, headers) => {
    const result = await presigner.presign({ fileName: 'sample.jpg', contentType: 'image/jpeg' });
    const response = await put(result, jpegBytes(), headers);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it('rejects a tampered signature with 403', async () => {
    const result = await presigner.presign({ fileName: 'sample.jpg', contentType: 'image/jpeg' });
    const url = new URL(result.uploadUrl);
    url.searchParams.set(
      'X-Amz-Signature',
      url.searchParams.get('X-Amz-Signature')!.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    );
    const response = await put({ ...result, uploadUrl: url.href }, jpegBytes());
    expect(response.status).toBe(403);
  });

  it('keeps unicode names working end to end', async () => {
    const result = await presigner.presign({
      fileName: 'Fotoğraf çiçek 写真 (1).jpg',
      contentType: 'image/jpeg',
    });
    const body = jpegBytes();
    expect((await put(result, body)).status).toBe(200);
    expect(result.key).toMatch(/-Fotoğraf-çiçek-写真-\(1\)\.jpg$/);
    expect((await stored(result.key)).bytes).toEqual(body);
  });
});

describe('size limits through RGW', () => {
  const presigner = rgwPresigner({ allowedTypes: ['image/*'], maxSize: 1024 });

  it('PUT: the declared size passes; one byte over is rejected with 403', async () => {
    const body = jpegBytes(200);
    const result = await presigner.presign({
      fileName: 'a.jpg',
      contentType: 'image/jpeg',
      size: body.length,
    });

    const over = await put(result, new Uint8Array([...body, 0]), { 'content-type': 'image/jpeg' });
    const exact = await put(result, body);

    expect(over.status).toBe(403);
    expect(exact.status).toBe(200);
  });

  it('POST: a file within the range passes; one byte over maxSize is rejected with 400 EntityTooLarge', async () => {
    const post = rgwPresigner({ allowedTypes: ['image/*'], maxSize: 1024, method: 'POST' });
    const within = await post.presign({ fileName: 'a.jpg', contentType: 'image/jpeg' });
    const over = await post.presign({ fileName: 'b.jpg', contentType: 'image/jpeg' });

    const ok = await postForm(within, new Blob([new Uint8Array(1024)]));
    const tooLarge = await postForm(over, new Blob([new Uint8Array(1025)]));

    expect(ok.status).toBe(204);
    expect(tooLarge.status).toBe(400);
    expect(await errorCode(tooLarge)).toBe('EntityTooLarge');
  });

  it('without maxSize, the original request without size keeps working', async () => {
    const result = await rgwPresigner({ allowedTypes: ['image/jpeg'] }).presign({
      fileName: 'sample.jpg',
      contentType: 'image/jpeg',
    });
    expect((await put(result, jpegBytes(5000))).status).toBe(200);
  });
});

describe('POST policies through RGW', () => {
  const presigner = rgwPresigner({ allowedTypes: ['image/*'], maxSize: 4096, method: 'POST' });
  const file = () => new Blob([jpegBytes()], { type: 'image/jpeg' });

  it('a faithful form is stored under the exact (staging) key with the signed type, and under its key once verified', async () => {
    const result = await presigner.presign({ fileName: 'sample.jpg', contentType: 'image/jpeg' });
    const response = await postForm(result, file());
    expect(response.status).toBe(204);
    expect((await stored(result.fields.key!)).contentType).toBe('image/jpeg');
    await presigner.verify({ key: result.key });
    expect((await stored(result.key)).contentType).toBe('image/jpeg');
  });

  it.each([
    ['another key', (result: PresignedPost) => ({ key: `${result.key}.other.jpg` })],
    ['a key outside the prefix', () => ({ key: 'elsewhere/x.jpg' })],
    ['another Content-Type', () => ({ 'Content-Type': 'text/html' })],
    [
      'a forged signature',
      (result: PresignedPost) => ({
        'X-Amz-Signature': result.fields['X-Amz-Signature']!.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      }),
    ],
  ])('rejects a form with %s (403)', async (_, change) => {
    const result = await presigner.presign({ fileName: 'sample.jpg', contentType: 'image/jpeg' });
    const response = await postForm(result, file(), change(result));
    expect(response.status).toBe(403);
  });

  it('rejects the form sent to another bucket (403)', async () => {
    const other = 'upload-presigner-other';
    await ensureBucket(other);
    const result = await presigner.presign({ fileName: 'sample.jpg', contentType: 'image/jpeg' });
    const response = await postForm(result, file(), { bucket: other }, `${rgw.endpoint}/${other}`);
    expect(response.status).toBe(403);
  });
});

describe('expiry and clients through RGW', () => {
  it('a URL used after expiresAt is rejected with 403', async () => {
    const result = await rgwPresigner({ allowedTypes: ['image/*'], expiresIn: 1 }).presign({
      fileName: 'a.jpg',
      contentType: 'image/jpeg',
    });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(result.expiresAt) - Date.now() + 1200));
    const response = await put(result, jpegBytes());
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
  });

  it('an expired POST policy is rejected with 403', async () => {
    const result = await rgwPresigner({ allowedTypes: ['image/*'], expiresIn: 1, method: 'POST' }).presign({
      fileName: 'a.jpg',
      contentType: 'image/jpeg',
    });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(result.expiresAt) - Date.now() + 1200));
    expect((await postForm(result, new Blob([jpegBytes()]))).status).toBe(403);
  });

  it('an injected client on the SDK defaults yields clean URLs that upload', async () => {
    const client = new S3Client({ ...rgw, forcePathStyle: true });
    const result = await createPresigner({ bucket: TEST_BUCKET, client, allowedTypes: ['image/*'] }).presign({
      fileName: 'a.jpg',
      contentType: 'image/jpeg',
      size: 86,
    });
    expect(result.uploadUrl).not.toMatch(/checksum/i);
    expect((await put(result, jpegBytes())).status).toBe(200);
  });

  it('a URL signed with the wrong secret is rejected with 403', async () => {
    const presigner = createPresigner({
      bucket: TEST_BUCKET,
      endpoint: rgw.endpoint,
      region: rgw.region,
      forcePathStyle: true,
      allowedTypes: ['image/*'],
      credentials: { ...rgw.credentials, secretAccessKey: 'not-the-secret' },
    });
    const result = await presigner.presign({ fileName: 'a.jpg', contentType: 'image/jpeg' });
    const response = await put(result, jpegBytes());
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });
});
