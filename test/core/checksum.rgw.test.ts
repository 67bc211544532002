import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { MultipartUpload, PresignedPost, SignedPart } from '../../src/index.js';
import { presignError } from '../helpers/presign.js';
import { jpegBytes, rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

// The digest a client declares is signed into its upload, so that bytes corrupted on the way (one
// byte flipped, the length unchanged) are refused, proven against Ceph RGW 16: it verifies a signed
// Content-MD5 on a PUT and on each part (400 BadDigest); it ignores a POST form's Content-MD5,
// where verify compares the staged object's ETag before promoting it.

const SECRET = 'rgw-test-checksum-secret-0123456789abcdef';
const MIB = 1024 ** 2;
const storage = rgwClient();
const storedKeys: string[] = [];
afterAll(async () => {
  await storage.send(
    new DeleteObjectsCommand({ Bucket: TEST_BUCKET, Delete: { Objects: storedKeys.map((Key) => ({ Key })) } }),
  );
});

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');
/** The same bytes with one flipped past the JPEG header: same length, same type, other content. */
function corrupted(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const copy = bytes.slice();
  copy[30] = copy[30]! ^ 0x01;
  return copy;
}

async function storedBytes(key: string): Promise<Uint8Array | undefined> {
  const object = await storage.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key })).catch(() => undefined);
  return object && object.Body!.transformToByteArray();
}
const exists = (key: string) =>
  storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key })).then(
    () => true,
    () => false,
  );

describe('PUT with a declared Content-MD5, on RGW', () => {
  const presigner = rgwPresigner({ allowedTypes: ['image/jpeg'], maxSize: MIB });

  it('refuses a body corrupted by one byte (400 BadDigest) and stores the right one', async () => {
    const file = jpegBytes(4096);
    const result = await presigner.presign({
      fileName: 'photo.jpg',
      contentType: 'image/jpeg',
      size: file.length,
      checksum: md5(file),
    });
    storedKeys.push(result.key);
    expect(result.headers['content-md5']).toBe(md5(file));

    const refused = await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body: corrupted(file) });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<Code>BadDigest</Code>');
    expect(await exists(result.key)).toBe(false);

    const stored = await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body: file });
    expect(stored.status).toBe(200);
    expect(await storedBytes(result.key)).toEqual(file);
  });

  it('refuses the right body sent without the signed Content-MD5 (403)', async () => {
    const file = jpegBytes(100);
    const result = await presigner.presign({
      fileName: 'photo.jpg',
      contentType: 'image/jpeg',
      size: file.length,
      checksum: md5(file),
    });
    const { 'content-md5': _, ...unsigned } = result.headers;
    const response = await fetch(result.uploadUrl, { method: 'PUT', headers: unsigned, body: file });
    expect(response.status).toBe(403);
    expect(await exists(result.key)).toBe(false);
  });

  it('with `required`, gives no URL for a request without a digest', async () => {
    const strict = rgwPresigner({ allowedTypes: ['image/jpeg'], checksum: { algorithm: 'md5', required: true } });
    const error = await presignError(strict.presign({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: 10 }));
    expect(error.code).toBe('CHECKSUM_REQUIRED');
    expect(error.status).toBe(400);
  });
});

describe('POST with a declared Content-MD5, on RGW', () => {
  const presigner = rgwPresigner({ allowedTypes: ['image/jpeg'], maxSize: MIB, method: 'POST', secret: SECRET });

  function postForm(result: PresignedPost, body: Uint8Array<ArrayBuffer>) {
    const form = new FormData();
    for (const [name, value] of Object.entries(result.fields)) form.append(name, value);
    form.append('file', new Blob([body], { type: 'image/jpeg' }));
    return fetch(result.uploadUrl, { method: 'POST', body: form });
  }

  it('RGW stores a corrupted form, which verify refuses (CHECKSUM_MISMATCH) and removes before promotion', async () => {
    const file = jpegBytes(4096);
    const result = await presigner.presign({
      fileName: 'photo.jpg',
      contentType: 'image/jpeg',
      size: file.length,
      checksum: md5(file),
    });
    storedKeys.push(result.key, result.fields.key!);
    expect(result.fields['Content-MD5']).toBe(md5(file));

    // Ceph RGW 16 does not check a form's Content-MD5 against the file (AWS S3 documents no such field).
    expect((await postForm(result, corrupted(file))).status).toBe(204);
    const error = await presignError(presigner.verify({ receipt: result.receipt! }));
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toMatch(/ETag \(MD5\) is [0-9a-f]{32}, not the [0-9a-f]{32} declared/);
    expect(await exists(result.fields.key!)).toBe(false);
    expect(await exists(result.key)).toBe(false);
  });

  it('promotes the right bytes', async () => {
    const file = jpegBytes(4096);
    const result = await presigner.presign({
      fileName: 'photo.jpg',
      contentType: 'image/jpeg',
      size: file.length,
      checksum: md5(file),
    });
    storedKeys.push(result.key, result.fields.key!);
    expect((await postForm(result, file)).status).toBe(204);
    const verified = await presigner.verify({ receipt: result.receipt! });
    expect(verified.key).toBe(result.key);
    expect(await storedBytes(result.key)).toEqual(file);
  });
});

describe('multipart with a Content-MD5 per part, on RGW', () => {
  const presigner = rgwPresigner({ allowedTypes: ['application/pdf'], secret: SECRET, partSize: 5 * MIB });

  function putPart(part: SignedPart, body: Uint8Array<ArrayBuffer>) {
    return fetch(part.url, { method: 'PUT', headers: part.headers, body });
  }

  it('refuses each part corrupted by one byte (400 BadDigest); the right parts make the object', async () => {
    const file = randomBytes(11 * MIB + 333);
    file.write('%PDF-1.7\n', 0, 'latin1');
    const upload: MultipartUpload = await presigner.createMultipart({
      fileName: 'big.pdf',
      contentType: 'application/pdf',
      size: file.length,
    });
    storedKeys.push(upload.key);
    const bodies = [1, 2, 3].map(
      (partNumber) =>
        new Uint8Array(
          file.subarray((partNumber - 1) * upload.partSize, partNumber * upload.partSize),
        ) as Uint8Array<ArrayBuffer>,
    );
    const { parts } = await presigner.signParts({
      token: upload.token,
      partNumbers: [1, 2, 3],
      checksums: bodies.map(md5),
    });
    for (const [index, part] of parts.entries()) {
      expect(part.headers['content-md5']).toBe(md5(bodies[index]!));
      const refused = await putPart(part, corrupted(bodies[index]!));
      expect(refused.status, `part ${part.partNumber}`).toBe(400);
      expect(await refused.text()).toContain('<Code>BadDigest</Code>');
    }
    expect((await presigner.listParts({ token: upload.token })).parts).toEqual([]);

    for (const [index, part] of parts.entries()) expect((await putPart(part, bodies[index]!)).status).toBe(200);
    await presigner.completeMultipart({ token: upload.token });
    expect(Buffer.from((await storedBytes(upload.key))!).equals(file)).toBe(true);
  });

  it('with `required`, signs no part without its digest', async () => {
    const strict = rgwPresigner({
      allowedTypes: ['application/pdf'],
      secret: SECRET,
      checksum: { algorithm: 'md5', required: true },
    });
    const upload = await strict.createMultipart({ fileName: 'a.pdf', contentType: 'application/pdf', size: 100 });
    const error = await presignError(strict.signParts({ token: upload.token, partNumbers: [1] }));
    expect(error.code).toBe('CHECKSUM_REQUIRED');
    await strict.abortMultipart({ token: upload.token });
  });
});
