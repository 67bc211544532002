import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createPresigner, type MultipartUpload, type Presigner, type SignedPart } from '../../src/index.js';
import { presignError } from '../helpers/presign.js';
import { rgw, rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

// What the storage itself enforces for a multipart upload, proven against Ceph RGW: each part URL
// admits only its signed length and its own signature, the parts make the object byte for byte,
// and an aborted upload leaves nothing behind.

const MIB = 1024 ** 2;
const SECRET = 'rgw-test-multipart-secret-0123456789abcdef';

function multipartPresigner(options: { client?: S3Client } = {}): Presigner {
  const rules = {
    allowedTypes: ['application/pdf', 'video/mp4'],
    maxSize: 1024 ** 3,
    multipartSecret: SECRET,
    partSize: 5 * MIB,
  };
  return options.client
    ? createPresigner({ bucket: TEST_BUCKET, client: options.client, ...rules })
    : rgwPresigner(rules);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A PDF-looking file: verification checks its first bytes. */
function pdfBytes(size: number): Buffer {
  const bytes = randomBytes(size);
  bytes.write('%PDF-1.7\n', 0, 'latin1');
  return bytes;
}

function putPart(part: SignedPart, body: Uint8Array, url = part.url) {
  return fetch(url, { method: 'PUT', body: body as Uint8Array<ArrayBuffer>, headers: part.headers });
}

/** Sends every part, `concurrency` at a time, as a browser would; returns what each PUT answered. */
async function sendParts(presigner: Presigner, upload: MultipartUpload, file: Uint8Array, concurrency = 4) {
  const numbers = Array.from({ length: upload.partCount }, (_, index) => index + 1);
  const { parts } = await presigner.signParts({ token: upload.token, partNumbers: numbers });
  const sent: { partNumber: number; etag?: string }[] = [];
  const queue = [...parts];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let part = queue.shift(); part; part = queue.shift()) {
        const start = (part.partNumber - 1) * upload.partSize;
        const response = await putPart(part, file.subarray(start, start + Number(part.headers['content-length'])));
        expect(response.status, await response.clone().text()).toBe(200);
        sent.push({ partNumber: part.partNumber, etag: response.headers.get('etag') ?? undefined });
      }
    }),
  );
  return sent.sort((a, b) => a.partNumber - b.partNumber);
}

async function openUploads(key: string) {
  const answer = await rgwClient().send(new ListMultipartUploadsCommand({ Bucket: TEST_BUCKET, Prefix: key }));
  return answer.Uploads ?? [];
}

