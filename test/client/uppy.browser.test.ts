import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { AwsS3Options } from '@uppy/aws-s3';
import type { Body, Meta } from '@uppy/core';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { presignForUppy } from '../../src/client/index.js';
import { STEP_MS, transferMs } from '../helpers/bounds.js';
import { launchBrowser, makeJpeg, screenshot, toBase64, type TestBrowser } from '../helpers/browser.js';
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
// The file's bytes come as base64: a number array crosses page.evaluate one element at a time.
const fromBase64 = (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

window.uploadWithUppy = async (base64, name, type) => {
  const bytes = fromBase64(base64);
  const uppy = new Uppy().use(AwsS3, presignForUppy({ endpoint: '/presign' }));
  const progress = [];
  uppy.on('upload-progress', (_file, p) => {
    progress.push(Math.round((p.bytesUploaded / p.bytesTotal) * 100));
    document.getElementById('bar').value = progress.at(-1);
  });
  uppy.addFile({ name, type, data: new Blob([bytes], { type }) });
  const result = await uppy.upload();
  const done = result.successful.map((file) => ({ key: file.response.body.key, uploadURL: file.response.uploadURL }));
  const failed = result.failed.map((file) => String(file.error));
  status.textContent = done.length ? 'Uppy uploaded ' + done[0].key : 'Uppy failed: ' + failed.join('; ');
  return { done, failed, progress };
};

// Uppy 4–5 call getUploadParameters and send what it returns: do exactly that here.
window.uploadLikeUppy5 = async (base64, name, type) => {
  const bytes = fromBase64(base64);
  const file = { id: 'f1', name, type, size: bytes.length, data: new Blob([bytes], { type }) };
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
// Changes one byte (the first) of the chosen PUTs to the storage, keeping their length, as a
// faulty network or disk would; records the headers each PUT to the storage carried.
let storagePuts = 0;
window.corruptPuts = new Set();
window.putHeaders = [];
const { open, send, setRequestHeader } = XMLHttpRequest.prototype;
XMLHttpRequest.prototype.open = function (method, url, ...rest) {
  this.toStorage = method === 'PUT' && !String(url).startsWith('data:');
  if (this.toStorage) window.putHeaders.push((this.headerNames = []));
  return open.call(this, method, url, ...rest);
};
XMLHttpRequest.prototype.setRequestHeader = function (name, value) {
  if (this.toStorage) this.headerNames.push(name.toLowerCase());
  return setRequestHeader.call(this, name, value);
};
XMLHttpRequest.prototype.send = function (body) {
  if (!this.toStorage || !window.corruptPuts.has(++storagePuts)) return send.call(this, body);
  new Blob([body]).arrayBuffer().then((buffer) => {
    const bytes = new Uint8Array(buffer);
    bytes[0] ^= 1;
    send.call(this, bytes);
  });
};

// Uploads \`size\` random bytes made in the page (so megabytes never cross the DevTools protocol)
// with Uppy 6, corrupting the PUTs numbered in \`corrupt\`; answers the bytes' SHA-256.
window.uploadRandomWithUppy = async (size, options, corrupt) => {
  storagePuts = 0;
  window.corruptPuts = new Set(corrupt);
  window.putHeaders = [];
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + 65536, size)));
  const sha256 = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const uppy = new Uppy().use(AwsS3, presignForUppy({ endpoint: '/presign', ...options }));
  uppy.addFile({ name: 'random.jpg', type: 'image/jpeg', data: new Blob([bytes], { type: 'image/jpeg' }) });
  const result = await uppy.upload();
  const done = result.successful.map((file) => ({ key: file.response.body.key, uploadURL: file.response.uploadURL }));
  const failed = result.failed.map((file) => String(file.error));
  status.textContent = done.length ? 'Uppy uploaded ' + done[0].key : 'Uppy failed: ' + failed.join('; ');
  return { done, failed, sha256, putHeaders: window.putHeaders };
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
  server = await startPageServer();
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
        ([base64, name]) =>
          (
            window as unknown as { uploadWithUppy: (base64: string, n: string, t: string) => Promise<UppyOutcome> }
          ).uploadWithUppy(base64, name, 'image/jpeg'),
        [toBase64(jpeg), `uppy-${method.toLowerCase()}.jpg`] as [string, string],
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
      ([base64]) =>
        (
          window as unknown as { uploadWithUppy: (base64: string, n: string, t: string) => Promise<UppyOutcome> }
        ).uploadWithUppy(base64, 'a.jpg', 'image/jpeg'),
      [toBase64(jpeg)] as [string],
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
        ([base64]) =>
          (
            window as unknown as {
              uploadLikeUppy5: (
                base64: string,
                n: string,
                t: string,
              ) => Promise<{ params: Record<string, any>; status: number }>;
            }
          ).uploadLikeUppy5(base64, 'legacy.jpg', 'image/jpeg'),
        [toBase64(jpeg)] as [string],
      );
      // Assess
      expect(outcome.params.method).toBe(method);
      expect(outcome.status).toBe(method === 'PUT' ? 200 : 204);
      // The file's MD5, the default checksum, hashed in the page and signed.
      const md5 = createHash('md5').update(jpeg).digest('base64');
      if (method === 'PUT') {
        expect(outcome.params.headers).toEqual({
          'content-type': 'image/jpeg',
          'content-md5': md5,
          'if-none-match': '*',
        });
        expect(outcome.params.fields).toEqual({});
        expect(outcome.params.url).toContain(
          'X-Amz-SignedHeaders=content-length%3Bcontent-md5%3Bcontent-type%3Bhost%3Bif-none-match',
        );
      } else {
        expect(outcome.params.fields).toMatchObject({
          'Content-Type': 'image/jpeg',
          'Content-MD5': md5,
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

interface RandomUppyOutcome extends UppyOutcome {
  sha256: string;
  putHeaders: string[][];
}

const MIB = 1024 ** 2;
/** A full part of 5 MiB and a short last one: the fewest bytes a multipart upload of two parts takes. */
const MULTIPART_SIZE = 5 * MIB + 64 * 1024;
const uploadRandom = (size: number, options: Record<string, unknown>, corrupt: number[]) =>
  page.evaluate(
    ([size, options, corrupt]) =>
      (
        window as unknown as {
          uploadRandomWithUppy: (s: number, o: unknown, c: number[]) => Promise<RandomUppyOutcome>;
        }
      ).uploadRandomWithUppy(size, options, corrupt),
    [size, options, corrupt] as const,
  );

describe('Uppy through presignForUppy: the storage refuses bytes other than those hashed (Ceph RGW)', () => {
  const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const exists = (key: string) =>
    rgwClient()
      .send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }))
      .then(
        () => true,
        (error: { name?: string }) => (error.name === 'NotFound' ? false : Promise.reject(error)),
      );

  it.each([
    ['the right bytes: stored', [] as number[]],
    ['one byte changed on the way: refused', [1]],
  ])('one PUT with the Content-MD5 Uppy hashed, %s', async (_, corrupt) => {
    // Prepare: the presign the page asks for names the key, whether or not the PUT succeeds.
    const presigner = rgwPresigner({ allowedTypes: ['image/jpeg'], maxSize: MIB });
    const keys: string[] = [];
    const handler = toExpressHandler({
      ...presigner,
      presign: async (input, context) => {
        const result = await presigner.presign(input, context);
        keys.push(result.key);
        return result;
      },
    });
    server.route('POST', '/presign', handler);
    // Act
    const outcome = await uploadRandom(100_000, {}, corrupt);
    // Assess
    expect(keys).toHaveLength(1);
    if (corrupt.length === 0) {
      expect(outcome.failed).toEqual([]);
      expect(sha256Of((await storedObject(keys[0]!)).bytes)).toBe(outcome.sha256);
    } else {
      expect(outcome.done).toEqual([]);
      expect(outcome.failed).toEqual([expect.stringMatching(/^S3 returned 400 .*BadDigest$/)]);
      expect(await exists(keys[0]!)).toBe(false);
    }
    expect(outcome.putHeaders).toEqual([expect.arrayContaining(['content-md5'])]);
  });

  it.each([
    ['the right bytes: stored', [] as number[]],
    ['part 2 with one byte changed on the way: refused, nothing stored', [2]],
  ])(
    'a multipart upload whose parts carry the Content-MD5 Uppy hashed, %s',
    async (_, corrupt) => {
      // Prepare: 2 parts, of 5 MiB and 64 KiB, sent one after another by Uppy 6.
      const presigner = rgwPresigner({
        allowedTypes: ['image/jpeg'],
        maxSize: 64 * MIB,
        partSize: 5 * MIB,
        secret: 'uppy-browser-test-secret-0123456789abc',
      });
      const keys: string[] = [];
      const handler = toExpressHandler({
        ...presigner,
        createMultipart: async (input, context) => {
          const started = await presigner.createMultipart(input, context);
          keys.push(started.key);
          return started;
        },
      });
      server.route('POST', '/presign', handler);
      // Act
      const outcome = await uploadRandom(MULTIPART_SIZE, { multipartThreshold: 5 * MIB, partSize: 5 * MIB }, corrupt);
      // Assess
      if (corrupt.length === 0) {
        expect(outcome.failed).toEqual([]);
        expect(sha256Of((await storedObject(outcome.done[0]!.key)).bytes)).toBe(outcome.sha256);
      } else {
        expect(outcome.done).toEqual([]);
        expect(outcome.failed).toEqual([expect.stringMatching(/^S3 returned 400 .*BadDigest$/)]);
        expect(keys).toHaveLength(1);
        expect(await exists(keys[0]!)).toBe(false);
      }
      // Each part PUT carried its digest.
      expect(outcome.putHeaders.length).toBeGreaterThanOrEqual(2);
      for (const headers of outcome.putHeaders) expect(headers).toContain('content-md5');
    },
    STEP_MS + transferMs(3 * MULTIPART_SIZE),
  );
});
