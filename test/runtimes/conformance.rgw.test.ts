import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/errors.js';
import type { MultipartUpload, PresignedPost, PresignedPut, SignedParts, VerifiedUpload } from '../../src/index.js';
import { STEP_MS, transferMs } from '../helpers/bounds.js';
import { jpegBytes, rgw, TEST_BUCKET } from '../helpers/s3.js';
import { consumerFolder, INSTALL_MS, removeConsumer, runtimeBinary, RUNTIMES, type RunningServer } from './runtimes.js';

// Every server runtime the README's support table names runs the same cases, with the built
// package imported as a user imports it (test/runtimes/app.mjs), and every URL it hands out is
// used against Ceph RGW. workerd runs without nodejs_compat: it signs with Web Crypto, and makes
// its S3 calls (verify, a POST upload's promotion, multipart) over fetch, reading the XML with
// @rgrove/parse-xml.

const ORIGIN = 'https://app.example.com';
const SECRET = 'runtime-conformance-receipt-secret-0123456789';
const MIB = 1024 * 1024;

let consumer: string;
// A build when src/ is newer than dist/ takes minutes on 2 busy cores.
beforeAll(() => {
  consumer = consumerFolder();
}, 600_000);
afterAll(() => removeConsumer(consumer));

describe.each(RUNTIMES)('$name', (runtime) => {
  let server: RunningServer;
  const prefix = `runtimes/${randomBytes(6).toString('hex')}/`;

  beforeAll(async () => {
    const binary = runtimeBinary(runtime);
    server = await runtime.start(binary, consumer, {
      BUCKET: TEST_BUCKET,
      S3_ENDPOINT: rgw.endpoint,
      ACCESS_KEY_ID: rgw.credentials.accessKeyId,
      SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
      PREFIX: prefix,
      RECEIPT_SECRET: SECRET,
      ORIGIN,
    });
  }, INSTALL_MS + STEP_MS);
  afterAll(() => server?.stop(), STEP_MS);

  const call = async <T>(path: string, body: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(STEP_MS),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  it('presigns a PUT whose URL uploads to RGW (200), and verifies it with the receipt', async () => {
    const file = jpegBytes();
    const presigned = await call<PresignedPut>('/put', {
      fileName: 'photo.jpg',
      contentType: 'image/jpeg',
      size: file.length,
    });
    expect(presigned.status).toBe(200);
    expect(presigned.body.key.startsWith(prefix)).toBe(true);

    const upload = await fetch(presigned.body.uploadUrl, {
      method: 'PUT',
      headers: presigned.body.headers,
      body: file,
      signal: AbortSignal.timeout(STEP_MS),
    });
    expect(upload.status).toBe(200);

    const verified = await call<VerifiedUpload>('/put', { action: 'verify', receipt: presigned.body.receipt });
    expect(verified).toMatchObject({
      status: 200,
      body: { key: presigned.body.key, size: file.length, contentType: 'image/jpeg' },
    });
  });

  it('presigns a POST form that uploads to RGW (204), and verifies it with the receipt', async () => {
    const file = jpegBytes();
    const presigned = await call<PresignedPost>('/post', {
      fileName: 'photo.jpg',
      contentType: 'image/jpeg',
      size: file.length,
    });
    expect(presigned.status).toBe(200);
    const form = new FormData();
    for (const [name, value] of Object.entries(presigned.body.fields)) form.append(name, value);
    form.append('file', new Blob([file], { type: 'image/jpeg' }));

    const upload = await fetch(presigned.body.uploadUrl, {
      method: 'POST',
      body: form,
      signal: AbortSignal.timeout(STEP_MS),
    });
    expect(upload.status).toBe(204);

    // Verifying a POST upload copies it from its staging key: an XML answer.
    const verified = await call<VerifiedUpload>('/post', { action: 'verify', receipt: presigned.body.receipt });
    expect(verified).toMatchObject({ status: 200, body: { key: presigned.body.key, size: file.length } });
  });

  it(
    'runs a multipart upload: create, sign the parts, upload them to RGW, complete',
    async () => {
      const file = new Uint8Array(5 * MIB + 100);
      file.set(jpegBytes());
      const created = await call<MultipartUpload>('/put', {
        action: 'createMultipart',
        fileName: 'large.jpg',
        contentType: 'image/jpeg',
        size: file.length,
      });
      expect(created).toMatchObject({ status: 200, body: { partCount: 2 } });
      const { token, partSize } = created.body;
      const signed = await call<SignedParts>('/put', { action: 'signParts', token, partNumbers: [1, 2] });
      expect(signed.status).toBe(200);

      const parts = [];
      for (const { partNumber, url } of signed.body.parts) {
        const body = file.subarray((partNumber - 1) * partSize, partNumber * partSize);
        const response = await fetch(url, {
          method: 'PUT',
          body,
          signal: AbortSignal.timeout(transferMs(body.length)),
        });
        expect(response.status).toBe(200);
        parts.push({ partNumber, etag: response.headers.get('etag')! });
      }
      const completed = await call('/put', { action: 'completeMultipart', token, parts });
      expect(completed).toMatchObject({ status: 200, body: { key: created.body.key, size: file.length } });
    },
    transferMs(6 * MIB) * 2,
  );

  it('aborts a multipart upload, after which listParts answers NOT_FOUND', async () => {
    const created = await call<MultipartUpload>('/put', {
      action: 'createMultipart',
      fileName: 'large.jpg',
      contentType: 'image/jpeg',
      size: 6 * MIB,
    });
    const { token } = created.body;

    const aborted = await call('/put', { action: 'abortMultipart', token });
    const listed = await call<{ error: { code: string } }>('/put', { action: 'listParts', token });

    expect([created.status, aborted.status]).toEqual([200, 200]);
    expect([listed.status, listed.body.error.code]).toEqual([ERROR_STATUS.NOT_FOUND, 'NOT_FOUND']);
  });

  it('refuses a type it does not allow, with the code and status of the error table', async () => {
    const refused = await call<{ error: { code: string; message: string } }>('/put', {
      fileName: 'page.html',
      contentType: 'text/html',
    });
    expect(refused.status).toBe(ERROR_STATUS.TYPE_NOT_ALLOWED);
    expect(refused.body.error.code).toBe('TYPE_NOT_ALLOWED');
  });

  it('answers a CORS preflight from an allowed origin', async () => {
    const response = await fetch(`${server.url}/put`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
      signal: AbortSignal.timeout(STEP_MS),
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
});
