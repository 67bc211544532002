import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { AwsS3Options } from '@uppy/aws-s3';
import type { Body, Meta } from '@uppy/core';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { presignForUppy } from '../../src/client/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import { launchBrowser, makeJpeg, screenshot, type TestBrowser } from '../helpers/browser.js';
import { bundleForBrowser, startPageServer, type PageServer } from '../helpers/page-server.js';
import { rgw, rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

// Compile-time proof that the helper's result is what @uppy/aws-s3 6 accepts as its options.
const _typed: AwsS3Options<Meta, Body> = presignForUppy({ endpoint: '/presign' });
void _typed;

// The page a Uppy user would write: Uppy core and the S3 plugin, configured by presignForUppy.
const ENTRY = `
import Uppy from '@uppy/core';
import AwsS3 from '@uppy/aws-s3';
import { presignForUppy } from './src/client/index.ts';

const status = document.getElementById('status');
window.uploadWithUppy = async (bytes, name, type) => {
  const uppy = new Uppy().use(AwsS3, presignForUppy({ endpoint: '/presign' }));
  const progress = [];
  uppy.on('upload-progress', (_file, p) => {
    progress.push(Math.round((p.bytesUploaded / p.bytesTotal) * 100));
    document.getElementById('bar').value = progress.at(-1);
  });
  uppy.addFile({ name, type, data: new Blob([new Uint8Array(bytes)], { type }) });
  const result = await uppy.upload();
  const done = result.successful.map((file) => ({ key: file.response.body.key, uploadURL: file.response.uploadURL }));
  const failed = result.failed.map((file) => String(file.error));
  status.textContent = done.length ? 'Uppy uploaded ' + done[0].key : 'Uppy failed: ' + failed.join('; ');
  return { done, failed, progress };
};

// Uppy 4–5 call getUploadParameters and send what it returns: do exactly that here.
window.uploadLikeUppy5 = async (bytes, name, type) => {
  const file = { id: 'f1', name, type, size: bytes.length, data: new Blob([new Uint8Array(bytes)], { type }) };
  const params = await presignForUppy({ endpoint: '/presign' }).getUploadParameters(file);
  let response;
  if (params.method === 'POST') {
    const form = new FormData();
    for (const [k, v] of Object.entries(params.fields)) form.append(k, v);
    form.append('file', file.data);
    response = await fetch(params.url, { method: 'POST', body: form });
  } else {
    response = await fetch(params.url, { method: 'PUT', headers: params.headers, body: file.data });
  }
  return { params, status: response.status };
};
window.ready = true;
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>Uppy + upload-presigner</title>
<style>body{font:16px sans-serif;margin:24px} progress{width:320px}</style>
<h1>Uppy with presignForUppy</h1><progress id="bar" max="100" value="0"></progress><p id="status">Idle</p>
<script type="module" src="/uppy-page.js"></script>`;

interface UppyOutcome {
  done: { key: string; uploadURL: string }[];
  failed: string[];
  progress: number[];
}

let server: PageServer;
let browser: TestBrowser;
let page: Page;
let jpeg: Buffer;

async function storedObject(key: string) {
  const object = await rgwClient().send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
  return { bytes: Buffer.from(await object.Body!.transformToByteArray()), contentType: object.ContentType };
}

beforeAll(async () => {
  server = await startPageServer(5173);
  server.serve('/', 'text/html; charset=utf-8', PAGE);
  server.serve('/uppy-page.js', 'text/javascript', await bundleForBrowser(ENTRY));
  browser = await launchBrowser();
  const scratch = await browser.newPage();
  jpeg = await makeJpeg(scratch, 'uppy');
  await scratch.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  page = await browser.newPage();
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'ready' in window, undefined, { timeout: STEP_MS });
});

afterEach(async () => {
  await page?.close();
});

