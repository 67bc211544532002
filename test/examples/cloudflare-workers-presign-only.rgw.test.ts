import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_MS } from '../helpers/bounds.js';
import { packageAsBuilt } from '../helpers/readme-blocks.js';
import { jpegBytes, rgw, rgwClient, TEST_BUCKET } from '../helpers/s3.js';
import { INSTALL_MS, removeConsumer, runtimeBinary, RUNTIMES, type RunningServer } from '../runtimes/runtimes.js';
import { presignOnlyStarter } from './cloudflare-workers-presign-only.js';

// The starter with createPresignOnlyPresigner, as its README tells a Worker that only presigns to
// write it, bundled as wrangler bundles it and run in workerd without nodejs_compat (the runtime
// matrix's workerd, from npm), with Ceph RGW standing in for R2's S3 API.
const ORIGIN = 'https://app.example.com';
const workerd = RUNTIMES.find((runtime) => runtime.name.startsWith('workerd'))!;

let consumer: string;
let server: RunningServer | undefined;

// A build when src/ is newer than dist/ takes minutes on 2 busy cores.
beforeAll(async () => {
  consumer = packageAsBuilt();
  writeFileSync(join(consumer, 'presign-only.ts'), presignOnlyStarter());
  writeFileSync(join(consumer, 'worker.mjs'), "export { default } from './presign-only.ts';\n");
  server = await workerd.start(runtimeBinary(workerd), consumer, {
    R2_ENDPOINT: rgw.endpoint,
    R2_BUCKET: TEST_BUCKET,
    R2_REGION: rgw.region,
    R2_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
    R2_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
    ALLOWED_ORIGINS: ORIGIN,
  });
}, 600_000 + INSTALL_MS);
afterAll(async () => {
  await server?.stop();
  removeConsumer(consumer);
}, STEP_MS);

const call = async (body: object) => {
  const response = await fetch(server!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(STEP_MS),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('examples/cloudflare-workers with createPresignOnlyPresigner, in workerd against RGW', () => {
  // Three exchanges (presign, upload, HEAD): one step's bound each.
  it(
    'presigns a PUT whose URL uploads to RGW, with no receipt',
    async () => {
      const bytes = jpegBytes(1000);

      const presigned = await call({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: bytes.byteLength });
      const { uploadUrl, headers, key } = presigned.body as {
        uploadUrl: string;
        headers: Record<string, string>;
        key: string;
      };
      const upload = await fetch(uploadUrl, {
        method: 'PUT',
        headers,
        body: bytes,
        signal: AbortSignal.timeout(STEP_MS),
      });

      expect([presigned.status, upload.status]).toEqual([200, 200]);
      expect(presigned.body).not.toHaveProperty('receipt');
      const stored = await rgwClient().send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      expect([stored.ContentLength, stored.ContentType]).toEqual([bytes.byteLength, 'image/jpeg']);
    },
    3 * STEP_MS,
  );

  it(
    'answers verify and multipart as a Worker without PRESIGN_SECRET does, and still refuses a type',
    async () => {
      const verify = await call({ action: 'verify', receipt: 'x' });
      const multipart = await call({
        action: 'createMultipart',
        fileName: 'large.jpg',
        contentType: 'image/jpeg',
        size: 6 * 1024 * 1024,
      });
      const html = await call({ fileName: 'page.html', contentType: 'text/html', size: 100 });

      expect([verify.status, multipart.status, html.status]).toEqual([400, 400, 415]);
      expect([verify.body.error, multipart.body.error, html.body.error]).toEqual([
        expect.objectContaining({ code: 'RECEIPTS_DISABLED' }),
        expect.objectContaining({ code: 'MULTIPART_DISABLED' }),
        expect.objectContaining({ code: 'TYPE_NOT_ALLOWED' }),
      ]);
    },
    3 * STEP_MS,
  );
});
