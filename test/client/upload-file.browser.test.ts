import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { formatSize } from '../../src/format-size.js';
import { createPresigner, type PresignerOptions } from '../../src/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import {
  closePage,
  launchBrowser,
  makeJpeg,
  screenshot,
  toBase64,
  track,
  type TestBrowser,
} from '../helpers/browser.js';
import { bundleForBrowser, readRequest, startPageServer, type PageServer } from '../helpers/page-server.js';
import { ensureBucket, rgw, rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

/** A bucket whose CORS admits another origin only: the browser must refuse to read its answers. */
const NO_CORS_BUCKET = 'upload-presigner-no-cors';

/** What the page keeps of an UploadError, since Error objects do not cross `page.evaluate`. */
interface SeenError {
  name: string;
  message: string;
  stage?: string;
  status?: number;
  code?: string;
  detail?: string;
  hint?: string;
  diagnosis?: string;
}

// The page a developer would write: a file input, a progress bar, a status line. Tests either pick
// a file (as a person would) or call the client through `window.client` for finer cases.
const PAGE = `<!doctype html>
<meta charset="utf-8"><title>upload-presigner client test</title>
<style>body{font:16px sans-serif;margin:24px} progress{width:320px;height:20px} #status{display:block;margin-top:12px;white-space:pre-wrap;max-width:760px}</style>
<h1>Client test page</h1>
<input id="file" type="file"> <progress id="bar" max="100" value="0"></progress> <span id="percent">0%</span>
<output id="status" data-state="idle">Pick a file.</output>
<script type="module">
  import * as client from '/client.js';
  window.client = client;
  window.progress = [];
  window.describeError = (error) => ({ name: error.name, message: error.message, stage: error.stage, status: error.status, code: error.code, detail: error.detail, hint: error.hint, diagnosis: error.diagnosis?.cause });
  const status = document.getElementById('status');
  document.getElementById('file').addEventListener('change', async (event) => {
    status.dataset.state = 'uploading';
    status.textContent = 'Uploading…';
    try {
      const result = await client.uploadFile(event.target.files[0], {
        endpoint: '/presign',
        retryDelay: 50,
        onProgress: (p) => {
          window.progress.push(p.percent);
          document.getElementById('bar').value = p.percent;
          document.getElementById('percent').textContent = p.percent + '%';
        },
      });
      window.result = result;
      status.textContent = 'Uploaded: ' + result.key;
      status.dataset.state = 'done';
    } catch (error) {
      window.lastError = window.describeError(error);
      status.textContent = error.message;
      status.dataset.state = 'error';
    }
  });
</script>`;

let server: PageServer;
let browser: TestBrowser;
let page: Page;
let jpeg: Buffer;

function usePresigner(options: Partial<PresignerOptions> = {}) {
  const presigner = rgwPresigner({ allowedTypes: ['image/jpeg', 'image/png'], maxSize: 1024 * 1024, ...options });
  server.route('POST', '/presign', toExpressHandler(presigner));
}

async function pickFile(name: string, mimeType: string, buffer: Buffer): Promise<string> {
  await page.locator('#file').setInputFiles({ name, mimeType, buffer });
  await page.waitForSelector('#status:not([data-state="uploading"]):not([data-state="idle"])', { timeout: STEP_MS });
  return (await page.locator('#status').getAttribute('data-state'))!;
}

async function storedObject(key: string, bucket = TEST_BUCKET) {
  const object = await rgwClient().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { bytes: Buffer.from(await object.Body!.transformToByteArray()), contentType: object.ContentType };
}

/** Runs `uploadFile` in the page with the given bytes and options; returns the result or the error's fields. */
function uploadInPage({
  bytes,
  ...args
}: {
  bytes: ArrayLike<number>;
  type: string;
  name: string;
  options: Record<string, unknown>;
}) {
  const upload = page.evaluate(
    async ({ base64, type, name, options }) => {
      const w = window as unknown as Record<string, any>;
      const file = new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type });
      w.controller = new AbortController();
      try {
        return {
          ok: true as const,
          result: await w.client.uploadFile(file, { signal: w.controller.signal, retryDelay: 50, ...options }),
        };
      } catch (error) {
        return { ok: false as const, error: w.describeError(error) as SeenError };
      }
    },
    { ...args, base64: toBase64(Uint8Array.from(bytes)) },
  );
  return track(page, upload);
}

