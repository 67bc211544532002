import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import type { PresignedPost, PresignedPut } from '../../src/index.js';
import { jpegBytes, rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

// What a presigned upload signs besides type and size, proven against Ceph RGW: the storage keeps
// the signed Content-Disposition and refuses any other, and a PUT never replaces an object.

const storage = rgwClient();
const bytesOf = (text: string) => new TextEncoder().encode(text);

async function storedBytes(key: string) {
  const object = await storage.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
  return new TextDecoder().decode(await object.Body!.transformToByteArray());
}

function put(result: PresignedPut, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = result.headers) {
  return fetch(result.uploadUrl, { method: 'PUT', headers, body });
}

function postForm(result: PresignedPost, body: string, overrides: Record<string, string | undefined> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...result.fields, ...overrides }))
    if (value !== undefined) form.append(name, value);
  form.append('file', new Blob([body], { type: result.fields['Content-Type'] }));
  return fetch(result.uploadUrl, { method: 'POST', body: form });
}

describe('Content-Disposition signed into an upload, on RGW', () => {
  const presigner = rgwPresigner({ allowedTypes: ['application/pdf', 'image/svg+xml'] });
  const disposition = `attachment; filename=resume.pdf; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`;

  it('PUT: the object keeps it, for HeadObject and for a GET', async () => {
    const result = await presigner.presign({
      fileName: 'résumé.pdf',
      contentType: 'application/pdf',
    });
    expect(result.headers['content-disposition']).toBe(disposition);

    expect((await put(result, bytesOf('%PDF-1.7 stored'))).status).toBe(200);

    const head = await storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: result.key }));
    expect(head.ContentDisposition).toBe(disposition);
    const getUrl = await getSignedUrl(storage, new GetObjectCommand({ Bucket: TEST_BUCKET, Key: result.key }), {
      expiresIn: 60,
    });
    const got = await fetch(getUrl);
    expect(got.headers.get('content-disposition')).toBe(disposition);
    expect(await got.text()).toBe('%PDF-1.7 stored');
  });

  it.each([
    ['another value', { 'content-disposition': 'inline' }],
    ['none', { 'content-disposition': undefined }],
  ])('PUT with %s is refused (403) and stores nothing', async (_, override) => {
    const result = await presigner.presign({ fileName: 'page.svg', contentType: 'image/svg+xml' });
    const headers = Object.fromEntries(
      Object.entries({ ...result.headers, ...override }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );

    const response = await put(result, bytesOf('<svg xmlns="http://www.w3.org/2000/svg"/>'), headers);

    expect(response.status).toBe(403);
    await expect(storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: result.key }))).rejects.toMatchObject({
      name: 'NotFound',
    });
  });

  it('multipart: the object the parts make keeps the disposition the server gave CreateMultipartUpload', async () => {
    const multipart = rgwPresigner({
      allowedTypes: ['application/pdf'],
      multipartSecret: 'a-test-secret-of-at-least-32-characters',
    });
    const body = bytesOf('%PDF-1.7 in one part');
    const upload = await multipart.createMultipart({
      fileName: 'résumé.pdf',
      contentType: 'application/pdf',
      size: body.length,
    });
    const { parts } = await multipart.signParts({ token: upload.token, partNumbers: [1] });

    const sent = await fetch(parts[0]!.url, { method: 'PUT', headers: parts[0]!.headers, body });
    await multipart.completeMultipart({ token: upload.token });

    expect(sent.status).toBe(200);
    const head = await storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: upload.key }));
    expect(head.ContentDisposition).toBe(disposition);
  });

  const postPresigner = rgwPresigner({ allowedTypes: ['application/pdf'], method: 'POST' });

  // RGW 16 holds a form to its policy's Content-Disposition but does not keep the field on the
  // object (AWS S3 does): here only the refusal can be proven.
  it('POST: a form with another value or none is refused (403); the faithful form is stored', async () => {
    const result = await postPresigner.presign({
      fileName: 'report.pdf',
      contentType: 'application/pdf',
    });
    expect(result.fields['Content-Disposition']).toBe('attachment; filename=report.pdf');

    const other = await postForm(result, '%PDF-1.7 other', { 'Content-Disposition': 'inline' });
    const none = await postForm(result, '%PDF-1.7 none', { 'Content-Disposition': undefined });
    const faithful = await postForm(result, '%PDF-1.7 faithful');

    expect([other.status, none.status, faithful.status]).toEqual([403, 403, 204]);
    expect(await storedBytes(result.fields.key!)).toBe('%PDF-1.7 faithful');
  });
});

describe('If-None-Match: * signed into every PUT, on RGW', () => {
  it('a second PUT of other bytes through the same, still valid URL is refused (412) and the first bytes stay', async () => {
    const first = jpegBytes(64);
    const second = jpegBytes(64);
    const result = await rgwPresigner({ allowedTypes: ['image/*'] }).presign({
      fileName: 'a.jpg',
      contentType: 'image/jpeg',
      size: first.length,
    });

    const responses = [await put(result, first), await put(result, second)];

    expect(responses.map((response) => response.status)).toEqual([200, 412]);
    expect(await responses[1]!.text()).toContain('<Code>PreconditionFailed</Code>');
    const object = await storage.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: result.key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(Buffer.from(first))).toBe(true);
  });

  it('a PUT that leaves out If-None-Match is refused (403): the client cannot drop it', async () => {
    const result = await rgwPresigner({ allowedTypes: ['image/*'] }).presign({
      fileName: 'a.jpg',
      contentType: 'image/jpeg',
    });
    const { 'if-none-match': _, ...withoutCondition } = result.headers;

    expect((await put(result, jpegBytes(), withoutCondition)).status).toBe(403);
  });

  it('with overwrite: true, the same URL may replace the object', async () => {
    const result = await rgwPresigner({ allowedTypes: ['image/*'], overwrite: true }).presign({
      fileName: 'a.jpg',
      contentType: 'image/jpeg',
    });
    const second = jpegBytes(64);

    const statuses = [(await put(result, jpegBytes(64))).status, (await put(result, second)).status];

    expect(statuses).toEqual([200, 200]);
    const object = await storage.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: result.key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(Buffer.from(second))).toBe(true);
  });
});