// Each case on both ways the presigner calls S3: over fetch (credentials), and through an S3Client.
describe.each([
  { path: 'S3 over fetch', client: () => undefined },
  { path: 'S3 through an injected S3Client', client: rgwClient },
])('multipart uploads against Ceph RGW, $path', ({ client }) => {
  // RGW keeps the test data in RAM: what these tests store goes again.
  const storedKeys: string[] = [];
  afterAll(async () => {
    await rgwClient().send(
      new DeleteObjectsCommand({ Bucket: TEST_BUCKET, Delete: { Objects: storedKeys.map((Key) => ({ Key })) } }),
    );
  });
  it('assembles a 64 MiB file from parts sent in parallel, byte-identical, and it passes verification', async () => {
    const presigner = multipartPresigner({ client: client() });
    const file = pdfBytes(64 * MIB + 12_345);
    const upload = await presigner.createMultipart({
      fileName: 'report.pdf',
      contentType: 'application/pdf',
      size: file.length,
    });
    expect(upload.partCount).toBe(13);
    const sent = await sendParts(presigner, upload, file);

    const completed = await presigner.completeMultipart({ token: upload.token, parts: sent });
    storedKeys.push(upload.key);
    expect(completed).toMatchObject({ key: upload.key, size: file.length, contentType: 'application/pdf' });
    expect(completed.etag).toMatch(/-13"$/);

    const object = await rgwClient().send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: upload.key }));
    const stored = await object.Body!.transformToByteArray();
    expect(stored.length).toBe(file.length);
    expect(sha256(stored)).toBe(sha256(file));
    expect(object.ContentType).toBe('application/pdf');
    expect(await openUploads(upload.key)).toEqual([]);
    await expect(presigner.verify(upload.key)).resolves.toMatchObject({
      size: file.length,
      detectedType: 'application/pdf',
    });
  }, 120_000);

  it('refuses a part with a tampered signature, and a part of any other length than signed', async () => {
    const presigner = multipartPresigner({ client: client() });
    const file = pdfBytes(6 * MIB);
    const upload = await presigner.createMultipart({
      fileName: 'doc.pdf',
      contentType: 'application/pdf',
      size: file.length,
    });
    const { parts } = await presigner.signParts({ token: upload.token, partNumbers: [1, 2] });
    const [first, last] = parts as [SignedPart, SignedPart];
    const firstBytes = file.subarray(0, 5 * MIB);

    const url = new URL(first.url);
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    const tampered = await putPart(first, firstBytes, url.toString());
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('SignatureDoesNotMatch');

    // The last part's URL with the first part's bytes: more than it declared.
    const longer = await fetch(last.url, { method: 'PUT', body: firstBytes as Uint8Array<ArrayBuffer> });
    expect(longer.status).toBe(403);
    const shorter = await fetch(first.url, { method: 'PUT', body: firstBytes.subarray(1) as Uint8Array<ArrayBuffer> });
    expect(shorter.status).toBe(403);
    // Another part number in the same signed URL.
    const renumbered = new URL(first.url);
    renumbered.searchParams.set('partNumber', '3');
    expect((await putPart(first, firstBytes, renumbered.toString())).status).toBe(403);
    expect((await presigner.listParts({ token: upload.token })).parts).toEqual([]);

    // Nothing was stored, so completion says what is missing rather than making a short object.
    const incomplete = await presignError(presigner.completeMultipart({ token: upload.token }));
    expect(incomplete.code).toBe('INCOMPLETE_UPLOAD');
    expect(incomplete.message).toContain('parts 1, 2 of 2 are missing');

    // The exact bytes still go through: the refusals were the signature's, not the server's mood.
    expect((await putPart(first, firstBytes)).status).toBe(200);
    expect((await putPart(last, file.subarray(5 * MIB))).status).toBe(200);
    await expect(presigner.completeMultipart({ token: upload.token })).resolves.toMatchObject({ size: file.length });
    storedKeys.push(upload.key);
  }, 60_000);

  it('never signs a part beyond the declared size', async () => {
    const presigner = multipartPresigner({ client: client() });
    const upload = await presigner.createMultipart({
      fileName: 'clip.mp4',
      contentType: 'video/mp4',
      size: 5 * MIB + 1,
    });
    const error = await presignError(presigner.signParts({ token: upload.token, partNumbers: [3] }));
    expect(error.code).toBe('INVALID_REQUEST');
    await presigner.abortMultipart({ token: upload.token });
  });

  it('resumes: listParts tells which parts are stored, and the rest completes the file', async () => {
    const presigner = multipartPresigner({ client: client() });
    const file = pdfBytes(11 * MIB);
    const upload = await presigner.createMultipart({
      fileName: 'big.pdf',
      contentType: 'application/pdf',
      size: file.length,
    });
    const { parts } = await presigner.signParts({ token: upload.token, partNumbers: [2] });
    expect((await putPart(parts[0]!, file.subarray(5 * MIB, 10 * MIB))).status).toBe(200);

    const stored = await presigner.listParts({ token: upload.token });
    expect(stored.parts.map(({ partNumber, size }) => [partNumber, size])).toEqual([[2, 5 * MIB]]);
    const missing = [1, 2, 3].filter((n) => !stored.parts.some((part) => part.partNumber === n));
    for (const part of (await presigner.signParts({ token: upload.token, partNumbers: missing })).parts) {
      const start = (part.partNumber - 1) * upload.partSize;
      expect((await putPart(part, file.subarray(start, start + Number(part.headers['content-length'])))).status).toBe(
        200,
      );
    }
    const completed = await presigner.completeMultipart({ token: upload.token });
    storedKeys.push(upload.key);
    const object = await rgwClient().send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: completed.key }));
    expect(sha256(await object.Body!.transformToByteArray())).toBe(sha256(file));
    // A retried completion (its answer lost) answers with the same object.
    await expect(presigner.completeMultipart({ token: upload.token })).resolves.toMatchObject({
      key: upload.key,
      size: file.length,
    });
  }, 60_000);

  it('leaves a completed, verified object unchangeable by anything the presigner issued for it', async () => {
    const presigner = multipartPresigner({ client: client() });
    const file = pdfBytes(6 * MIB);
    const upload = await presigner.createMultipart({
      fileName: 'final.pdf',
      contentType: 'application/pdf',
      size: file.length,
    });
    const { parts } = await presigner.signParts({ token: upload.token, partNumbers: [1, 2] });
    for (const part of parts) {
      const start = (part.partNumber - 1) * upload.partSize;
      expect((await putPart(part, file.subarray(start, start + Number(part.headers['content-length'])))).status).toBe(
        200,
      );
    }
    await presigner.completeMultipart({ token: upload.token });
    storedKeys.push(upload.key);
    await presigner.verify({ receipt: upload.receipt });
    const other = pdfBytes(6 * MIB);

    // The part URLs still live, and the token still signs new ones: each leads to an upload that is gone.
    const again = await presigner.signParts({ token: upload.token, partNumbers: [1, 2] });
    for (const part of [...parts, ...again.parts]) {
      const start = (part.partNumber - 1) * upload.partSize;
      expect((await putPart(part, other.subarray(start, start + Number(part.headers['content-length'])))).status).toBe(
        404,
      );
    }
    await presigner.completeMultipart({ token: upload.token });
    // Whatever an abort after completion answers, it must not touch the object.
    await presigner.abortMultipart({ token: upload.token }).catch(() => undefined);
    await presigner.verify({ receipt: upload.receipt });

    const object = await rgwClient().send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: upload.key }));
    expect(sha256(await object.Body!.transformToByteArray())).toBe(sha256(file));
  }, 60_000);

  it('leaves no multipart upload and no object behind when aborted, even with parts stored', async () => {
    const presigner = multipartPresigner({ client: client() });
    const file = pdfBytes(7 * MIB);
    const upload = await presigner.createMultipart({
      fileName: 'cancelled.pdf',
      contentType: 'application/pdf',
      size: file.length,
    });
    const { parts } = await presigner.signParts({ token: upload.token, partNumbers: [1] });
    expect((await putPart(parts[0]!, file.subarray(0, 5 * MIB))).status).toBe(200);
    expect((await openUploads(upload.key)).map((open) => open.UploadId)).toEqual([upload.uploadId]);

    await expect(presigner.abortMultipart({ token: upload.token })).resolves.toEqual({
      key: upload.key,
      aborted: true,
    });
    expect(await openUploads(upload.key)).toEqual([]);
    const head = await rgwClient()
      .send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: upload.key }))
      .catch((error: { name: string }) => error.name);
    expect(head).toBe('NotFound');
    expect((await presignError(presigner.listParts({ token: upload.token }))).code).toBe('NOT_FOUND');
    // The stored part's URL no longer leads anywhere.
    expect((await putPart(parts[0]!, file.subarray(0, 5 * MIB))).status).toBe(404);
    await expect(presigner.abortMultipart({ token: upload.token })).resolves.toEqual({
      key: upload.key,
      aborted: true,
    });
  });

  it('answers an abort after completion truthfully: UPLOAD_COMPLETED (409), and the object stays', async () => {
    const presigner = multipartPresigner({ client: client() });
    const file = pdfBytes(1024);
    const upload = await presigner.createMultipart({
      fileName: 'done.pdf',
      contentType: 'application/pdf',
      size: file.length,
    });
    const { parts } = await presigner.signParts({ token: upload.token, partNumbers: [1] });
    expect((await putPart(parts[0]!, file)).status).toBe(200);
    await presigner.completeMultipart({ token: upload.token });
    storedKeys.push(upload.key);

    for (const attempt of [1, 2]) {
      const error = await presignError(presigner.abortMultipart({ token: upload.token }));
      expect([error.code, error.status], `abort ${attempt}`).toEqual(['UPLOAD_COMPLETED', 409]);
      expect(error.message).toContain(upload.key);
    }
    const object = await rgwClient().send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: upload.key }));
    expect(sha256(await object.Body!.transformToByteArray())).toBe(sha256(file));
  });

  it('signs parts through an injected SDK client on its default checksum settings, and the upload completes', async () => {
    const client = new S3Client({ ...rgw, forcePathStyle: true });
    const presigner = multipartPresigner({ client });
    const file = pdfBytes(5 * MIB + 3);
    const upload = await presigner.createMultipart({
      fileName: 'sdk.pdf',
      contentType: 'application/pdf',
      size: file.length,
    });
    const sent = await sendParts(presigner, upload, file, 2);
    await expect(presigner.completeMultipart({ token: upload.token, parts: sent })).resolves.toMatchObject({
      size: file.length,
    });
    storedKeys.push(upload.key);
  }, 60_000);
});
