import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import type { Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import type { PresignerOptions } from '../../src/index.js';
import { transferMs, STEP_MS } from '../helpers/bounds.js';
import { closePage, launchBrowser, screenshot, track, type TestBrowser } from '../helpers/browser.js';
import { startCountingProxy } from '../helpers/counting-proxy.js';
import { bundleForBrowser, readRequest, startPageServer, type PageServer } from '../helpers/page-server.js';
import { TEST_ORIGINS } from '../helpers/rgw-setup.js';
import { ensureBucket, rgw, rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

const MIB = 1024 ** 2;
/** A bucket whose CORS admits the test origins but does not expose ETag, as many buckets are set up. */
const NO_ETAG_BUCKET = 'upload-presigner-no-etag';
const SECRET = 'multipart-browser-test-secret-0123456789';

// The page: the client and Uppy, plus helpers that make a random file in the page (so 64 MiB never
// crosses the DevTools protocol) and return its SHA-256, and that run one upload and describe it.
const ENTRY = `
import Uppy from '@uppy/core';
import AwsS3 from '@uppy/aws-s3';
import * as client from './src/client/index.ts';

const files = {};
const status = document.getElementById('status');
const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
const describe = (error) => ({ name: error.name, message: error.message, stage: error.stage, status: error.status, code: error.code, isReason: error === window.abortReason });
const show = (percent) => {
  document.getElementById('bar').value = percent;
  document.getElementById('percent').textContent = percent + '%';
};

// Counts the part PUTs in flight from send() until readyState DONE, which comes before the client
// hears of the answer (and so before it can start the next part).
window.partsInFlight = { now: 0, max: 0 };
const { open, send } = XMLHttpRequest.prototype;
XMLHttpRequest.prototype.open = function (method, url, ...rest) {
  this.isPart = method === 'PUT' && new URL(url, location.href).searchParams.has('partNumber');
  return open.call(this, method, url, ...rest);
};
XMLHttpRequest.prototype.send = function (body) {
  if (this.isPart) {
    const count = window.partsInFlight;
    count.max = Math.max(count.max, ++count.now);
    const done = () => this.readyState === 4 && (count.now--, this.removeEventListener('readystatechange', done));
    this.addEventListener('readystatechange', done);
  }
  return send.call(this, body);
};

window.makeFile = async (name, size, type) => {
  const bytes = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB per call.
  for (let offset = 0; offset < size; offset += 65536) crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + 65536, size)));
  files[name] = new File([bytes], name, { type });
  return hex(await crypto.subtle.digest('SHA-256', bytes));
};

window.upload = async (name, options) => {
  window.progress = [];
  window.controller = new AbortController();
  status.textContent = 'Uploading ' + name + '…';
  try {
    const result = await client.uploadFile(files[name], {
      endpoint: '/presign',
      signal: window.controller.signal,
      retryDelay: 50,
      onProgress: (p) => {
        window.progress.push(p.percent);
        show(p.percent);
      },
      ...options,
    });
    status.textContent = 'Uploaded ' + (result.size / 1048576) + ' MiB as ' + result.method + ': ' + result.key;
    return { ok: true, result };
  } catch (error) {
    status.textContent = error.message;
    return { ok: false, error: describe(error) };
  }
};

// Cancels the running upload with a reason the outcome can be compared to (see describe).
window.cancel = async (message) => {
  window.abortReason = new Error(message);
  window.controller.abort(window.abortReason);
};

window.uploadWithUppy = async (name, options) => {
  const uppy = new Uppy().use(AwsS3, client.presignForUppy({ endpoint: '/presign', ...options }));
  window.uppy = uppy;
  const progress = [];
  uppy.on('upload-progress', (_file, p) => {
    progress.push(Math.floor((p.bytesUploaded / p.bytesTotal) * 100));
    show(progress.at(-1));
  });
  uppy.addFile({ name, type: files[name].type, data: files[name] });
  status.textContent = 'Uppy is uploading ' + name + '…';
  const result = await uppy.upload();
  const done = result.successful.map((file) => ({ key: file.response.body.key, uploadURL: file.response.uploadURL }));
  const failed = result.failed.map((file) => String(file.error));
  status.textContent = done.length ? 'Uppy uploaded ' + (files[name].size / 1048576) + ' MiB in parts: ' + done[0].key : 'Uppy failed: ' + failed.join('; ');
  return { done, failed, progress };
};

window.pauseOrResumeUppy = async () => window.uppy.pauseResume(window.uppy.getFiles()[0].id);
window.cancelUppy = async () => window.uppy.cancelAll();
window.seen = async () => ({ progress: window.progress, partsInFlight: window.partsInFlight });

// Uppy 4–5 call these functions and send what they return: do exactly that here.
window.uploadLikeUppy5 = async (name, options) => {
  const file = { id: 'f1', name, type: files[name].type, size: files[name].size };
  const helper = client.presignForUppy({ endpoint: '/presign', ...options });
  const chunkSize = helper.getChunkSize(file);
  const { uploadId, key } = await helper.createMultipartUpload(file);
  const parts = [];
  for (let offset = 0, partNumber = 1; offset < file.size; offset += chunkSize, partNumber++) {
    const signed = await helper.signPart(file, { uploadId, key, partNumber, body: files[name].slice(offset, offset + chunkSize) });
    const response = await fetch(signed.url, { method: signed.method, headers: signed.headers, body: files[name].slice(offset, offset + chunkSize) });
    parts.push({ PartNumber: partNumber, ETag: response.headers.get('etag') });
  }
  const listed = await helper.listParts(file, { uploadId, key });
  const { location } = await helper.completeMultipartUpload(file, { uploadId, key, parts });
  return { key, location, parts, listed, useMultipart: helper.shouldUseMultipart(file) };
};
window.ready = true;
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>upload-presigner multipart test</title>
<style>body{font:16px sans-serif;margin:24px} progress{width:320px;height:20px} #status{display:block;margin-top:12px;white-space:pre-wrap;max-width:760px}</style>
<h1>Multipart upload test page</h1>
<progress id="bar" max="100" value="0"></progress> <span id="percent">0%</span>
<output id="status">Idle</output>
<script type="module" src="/page.js"></script>`;

interface SeenError {
  name: string;
  message: string;
  stage?: string;
  status?: number;
  code?: string;
  isReason: boolean;
}
interface UploadOutcome {
  ok: boolean;
  result?: { key: string; location: string; etag?: string; contentType: string; size: number; method: string };
  error?: SeenError;
}
interface UppyOutcome {
  done: { key: string; uploadURL: string }[];
  failed: string[];
  progress: number[];
}
interface Uppy5Outcome {
  key: string;
  location: string;
  parts: { PartNumber: number; ETag: string }[];
  listed: { PartNumber: number; Size: number; ETag: string }[];
  useMultipart: boolean;
}
/** What the page saw: `uploadFile`'s progress and the part PUTs in flight (now, and the most at once). */
interface Seen {
  progress: number[];
  partsInFlight: { now: number; max: number };
}

let server: PageServer;
let browser: TestBrowser;
let page: Page;
/** The bucket the current presigner writes to, and the objects each test made (RGW here holds 2 GiB, in RAM). */
let bucket = TEST_BUCKET;
const made: { bucket: string; key: string }[] = [];

/** Calls one of the page's helpers (see ENTRY); arguments and result cross as JSON. */
function inPage<T>(helper: string, ...args: unknown[]): Promise<T> {
  const call = page.evaluate(
    ([name, rest]) => (window as unknown as Record<string, (...values: unknown[]) => Promise<T>>)[name]!(...rest),
    [helper, args] as const,
  );
  return track(page, call);
}

/** The endpoint's answer to the page's createMultipart, once it arrives. */
function createdUpload() {
  const response = page.waitForResponse((response) => response.request().postDataJSON()?.action === 'createMultipart', {
    timeout: STEP_MS,
  });
  return track(
    page,
    response.then((answer) => answer.json() as Promise<{ key: string; uploadId: string }>),
  );
}
const makeFile = (name: string, size: number, type: string) => inPage<string>('makeFile', name, size, type);
const upload = (name: string, options: Record<string, unknown> = {}) => inPage<UploadOutcome>('upload', name, options);
const uploadWithUppy = (name: string, options: Record<string, unknown>) =>
  inPage<UppyOutcome>('uploadWithUppy', name, options);

function usePresigner(options: Partial<PresignerOptions> = {}) {
  bucket = options.bucket ?? TEST_BUCKET;
  const presigner = rgwPresigner({
    allowedTypes: ['video/mp4', 'application/octet-stream'],
    maxSize: 128 * MIB,
    multipartSecret: SECRET,
    partSize: 5 * MIB,
    ...options,
  });
  server.route('POST', '/presign', toExpressHandler(presigner));
  return presigner;
}

/** How many times the browser sent each part to `storage` (its network events, so retries count). */
function watchParts(target: Page, storage = rgw.endpoint): Map<number, number> {
  const attempts = new Map<number, number>();
  target.on('request', (request: Request) => {
    if (request.method() !== 'PUT' || !request.url().startsWith(storage)) return;
    const partNumber = Number(new URL(request.url()).searchParams.get('partNumber'));
    if (partNumber) attempts.set(partNumber, (attempts.get(partNumber) ?? 0) + 1);
  });
  return attempts;
}

/** The actions the page asked the endpoint for, with their bodies. */
function watchActions(target: Page) {
  const actions: Record<string, any>[] = [];
  target.on('request', (request) => {
    if (request.url() === `${server.origin}/presign`) actions.push(request.postDataJSON() as Record<string, any>);
  });
  return (action: string) => actions.filter((body) => body.action === action);
}

async function storedSha256(key: string, bucket = TEST_BUCKET) {
  const object = await rgwClient().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return { sha256: hash.digest('hex'), contentType: object.ContentType, size: object.ContentLength };
}

/** The part numbers RGW holds for an upload. */
async function storedParts(key: string, uploadId: string) {
  const listed = await rgwClient().send(new ListPartsCommand({ Bucket: TEST_BUCKET, Key: key, UploadId: uploadId }));
  return (listed.Parts ?? []).map((part) => part.PartNumber);
}

async function pendingUploads(key: string, bucket = TEST_BUCKET) {
  const listed = await rgwClient().send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  return (listed.Uploads ?? []).filter((upload) => upload.Key === key).length;
}

beforeAll(async () => {
  server = await startPageServer();
  server.serve('/', 'text/html; charset=utf-8', PAGE);
  server.serve('/page.js', 'text/javascript', await bundleForBrowser(ENTRY));
  browser = await launchBrowser();
  await ensureBucket(NO_ETAG_BUCKET, [
    { AllowedOrigins: TEST_ORIGINS, AllowedMethods: ['PUT', 'POST', 'GET', 'HEAD'], AllowedHeaders: ['*'] },
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  page = await browser.newPage();
  // Every key the endpoint hands out (presign or createMultipart), to delete after the test.
  page.on('response', async (response) => {
    if (response.url() !== `${server.origin}/presign` || !response.ok()) return;
    const { key } = (await response.json().catch(() => ({}))) as { key?: string };
    if (key) made.push({ bucket, key });
  });
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'ready' in window, undefined, { timeout: STEP_MS });
});

afterEach(async () => {
  // A test that failed while an upload ran leaves it pending: cancel it before the page goes.
  await closePage(page, () => {
    const w = window as unknown as { controller?: AbortController; uppy?: { cancelAll(): void } };
    w.controller?.abort();
    w.uppy?.cancelAll();
  });
  const client = rgwClient();
  for (const { bucket: Bucket, key: Key } of made.splice(0))
    await client.send(new DeleteObjectCommand({ Bucket, Key }));
});

describe('uploadFile multipart in Chromium against Ceph RGW', () => {
  it(
    'uploads 64 MiB in parallel parts that RGW assembles byte-identical, with the signed type and monotonic progress',
    async () => {
      // Prepare: 5 MiB parts, so 13 of them, 4 at a time (the default), through a proxy that holds
      // the parts until the page has sent none for 1 s: a fifth at once would come in that time.
      const proxy = await startCountingProxy(rgw.endpoint, 4, 1_000);
      onTestFinished(() => proxy.close());
      usePresigner({ endpoint: proxy.endpoint });
      const parts = watchParts(page, proxy.endpoint);
      const actions = watchActions(page);
      const sha256 = await makeFile('big.mp4', 64 * MIB, 'video/mp4');
      // Act
      const outcome = await upload('big.mp4', { multipartThreshold: 16 * MIB });
      await screenshot(page, 'client-multipart-64mib-done');
      // Assess
      expect(outcome.error).toBeUndefined();
      const result = outcome.result!;
      expect(result).toMatchObject({ method: 'MULTIPART', size: 64 * MIB, contentType: 'video/mp4' });
      expect(result.key).toMatch(/^uploads\/[0-9a-f-]{36}-big\.mp4$/);
      expect(result.location).toBe(`${proxy.endpoint}/${TEST_BUCKET}/${result.key}`);
      expect(result.etag).toMatch(/^"[0-9a-f]{32}-13"$/);
      expect(await storedSha256(result.key)).toEqual({ sha256, contentType: 'video/mp4', size: 64 * MIB });
      // Every part once, 4 at a time at the storage and in the page, never more.
      expect([...parts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
      expect([...parts.values()].every((count) => count === 1)).toBe(true);
      expect(proxy.counts).toEqual({ inFlight: 0, peak: 4, puts: 13 });
      const { progress, partsInFlight } = await inPage<Seen>('seen');
      expect(partsInFlight).toEqual({ now: 0, max: 4 });
      // Part URLs signed in batches ahead of use, each part once.
      const signed = actions('signParts').flatMap((body) => body.partNumbers as number[]);
      expect(signed.sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
      expect(actions('signParts').length).toBeGreaterThan(1);
      // Completion names the upload only: the server lists the stored parts and checks each length.
      const complete = actions('completeMultipart');
      expect(complete).toHaveLength(1);
      expect(Object.keys(complete[0]!).sort()).toEqual(['action', 'token']);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.filter((percent) => percent === 100)).toHaveLength(1);
      expect(progress.at(-1)).toBe(100);
      expect(new Set(progress).size).toBeGreaterThan(5);
      expect(await pendingUploads(result.key)).toBe(0);
      expect(browser.errors).toEqual([]);
    },
    // The proxy holds each of the 4 rounds of parts 1 s after its last part.
    transferMs(64 * MIB) + 2 * STEP_MS + 4 * 1_000,
  );

  it('cancelling mid-upload cancels the parts in flight, aborts the upload in RGW and rejects with the reason', async () => {
    // Prepare: part 2 of 3 never gets through, so the upload is surely in the middle when cancelled.
    usePresigner();
    const parts = watchParts(page);
    const actions = watchActions(page);
    await page.route(
      (url) => url.searchParams.get('partNumber') === '2',
      () => {},
    );
    await makeFile('cancel.mp4', 11 * MIB, 'video/mp4');
    const created = createdUpload();
    // Act
    const pending = upload('cancel.mp4', { multipartThreshold: 10 * MIB });
    const { key, uploadId } = await created;
    await expect.poll(() => parts.get(2), { timeout: transferMs(11 * MIB) }).toBe(1);
    // Parts 1 and 3 really are in RGW before the cancel.
    await expect.poll(() => storedParts(key, uploadId), { timeout: transferMs(6 * MIB) }).toEqual([1, 3]);
    await inPage('cancel', 'cancelled by the user');
    const outcome = await pending;
    // Assess
    expect(outcome.error).toEqual({ name: 'Error', message: 'cancelled by the user', isReason: true });
    expect((await inPage<Seen>('seen')).partsInFlight.now).toBe(0);
    expect(actions('abortMultipart')).toHaveLength(1);
    expect(actions('completeMultipart')).toHaveLength(0);
    await expect.poll(() => pendingUploads(key), { timeout: STEP_MS }).toBe(0);
    const head = await rgwClient()
      .send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }))
      .catch((error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode);
    expect(head).toBe(404);
  });

  it('cancelling while the endpoint starts the upload rejects at once, and still aborts the upload the endpoint made', async () => {
    // Prepare: the endpoint makes the upload, but its answer reaches the page only after the cancel.
    usePresigner();
    const actions = watchActions(page);
    await makeFile('early.mp4', 11 * MIB, 'video/mp4');
    let started: { key: string } | undefined;
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    await page.route(`${server.origin}/presign`, async (route) => {
      if (route.request().postDataJSON()?.action !== 'createMultipart') return route.continue();
      const response = await route.fetch();
      started = (await response.json()) as { key: string };
      await answered;
      await route.fulfill({ response }).catch(() => undefined);
    });
    // Act
    const pending = upload('early.mp4', { multipartThreshold: 10 * MIB });
    await expect.poll(() => started?.key, { timeout: STEP_MS }).toBeDefined();
    expect(await pendingUploads(started!.key)).toBe(1);
    await inPage('cancel', 'cancelled by the user');
    // Before the endpoint's answer arrives: a cancel does not wait for it.
    const outcome = await pending;
    answer();
    // Assess
    expect(outcome.error).toEqual({ name: 'Error', message: 'cancelled by the user', isReason: true });
    await expect.poll(() => pendingUploads(started!.key), { timeout: STEP_MS }).toBe(0);
    expect(actions('abortMultipart')).toHaveLength(1);
    expect(actions('signParts')).toHaveLength(0);
  });

  it('retries a part that failed with a 500 after sending its bytes, and still stores the file byte-identical', async () => {
    // Prepare: the first PUT of part 2 goes to a storage stand-in that reads every byte, then
    // answers RGW's InternalError (with CORS headers, so the page reads it); the retry goes to RGW.
    usePresigner();
    const parts = watchParts(page);
    let received = 0;
    server.route('PUT', '/failing-storage', async (req, res) => {
      received = (await readRequest(req)).length;
      res.writeHead(500, { 'access-control-allow-origin': server.origin, 'content-type': 'application/xml' });
      res.end('<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>');
    });
    let routed = 0;
    await page.route(
      (url) => url.searchParams.get('partNumber') === '2',
      (route) => (routed++ === 0 ? route.continue({ url: `${server.origin}/failing-storage` }) : route.continue()),
    );
    const sha256 = await makeFile('retry.mp4', 11 * MIB, 'video/mp4');
    // Loopback sends a part between two progress events: slow it so that each part reports its way up.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 16 * MIB,
    });
    // Act
    const outcome = await upload('retry.mp4', { multipartThreshold: 10 * MIB });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(parts).toEqual(
      new Map([
        [1, 1],
        [2, 2],
        [3, 1],
      ]),
    );
    expect(received).toBe(5 * MIB);
    // Part 2 starts again from zero, yet progress never goes back.
    const { progress } = await inPage<Seen>('seen');
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    expect(await storedSha256(outcome.result!.key)).toEqual({ sha256, contentType: 'video/mp4', size: 11 * MIB });
  });

  it('fails at the first 4xx of a part without retrying, names the part, and aborts the upload in RGW', async () => {
    // Prepare: part 3's storage answer is a readable 403, as when a URL has expired.
    usePresigner();
    const parts = watchParts(page);
    await page.route(
      (url) => url.searchParams.get('partNumber') === '3',
      (route) =>
        route.fulfill({
          status: 403,
          headers: { 'access-control-allow-origin': server.origin, 'content-type': 'application/xml' },
          body: '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
        }),
    );
    await makeFile('denied.mp4', 11 * MIB, 'video/mp4');
    const created = createdUpload();
    // Act
    const outcome = await upload('denied.mp4', { multipartThreshold: 10 * MIB });
    const { key } = await created;
    // Assess
    expect(outcome.error).toMatchObject({
      name: 'UploadError',
      stage: 'upload',
      status: 403,
      code: 'AccessDenied',
      message: 'Upload of part 3 failed (403 AccessDenied): Request has expired',
    });
    expect(parts.get(3)).toBe(1);
    await expect.poll(() => pendingUploads(key), { timeout: STEP_MS }).toBe(0);
  });

  it('completes when the bucket does not expose ETag: the server checks the stored parts itself', async () => {
    // Prepare
    usePresigner({ bucket: NO_ETAG_BUCKET });
    const actions = watchActions(page);
    const sha256 = await makeFile('no-etag.bin', 11 * MIB, 'application/octet-stream');
    // Act
    const outcome = await upload('no-etag.bin', { multipartThreshold: 10 * MIB });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({
      method: 'MULTIPART',
      contentType: 'application/octet-stream',
      etag: expect.stringMatching(/-3"$/),
    });
    expect(actions('completeMultipart')[0]!.parts).toBeUndefined();
    expect(await storedSha256(outcome.result!.key, NO_ETAG_BUCKET)).toEqual({
      sha256,
      contentType: 'application/octet-stream',
      size: 11 * MIB,
    });
  });

  it('RGW refuses a part URL whose signature was altered (403) and accepts the URL as signed', async () => {
    // Prepare: a one-part upload started on the server side, its part URL signed, then one signature digit changed.
    const presigner = usePresigner();
    const body = new Uint8Array(1024).fill(7);
    const started = await presigner.createMultipart({
      fileName: 'tamper.bin',
      contentType: 'application/octet-stream',
      size: body.length,
    });
    const [part] = (await presigner.signParts({ token: started.token, partNumbers: [1] })).parts;
    const url = new URL(part!.url);
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
    try {
      // Act
      const tampered = await fetch(url, { method: 'PUT', body });
      const genuine = await fetch(part!.url, { method: 'PUT', body });
      // Assess
      expect(tampered.status).toBe(403);
      expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
      expect(genuine.status).toBe(200);
    } finally {
      await presigner.abortMultipart({ token: started.token });
    }
  });

  it('keeps small files on the single PUT path, and `multipartThreshold: Infinity` keeps large ones there too', async () => {
    // Prepare
    usePresigner();
    const actions = watchActions(page);
    await makeFile('small.mp4', 1024, 'video/mp4');
    await makeFile('large.mp4', 11 * MIB, 'video/mp4');
    // Act
    const small = await upload('small.mp4', { multipartThreshold: 10 * MIB });
    const large = await upload('large.mp4', { multipartThreshold: Infinity });
    // Assess
    expect(small.result?.method).toBe('PUT');
    expect(large.result?.method).toBe('PUT');
    expect(actions('createMultipart')).toHaveLength(0);
  });

  it('sends a large file in one request when the endpoint has no multipart (MULTIPART_DISABLED), byte-identical', async () => {
    // Prepare
    usePresigner({ multipartSecret: undefined });
    const actions = watchActions(page);
    const sha256 = await makeFile('fallback.mp4', 11 * MIB, 'video/mp4');
    // Act
    const outcome = await upload('fallback.mp4', { multipartThreshold: 10 * MIB });
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({ method: 'PUT', size: 11 * MIB });
    expect(actions('createMultipart')).toHaveLength(1);
    expect(await storedSha256(outcome.result!.key)).toEqual({ sha256, contentType: 'video/mp4', size: 11 * MIB });
  });
});

describe('Uppy multipart through presignForUppy, against Ceph RGW', () => {
  it('Uppy 6 (@uppy/aws-s3 signRequest) uploads a file over the threshold in parts, byte-identical', async () => {
    // Prepare
    usePresigner();
    const parts = watchParts(page);
    const actions = watchActions(page);
    const sha256 = await makeFile('uppy.mp4', 11 * MIB, 'video/mp4');
    // Act
    const outcome = await uploadWithUppy('uppy.mp4', { multipartThreshold: 10 * MIB, partSize: 5 * MIB });
    await screenshot(page, 'uppy-multipart-done');
    // Assess
    expect(outcome.failed).toEqual([]);
    const { key, uploadURL } = outcome.done[0]!;
    expect(key).toMatch(/^uploads\/[0-9a-f-]{36}-uppy\.mp4$/);
    expect(uploadURL).toBe(`${rgw.endpoint}/${TEST_BUCKET}/${key}`);
    expect(outcome.progress.at(-1)).toBe(100);
    expect(parts).toEqual(
      new Map([
        [1, 1],
        [2, 1],
        [3, 1],
      ]),
    );
    expect(actions('createMultipart')).toHaveLength(1);
    expect(actions('completeMultipart')).toHaveLength(1);
    expect(await storedSha256(key)).toEqual({ sha256, contentType: 'video/mp4', size: 11 * MIB });
    expect(browser.errors).toEqual([]);
  });

  it('Uppy 6 resumes a paused upload: it lists the stored parts through signRequest and sends only the rest', async () => {
    // Prepare: part 2 hangs until the upload is paused; after the resume it goes through.
    usePresigner();
    const parts = watchParts(page);
    const actions = watchActions(page);
    const hold = (url: URL) => url.searchParams.get('partNumber') === '2';
    await page.route(hold, () => {});
    const sha256 = await makeFile('resume.mp4', 11 * MIB, 'video/mp4');
    // Act: Uppy 6 sends one part at a time, so part 1 is stored when part 2 goes out.
    const pending = uploadWithUppy('resume.mp4', { multipartThreshold: 10 * MIB, partSize: 5 * MIB });
    await expect.poll(() => parts.get(2), { timeout: transferMs(11 * MIB) }).toBe(1);
    await inPage('pauseOrResumeUppy');
    await page.unroute(hold);
    await inPage('pauseOrResumeUppy');
    const outcome = await pending;
    // Assess
    expect(outcome.failed).toEqual([]);
    expect(actions('listParts')).toHaveLength(1);
    expect(parts).toEqual(
      new Map([
        [1, 1],
        [2, 2],
        [3, 1],
      ]),
    );
    expect(await storedSha256(outcome.done[0]!.key)).toEqual({ sha256, contentType: 'video/mp4', size: 11 * MIB });
  });

  it('Uppy 6 cancelling an upload aborts it in RGW through signRequest', async () => {
    // Prepare: part 2 hangs, so the upload is in the middle when cancelled.
    usePresigner();
    const parts = watchParts(page);
    const actions = watchActions(page);
    await page.route(
      (url) => url.searchParams.get('partNumber') === '2',
      () => {},
    );
    await makeFile('uppy-cancel.mp4', 11 * MIB, 'video/mp4');
    const created = createdUpload();
    // Act
    const pending = uploadWithUppy('uppy-cancel.mp4', { multipartThreshold: 10 * MIB, partSize: 5 * MIB });
    const { key } = await created;
    await expect.poll(() => parts.get(2), { timeout: transferMs(11 * MIB) }).toBe(1);
    expect(await pendingUploads(key)).toBe(1);
    await inPage('cancelUppy');
    // Assess
    await expect.poll(() => actions('abortMultipart').length, { timeout: STEP_MS }).toBe(1);
    await expect.poll(() => pendingUploads(key), { timeout: STEP_MS }).toBe(0);
    // Uppy reports a cancelled file as neither done nor failed.
    expect(await pending).toMatchObject({ done: [], failed: [] });
  });

  it('Uppy 6 cannot upload parts to a bucket that does not expose ETag (hence the CORS requirement)', async () => {
    // Prepare
    usePresigner({ bucket: NO_ETAG_BUCKET });
    await makeFile('uppy-no-etag.mp4', 11 * MIB, 'video/mp4');
    const created = createdUpload();
    // Act
    const outcome = await uploadWithUppy('uppy-no-etag.mp4', { multipartThreshold: 10 * MIB, partSize: 5 * MIB });
    const { key, uploadId } = await created;
    // Assess
    expect(outcome.done).toEqual([]);
    expect(outcome.failed).toEqual(['[s3mini] Missing ETag in uploadPart response headers']);
    // Uppy keeps a failed upload for a retry; this test does not retry.
    await rgwClient().send(new AbortMultipartUploadCommand({ Bucket: NO_ETAG_BUCKET, Key: key, UploadId: uploadId }));
  });

  it("fails a Uppy upload whose part size differs from the presigner's at its start, leaving nothing behind", async () => {
    // Prepare: the presigner cuts 5 MiB parts; the helper is left at its 8 MiB default.
    usePresigner();
    await makeFile('mismatch.mp4', 11 * MIB, 'video/mp4');
    const created = createdUpload();
    // Act
    const outcome = await uploadWithUppy('mismatch.mp4', { multipartThreshold: 10 * MIB });
    const { key } = await created;
    // Assess
    expect(outcome.done).toEqual([]);
    expect(outcome.failed[0]).toContain(
      "The presigner cuts parts of 5 MiB, but Uppy would cut 8 MiB: pass the presigner's partSize",
    );
    expect(await pendingUploads(key)).toBe(0);
  });

  it('the Uppy 4–5 multipart functions, called as Uppy 5 calls them, store the file byte-identical', async () => {
    // Prepare
    usePresigner();
    const actions = watchActions(page);
    const sha256 = await makeFile('uppy5.mp4', 11 * MIB, 'video/mp4');
    // Act
    const outcome = await inPage<Uppy5Outcome>('uploadLikeUppy5', 'uppy5.mp4', {
      multipartThreshold: 10 * MIB,
      partSize: 5 * MIB,
    });
    // Assess
    expect(outcome.useMultipart).toBe(true);
    expect(outcome.location).toBe(`${rgw.endpoint}/${TEST_BUCKET}/${outcome.key}`);
    expect(outcome.listed.map((part) => [part.PartNumber, part.Size])).toEqual([
      [1, 5 * MIB],
      [2, 5 * MIB],
      [3, MIB],
    ]);
    // Uppy read every part's ETag; the server completes from its own listing of the parts.
    expect(outcome.parts.map((part) => part.PartNumber)).toEqual([1, 2, 3]);
    expect(outcome.parts.every((part) => /^"[0-9a-f]{32}"$/.test(part.ETag))).toBe(true);
    expect(actions('completeMultipart')[0]!.parts).toBeUndefined();
    expect(await storedSha256(outcome.key)).toEqual({ sha256, contentType: 'video/mp4', size: 11 * MIB });
  });
});
