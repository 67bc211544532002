import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { jpegBytes, rgw, rgwClient, TEST_BUCKET } from '../helpers/s3.js';
import { rgwEnv, runScript, startServer, type RunningServer } from './example-project.js';

const MAX_SIZE = 100_000;

/**
 * The checks every server starter must pass, on a copy installed from the packed library: it
 * typechecks, serves its upload page, and what it presigns RGW accepts, within the limits that its
 * environment sets.
 */
export function describeServerExample(name: string, install: (name: string) => Promise<string>): void {
  describe(`examples/${name}`, () => {
    let dir: string;
    let server: RunningServer | undefined;

    beforeAll(async () => {
      dir = await install(name);
      server = await startServer(
        dir,
        rgwEnv({
          PRESIGN_ALLOWED_TYPES: 'image/*',
          PRESIGN_MAX_SIZE: String(MAX_SIZE),
          PRESIGN_SECRET: 'example-multipart-secret-0123456789abcdef',
        }),
      );
    }, 300_000);

    afterAll(() => server?.stop());

    it('typechecks against the packed library', async () => {
      await runScript(dir, 'typecheck');
    }, 180_000);

    it('serves the upload page', async ({ expect }) => {
      const response = await fetch(`${server!.origin}/`);

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await response.text();
      expect(page).toContain('<input type="file"');
      expect(page).toContain("fetch('/presign'");
    });

    it('presigns an upload that the storage accepts', async ({ expect }) => {
      // Prepare
      const bytes = jpegBytes(1000);

      // Act
      const presign = await fetch(`${server!.origin}/presign`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: bytes.byteLength }),
      });
      const result = (await presign.json()) as {
        method: string;
        uploadUrl: string;
        key: string;
        headers: Record<string, string>;
      };
      const upload = await fetch(result.uploadUrl, { method: result.method, headers: result.headers, body: bytes });

      // Assess
      expect(presign.status).toBe(200);
      expect(result.uploadUrl.startsWith(`${rgw.endpoint}/${TEST_BUCKET}/uploads/`)).toBe(true);
      expect(upload.status).toBe(200);
      const stored = await rgwClient().send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: result.key }));
      expect(stored.ContentLength).toBe(bytes.byteLength);
      expect(stored.ContentType).toBe('image/jpeg');
    });

    it('starts multipart uploads when PRESIGN_SECRET is set, and aborts them', async ({ expect }) => {
      const call = (body: object) =>
        fetch(`${server!.origin}/presign`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const created = await call({
        action: 'createMultipart',
        fileName: 'photo.jpg',
        contentType: 'image/jpeg',
        size: 1000,
      });
      const upload = (await created.json()) as { key: string; token: string; partCount: number };
      expect(created.status).toBe(200);
      expect(upload.partCount).toBe(1);
      const aborted = await call({ action: 'abortMultipart', token: upload.token });
      expect(await aborted.json()).toEqual({ key: upload.key, aborted: true });
    });

    it('refuses what its environment does not allow', async ({ expect }) => {
      const presign = (body: object) =>
        fetch(`${server!.origin}/presign`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });

      expect((await presign({ fileName: 'report.pdf', contentType: 'application/pdf', size: 100 })).status).toBe(415);
      expect((await presign({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: MAX_SIZE + 1 })).status).toBe(
        413,
      );
    });
  });
}