describe('Uppy (@uppy/core + @uppy/aws-s3 6) through presignForUppy, against Ceph RGW', () => {
  it.each(['PUT', 'POST'] as const)(
    'uploads a JPEG with a %s the endpoint signed, under the key the server chose',
    async (method) => {
      // Prepare: size is signed too, so Uppy must send exactly the declared bytes.
      const presigner = rgwPresigner({ allowedTypes: ['image/jpeg'], maxSize: 1024 * 1024, method });
      server.route('POST', '/presign', toExpressHandler(presigner));
      // Act
      const outcome = await page.evaluate(
        ([bytes, name]) =>
          (
            window as unknown as { uploadWithUppy: (b: number[], n: string, t: string) => Promise<UppyOutcome> }
          ).uploadWithUppy(bytes, name, 'image/jpeg'),
        [[...jpeg], `uppy-${method.toLowerCase()}.jpg`] as [number[], string],
      );
      await screenshot(page, `uppy-${method.toLowerCase()}-done`);
      // Assess
      expect(outcome.failed).toEqual([]);
      expect(outcome.done).toHaveLength(1);
      const { key: reported, uploadURL } = outcome.done[0]!;
      // Uppy 6 reports the key a POST form names: the staging key, which verify promotes to the final one.
      const staging = method === 'POST' ? '.staging/' : '';
      expect(reported).toMatch(
        new RegExp(`^uploads/${staging.replace('.', '\\.')}[0-9a-f-]{36}-uppy-${method.toLowerCase()}\\.jpg$`),
      );
      expect(uploadURL).toBe(`${rgw.endpoint}/${TEST_BUCKET}/${reported}`);
      expect(outcome.progress.at(-1)).toBe(100);
      // From the server, which is trusted, verify may name the staging key an S3 event or Uppy reports.
      const key = method === 'POST' ? (await presigner.verify({ key: reported })).key : reported;
      expect(key).toBe(reported.replace(staging, ''));
      const stored = await storedObject(key);
      expect(stored.bytes.equals(jpeg)).toBe(true);
      expect(stored.contentType).toBe('image/jpeg');
      expect(browser.errors).toEqual([]);
    },
  );

  it('reports a type the endpoint refuses as a failed Uppy upload', async () => {
    // Prepare
    server.route('POST', '/presign', toExpressHandler(rgwPresigner({ allowedTypes: ['image/png'] })));
    // Act
    const outcome = await page.evaluate(
      ([bytes]) =>
        (
          window as unknown as { uploadWithUppy: (b: number[], n: string, t: string) => Promise<UppyOutcome> }
        ).uploadWithUppy(bytes, 'a.jpg', 'image/jpeg'),
      [[...jpeg]] as [number[]],
    );
    // Assess
    expect(outcome.done).toEqual([]);
    // Uppy keeps the message of the error that signRequest threw, so users see the server's reason.
    expect(outcome.failed).toEqual([
      'Presign failed (415 TYPE_NOT_ALLOWED): Uploads of type image/jpeg are not allowed.',
    ]);
  });

  it.each(['PUT', 'POST'] as const)(
    'getUploadParameters (Uppy 4–5) returns a %s that RGW accepts, with no content-length header',
    async (method) => {
      // Prepare
      server.route(
        'POST',
        '/presign',
        toExpressHandler(rgwPresigner({ allowedTypes: ['image/jpeg'], maxSize: 1024 * 1024, method })),
      );
      // Act
      const outcome = await page.evaluate(
        ([bytes]) =>
          (
            window as unknown as {
              uploadLikeUppy5: (
                b: number[],
                n: string,
                t: string,
              ) => Promise<{ params: Record<string, any>; status: number }>;
            }
          ).uploadLikeUppy5(bytes, 'legacy.jpg', 'image/jpeg'),
        [[...jpeg]] as [number[]],
      );
      // Assess
      expect(outcome.params.method).toBe(method);
      expect(outcome.status).toBe(method === 'PUT' ? 200 : 204);
      if (method === 'PUT') {
        expect(outcome.params.headers).toEqual({ 'content-type': 'image/jpeg', 'if-none-match': '*' });
        expect(outcome.params.fields).toEqual({});
        expect(outcome.params.url).toContain(
          'X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match',
        );
      } else {
        expect(outcome.params.fields).toMatchObject({
          'Content-Type': 'image/jpeg',
          key: expect.stringMatching(/^uploads\/.*-legacy\.jpg$/),
        });
        expect(outcome.params.headers).toEqual({});
      }
      const key =
        method === 'PUT'
          ? decodeURIComponent(new URL(outcome.params.url).pathname.split(`/${TEST_BUCKET}/`)[1]!)
          : outcome.params.fields.key;
      expect((await storedObject(key)).bytes.equals(jpeg)).toBe(true);
    },
  );
});