beforeAll(async () => {
  // Prepare: the page server on an origin the test bucket admits, the client bundled from src/.
  server = await startPageServer();
  server.serve('/', 'text/html; charset=utf-8', PAGE);
  server.serve('/client.js', 'text/javascript', await bundleForBrowser("export * from './src/client/index.ts';"));
  browser = await launchBrowser();
  await ensureBucket(NO_CORS_BUCKET, [
    { AllowedOrigins: ['https://elsewhere.example'], AllowedMethods: ['PUT', 'POST'], AllowedHeaders: ['*'] },
  ]);
  const scratch = await browser.newPage();
  jpeg = await makeJpeg(scratch, 'client test');
  await scratch.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  server.reset();
  page = await browser.newPage();
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'client' in window, undefined, { timeout: STEP_MS });
});

afterEach(async () => {
  // A test that failed during an upload leaves it pending: abort it before the page goes.
  await closePage(page, () => (window as unknown as { controller?: AbortController }).controller?.abort());
});

describe('uploadFile in Chromium against Ceph RGW', () => {
  it('uploads a picked JPEG with a signed size: progress reaches 100% and RGW holds the same bytes and type', async () => {
    // Prepare
    usePresigner();
    // Act
    const state = await pickFile('photo.jpg', 'image/jpeg', jpeg);
    await screenshot(page, 'client-put-done');
    // Assess
    expect(state).toBe('done');
    const progress = await page.evaluate(() => (window as unknown as { progress: number[] }).progress);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const result = await page.evaluate(
      () => (window as unknown as { result: { key: string; etag?: string; method: string } }).result,
    );
    expect(result.method).toBe('PUT');
    expect(result.key).toMatch(/^uploads\/[0-9a-f-]{36}-photo\.jpg$/);
    expect(result.etag).toMatch(/^"[0-9a-f]{32}"$/);
    const stored = await storedObject(result.key);
    expect(stored.bytes.equals(jpeg)).toBe(true);
    expect(stored.contentType).toBe('image/jpeg');
    expect(browser.errors).toEqual([]);
  });

  it('uploads through a presigned POST policy with the returned form fields; its receipt verifies it into place', async () => {
    // Prepare
    usePresigner({ method: 'POST', secret: 'browser-test-receipt-secret-0123456789' });
    // Act
    const outcome = await uploadInPage({
      bytes: jpeg,
      type: 'image/jpeg',
      name: 'form.jpg',
      options: { endpoint: '/presign' },
    });
    const result = (outcome as { result: { key: string; method: string; location: string; receipt: string } }).result;
    // A POST lands on a staging key; verify promotes it to `key`.
    const verify = await fetch(`${server.origin}/presign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'verify', receipt: result.receipt }),
    });
    // Assess
    expect(outcome.ok).toBe(true);
    expect(result.method).toBe('POST');
    expect(verify.status, await verify.clone().text()).toBe(200);
    expect(result.location).toBe(`${rgw.endpoint}/${TEST_BUCKET}/${result.key}`);
    const stored = await storedObject(result.key);
    expect(stored.bytes.equals(jpeg)).toBe(true);
    expect(stored.contentType).toBe('image/jpeg');
  });

  it('reports a refused type at the presign stage with the server code and message, without retrying', async () => {
    // Prepare
    usePresigner();
    // Act
    const state = await pickFile('notes.txt', 'text/plain', Buffer.from('not an image'));
    await screenshot(page, 'client-type-refused');
    // Assess
    expect(state).toBe('error');
    const error = await page.evaluate(() => (window as unknown as { lastError: SeenError }).lastError);
    expect(error).toMatchObject({ name: 'UploadError', stage: 'presign', status: 415, code: 'TYPE_NOT_ALLOWED' });
    expect(error.detail).toBe('Uploads of type text/plain are not allowed.');
    expect(await page.locator('#status').textContent()).toBe(
      'Presign failed (415 TYPE_NOT_ALLOWED): Uploads of type text/plain are not allowed.',
    );
    expect(server.hits('POST', '/presign')).toBe(1);
  });

  it('reports an oversize file at the presign stage (413 TOO_LARGE)', async () => {
    // Prepare
    usePresigner({ maxSize: 100 });
    // Act
    const state = await pickFile('big.jpg', 'image/jpeg', jpeg);
    // Assess
    expect(state).toBe('error');
    const error = await page.evaluate(() => (window as unknown as { lastError: SeenError }).lastError);
    expect(error).toMatchObject({ stage: 'presign', status: 413, code: 'TOO_LARGE' });
    expect(error.detail).toBe(
      `The file is ${formatSize(jpeg.length)}, ${formatSize(jpeg.length - 100)} over the limit of 100 bytes.`,
    );
  });

  it('retries a 503 from the presign endpoint, then uploads', async () => {
    // Prepare: the first presign request fails as an overloaded server would.
    const handler = toExpressHandler(rgwPresigner({ allowedTypes: ['image/*'] }));
    let calls = 0;
    server.route('POST', '/flaky-presign', (req, res) => {
      calls += 1;
      if (calls === 1)
        return void res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":{"code":"UNAVAILABLE","message":"try later"}}');
      handler(req, res);
    });
    // Act
    const outcome = await uploadInPage({
      bytes: jpeg,
      type: 'image/jpeg',
      name: 'retry.jpg',
      options: { endpoint: '/flaky-presign' },
    });
    // Assess
    expect(outcome.ok).toBe(true);
    expect(calls).toBe(2);
    const stored = await storedObject((outcome as { result: { key: string } }).result.key);
    expect(stored.bytes.equals(jpeg)).toBe(true);
  });

  it('stops after `retries` transient failures and reports the last one', async () => {
    // Prepare
    server.route('POST', '/down', (_req, res) => void res.writeHead(502).end('Bad Gateway'));
    // Act
    const outcome = await uploadInPage({
      bytes: [1, 2, 3],
      type: 'image/jpeg',
      name: 'a.jpg',
      options: { endpoint: '/down', retries: 2 },
    });
    // Assess
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: SeenError }).error).toMatchObject({
      stage: 'presign',
      status: 502,
      message: 'Presign failed (502): Bad Gateway',
    });
    expect(server.hits('POST', '/down')).toBe(3);
  });

  it('tries an unreachable presign endpoint again, then says it could not be reached', async () => {
    // Act: nothing listens on port 9 (discard), so each attempt fails without a response.
    const outcome = await uploadInPage({
      bytes: [1],
      type: 'image/jpeg',
      name: 'a.jpg',
      options: { endpoint: 'http://127.0.0.1:9/presign', retries: 1 },
    });
    // Assess
    expect((outcome as { error: SeenError }).error).toMatchObject({ name: 'UploadError', stage: 'presign', status: 0 });
    expect((outcome as { error: SeenError }).error.hint).toMatch(/could not be reached or did not allow this page/);
  });

  describe('upload stage, against a scripted storage on the page origin', () => {
    /** A presign endpoint pointing at `/storage`, whose URLs expire `expiresInMs` from now. */
    function scriptedPresign(path: string, expiresInMs: number, headers: Record<string, string>) {
      server.route('POST', path, (_req, res) => {
        const body = {
          method: 'PUT',
          uploadUrl: `${server.origin}/storage?signature=${server.hits('POST', path)}`,
          key: 'uploads/scripted.jpg',
          headers,
          expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
          expiresIn: Math.round(expiresInMs / 1000),
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    }

    it('retries a 503 from the storage, re-presigning when the URL is about to expire, and never sends forbidden headers', async () => {
      // Prepare: the first PUT fails; URLs live 1 s, less than the client's safety margin.
      scriptedPresign('/short-presign', 1000, { 'content-type': 'image/jpeg', 'content-length': '3' });
      const seen: { url: string; contentType?: string; contentLength?: string; body: string }[] = [];
      server.route('PUT', '/storage', async (req, res) => {
        const body = (await readRequest(req)).toString('hex');
        seen.push({
          url: req.url!,
          contentType: req.headers['content-type'],
          contentLength: req.headers['content-length'],
          body,
        });
        if (seen.length === 1)
          return void res
            .writeHead(503, { 'content-type': 'application/xml' })
            .end('<Error><Code>SlowDown</Code></Error>');
        res.writeHead(200, { etag: '"abc"' }).end();
      });
      // Act
      const outcome = await uploadInPage({
        bytes: [1, 2, 3],
        type: 'image/jpeg',
        name: 'a.jpg',
        options: { endpoint: '/short-presign' },
      });
      // Assess
      expect(outcome).toMatchObject({ ok: true, result: { key: 'uploads/scripted.jpg', etag: '"abc"' } });
      expect(server.hits('POST', '/short-presign')).toBe(2);
      expect(seen.map((request) => request.url)).toEqual(['/storage?signature=1', '/storage?signature=2']);
      expect(seen[1]).toEqual({
        url: '/storage?signature=2',
        contentType: 'image/jpeg',
        contentLength: '3',
        body: '010203',
      });
    });

    it('reuses a URL that is still valid when it retries the upload', async () => {
      // Prepare
      scriptedPresign('/long-presign', 300_000, { 'content-type': 'image/jpeg' });
      let puts = 0;
      server.route('PUT', '/storage', (_req, res) => void res.writeHead(++puts === 1 ? 500 : 200).end());
      // Act
      const outcome = await uploadInPage({
        bytes: [1],
        type: 'image/jpeg',
        name: 'a.jpg',
        options: { endpoint: '/long-presign' },
      });
      // Assess
      expect(outcome.ok).toBe(true);
      expect(server.hits('POST', '/long-presign')).toBe(1);
      expect(puts).toBe(2);
    });

    it("never retries a 4xx from the storage and reads the storage's error code", async () => {
      // Prepare
      scriptedPresign('/presign-403', 300_000, { 'content-type': 'image/jpeg' });
      server.route('PUT', '/storage', (_req, res) => {
        res
          .writeHead(403, { 'content-type': 'application/xml' })
          .end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      });
      // Act
      const outcome = await uploadInPage({
        bytes: [1],
        type: 'image/jpeg',
        name: 'a.jpg',
        options: { endpoint: '/presign-403' },
      });
      // Assess
      expect((outcome as { error: SeenError }).error).toMatchObject({
        name: 'UploadError',
        stage: 'upload',
        status: 403,
        code: 'AccessDenied',
        detail: 'Request has expired',
        message: 'Upload failed (403 AccessDenied): Request has expired',
      });
      expect(server.hits('PUT', '/storage')).toBe(1);
    });

    it("attaches the doctor's diagnosis to a storage error it can read", async () => {
      // Prepare: a URL signed two minutes ago for one second, refused as expired.
      const signedAt = new Date(Date.now() - 120_000).toISOString().replace(/[-:]|\.\d{3}/g, '');
      server.route('POST', '/presign-expired', (_req, res) => {
        const body = {
          method: 'PUT',
          uploadUrl: `${server.origin}/storage?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${signedAt}&X-Amz-Expires=1&X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-Signature=00`,
          key: 'uploads/expired.jpg',
          headers: { 'content-type': 'image/jpeg' },
          expiresAt: new Date(Date.now() + 300_000).toISOString(),
          expiresIn: 300,
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
      server.route('PUT', '/storage', (_req, res) => {
        res
          .writeHead(403, { 'content-type': 'application/xml' })
          .end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      });
      // Act
      const outcome = await uploadInPage({
        bytes: [1],
        type: 'image/jpeg',
        name: 'a.jpg',
        options: { endpoint: '/presign-expired' },
      });
      // Assess
      expect((outcome as { error: SeenError }).error).toMatchObject({
        status: 403,
        code: 'AccessDenied',
        diagnosis: 'URL_EXPIRED',
      });
    });

    it('aborts an upload in flight: rejects with the AbortError and does not retry', async () => {
      // Prepare: the storage never answers.
      scriptedPresign('/presign-hang', 300_000, { 'content-type': 'image/jpeg' });
      server.route('PUT', '/storage', () => {});
      // Act
      const pending = uploadInPage({
        bytes: [1, 2],
        type: 'image/jpeg',
        name: 'a.jpg',
        options: { endpoint: '/presign-hang' },
      });
      await expect.poll(() => server.hits('PUT', '/storage'), { timeout: STEP_MS }).toBe(1);
      await page.evaluate(() => (window as unknown as { controller: AbortController }).controller.abort());
      const outcome = await pending;
      // Assess
      expect((outcome as { error: SeenError }).error.name).toBe('AbortError');
      expect(server.hits('PUT', '/storage')).toBe(1);
      expect(server.hits('POST', '/presign-hang')).toBe(1);
    });
  });

  it("explains a bucket whose CORS does not allow the page's origin instead of a bare network error", async () => {
    // Prepare
    usePresigner({ bucket: NO_CORS_BUCKET });
    const started = Date.now();
    // Act
    const state = await pickFile('photo.jpg', 'image/jpeg', jpeg);
    const took = Date.now() - started;
    await screenshot(page, 'client-cors-denied');
    // Assess
    expect(state).toBe('error');
    const error = await page.evaluate(() => (window as unknown as { lastError: SeenError }).lastError);
    expect(error).toMatchObject({ name: 'UploadError', stage: 'upload', status: 0 });
    expect(error.hint).toMatch(/refused to send the file.*the bucket's CORS rules do not allow this origin/);
    expect(error.message).toContain(error.hint);
    // Within the bound of one exchange, on a busy machine too: no waiting out a network timeout.
    expect(took).toBeLessThan(STEP_MS);
    expect(server.hits('POST', '/presign')).toBe(1);
  });

  it('names a signature mismatch among the causes when RGW answers 403 without CORS headers', async () => {
    // Prepare: URLs signed with a wrong secret; RGW's error response carries no CORS headers.
    const presigner = createPresigner({
      bucket: TEST_BUCKET,
      ...rgw,
      credentials: { ...rgw.credentials, secretAccessKey: 'not-the-secret' },
      forcePathStyle: true,
      allowedTypes: ['image/jpeg'],
    });
    server.route('POST', '/presign', toExpressHandler(presigner));
    // Act
    const state = await pickFile('photo.jpg', 'image/jpeg', jpeg);
    // Assess
    expect(state).toBe('error');
    const error = await page.evaluate(() => (window as unknown as { lastError: SeenError }).lastError);
    expect(error).toMatchObject({ stage: 'upload', status: 0 });
    expect(error.hint).toMatch(/The file was sent.*error response that carries no CORS headers.*signature mismatch/);
  });
});

describe('uploadFile sends what the storage signs besides type and size', () => {
  /** Routes RGW's PUTs to `handle` (preflights pass through); returns how many PUTs were seen. */
  async function routePuts(handle: (route: Route, attempt: number) => Promise<void>) {
    let puts = 0;
    await page.route(
      (url) => url.href.startsWith(`${rgw.endpoint}/${TEST_BUCKET}/`),
      (route) => (route.request().method() === 'PUT' ? handle(route, ++puts) : route.continue()),
    );
    return () => puts;
  }

  it('sends the signed Content-Disposition and If-None-Match: a PDF is stored as an attachment', async () => {
    // Prepare
    usePresigner({ allowedTypes: ['application/pdf'] });
    // Act
    const outcome = await uploadInPage({
      bytes: Buffer.from('%PDF-1.7 client'),
      type: 'application/pdf',
      name: 'report.pdf',
      options: { endpoint: '/presign' },
    });
    // Assess
    expect(outcome.ok).toBe(true);
    const { key } = (outcome as { result: { key: string } }).result;
    const head = await rgwClient().send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    expect(head.ContentDisposition).toBe('attachment; filename=report.pdf');
  });

  it('a retry of the same URL after a lost answer meets 412: a clear UploadError, and RGW keeps what the first attempt stored', async () => {
    // Prepare: the first PUT reaches RGW and is stored, but the page sees a 503 instead of its 200.
    usePresigner();
    const puts = await routePuts(async (route, attempt) => {
      if (attempt > 1) return route.continue();
      const stored = await route.fetch();
      expect(stored.status()).toBe(200);
      await route.fulfill({
        status: 503,
        headers: { 'access-control-allow-origin': server.origin, 'content-type': 'application/xml' },
        body: '<Error><Code>ServiceUnavailable</Code></Error>',
      });
    });
    // Act
    const outcome = await uploadInPage({
      bytes: jpeg,
      type: 'image/jpeg',
      name: 'lost.jpg',
      options: { endpoint: '/presign' },
    });
    // Assess
    expect(puts()).toBe(2);
    expect(server.hits('POST', '/presign')).toBe(1);
    const error = (outcome as { error: SeenError }).error;
    expect(error).toMatchObject({ name: 'UploadError', stage: 'upload', status: 412, code: 'PreconditionFailed' });
    expect(error.message).toMatch(
      /^Upload failed \(412 PreconditionFailed\): An object already exists under uploads\/.*-lost\.jpg\. An earlier attempt of this upload may have stored this file/,
    );
    const key = /under (uploads\/\S+-lost\.jpg)\./.exec(error.message)![1]!;
    expect((await storedObject(key)).bytes.equals(jpeg)).toBe(true);
  });

  it('an upload to a key that already holds an object fails with 412 at once, and the object stays', async () => {
    // Prepare: a key function that gives every upload the same key, as a per-user avatar would.
    const key = `uploads/avatar-${Date.now()}-${Math.random().toString(36).slice(2)}.jpg`;
    usePresigner({ key: () => key });
    const first = await uploadInPage({
      bytes: jpeg,
      type: 'image/jpeg',
      name: 'avatar.jpg',
      options: { endpoint: '/presign' },
    });
    const other = Buffer.from(jpeg);
    other.writeUInt8(other.readUInt8(other.length - 3) ^ 0xff, other.length - 3);
    // Act
    const second = await uploadInPage({
      bytes: other,
      type: 'image/jpeg',
      name: 'avatar.jpg',
      options: { endpoint: '/presign' },
    });
    // Assess
    expect(first.ok).toBe(true);
    expect((second as { error: SeenError }).error).toMatchObject({
      status: 412,
      code: 'PreconditionFailed',
      message: `Upload failed (412 PreconditionFailed): An object already exists under ${key}, and the storage never lets an upload replace one.`,
    });
    expect(server.hits('POST', '/presign')).toBe(2);
    expect((await storedObject(key)).bytes.equals(jpeg)).toBe(true);
  });
});
