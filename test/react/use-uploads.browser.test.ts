import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import type { Page, Request, Route } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { STEP_MS, transferMs } from '../helpers/bounds.js';
import { closePage, launchBrowser, screenshot, type TestBrowser } from '../helpers/browser.js';
import { startPageServer, type PageServer } from '../helpers/page-server.js';
import { ensureBucket, jpegBytes, rgw, rgwClient, rgwPresigner } from '../helpers/s3.js';

// useUploads on a real Vite build of test/react/harness, in Chromium, against Ceph RGW. The page's
// own bucket admits only this server's (random) port, so that other browser tests can run at once.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HARNESS = fileURLToPath(new URL('./harness', import.meta.url));
const BUCKET = 'upload-presigner-react-hooks';
const PREFIX = `react-${randomUUID()}/`;
const MIB = 1024 ** 2;
const MULTIPART_THRESHOLD = 5 * MIB;
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript' };

// One client for the file: a new client per call opens a connection for each check and each poll.
const storage = rgwClient();
let outDir: string;
let server: PageServer;
let browser: TestBrowser;
let page: Page;
/** Requests from the page to the endpoint or the storage that have not ended yet. */
let open: Set<Request>;

async function buildHarness(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'react-hooks-build-'));
  await build({
    root: HARNESS,
    configFile: false,
    logLevel: 'silent',
    resolve: {
      alias: {
        'upload-presigner/client': join(ROOT, 'src/client/index.ts'),
        'upload-presigner/react': join(ROOT, 'src/react/index.ts'),
      },
    },
    build: { outDir: dir, emptyOutDir: true },
  });
  return dir;
}

async function serveDirectory(dir: string, prefix = ''): Promise<void> {
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) await serveDirectory(dir, path);
    else
      server.serve(
        path === '/index.html' ? '/' : path,
        CONTENT_TYPES[extname(entry.name)] ?? 'application/octet-stream',
        await readFile(join(dir, path)),
      );
  }
}

interface Shown {
  name: string;
  status: string;
  key: string;
  code: string;
  hint: string;
}

function shown(): Promise<Shown[]> {
  return page.$$eval('li', (items) =>
    items.map((item) => ({
      name: item.dataset.name!,
      status: item.dataset.status!,
      key: item.dataset.key!,
      code: item.dataset.code!,
      hint: item.dataset.hint!,
    })),
  );
}

const statuses = async () => (await shown()).map(({ name, status }) => `${name}:${status}`);

/** Picks files as a person would, in the page's one `<input type=file multiple>`. */
function pick(files: Array<{ name: string; mimeType: string; buffer: Buffer }>): Promise<void> {
  // The files' bytes travel to the page: a 5 MiB pick is a transfer, not one step.
  const bytes = files.reduce((sum, file) => sum + file.buffer.length, 0);
  return page.locator('input[type=file]').setInputFiles(files, { timeout: transferMs(bytes) });
}

const jpeg = (name: string, size = 2048) => ({ name, mimeType: 'image/jpeg', buffer: Buffer.from(jpegBytes(size)) });

/** Holds every storage request `matches` accepts, unanswered, until the test lets it go. */
async function holdStorageRequests(matches: (url: string) => boolean): Promise<Route[]> {
  const held: Route[] = [];
  await page.route(`${rgw.endpoint}/**`, (route) => {
    if (route.request().method() === 'PUT' && matches(route.request().url())) held.push(route);
    else void route.continue();
  });
  return held;
}

async function stored(key: string): Promise<Buffer | undefined> {
  const object = await storage.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })).catch(() => undefined);
  return object && Buffer.from(await object.Body!.transformToByteArray());
}

async function openUploads(): Promise<string[]> {
  const listed = await storage.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: PREFIX }));
  return (listed.Uploads ?? []).map((upload) => upload.Key!);
}

beforeAll(async () => {
  outDir = await buildHarness();
  server = await startPageServer(0);
  await serveDirectory(outDir);
  await ensureBucket(BUCKET, [
    {
      AllowedOrigins: [server.origin],
      AllowedMethods: ['PUT', 'POST', 'GET'],
      AllowedHeaders: ['*'],
      ExposeHeaders: ['ETag'],
    },
  ]);
  const presigner = rgwPresigner({
    bucket: BUCKET,
    prefix: PREFIX,
    allowedTypes: ['image/jpeg', 'image/png'],
    maxSize: 64 * MIB,
    secret: 'react-hooks-test-secret-of-at-least-32-characters',
    // S3's smallest part: the multipart test's file needs only a byte more for a second part.
    partSize: MULTIPART_THRESHOLD,
  });
  server.route('POST', '/api/presign', toExpressHandler(presigner));
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

async function openHarness(query = ''): Promise<void> {
  page = await browser.newPage();
  open = new Set();
  const tracked = (request: Request) =>
    request.url().startsWith(rgw.endpoint) || request.url().startsWith(`${server.origin}/api/`);
  page.on('request', (request) => tracked(request) && open.add(request));
  page.on('requestfinished', (request) => open.delete(request));
  page.on('requestfailed', (request) => open.delete(request));
  await page.goto(`${server.origin}/${query}`, { timeout: STEP_MS });
  await page.waitForSelector('input[type=file]', { state: 'attached', timeout: STEP_MS });
}

beforeEach(() => server.reset());
afterEach(async () => {
  if (page) await closePage(page);
});

describe('useUploads in Chromium against Ceph RGW', () => {
  it('uploads several files in one presign round trip; a refused one fails alone, with the reason', async () => {
    // Prepare
    await openHarness();
    const files = [jpeg('a.jpg'), jpeg('b.jpg'), jpeg('c.jpg')];
    const pdf = { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n') };
    // Act
    await pick([files[0]!, pdf, files[1]!, files[2]!]);
    await expect
      .poll(statuses, { timeout: STEP_MS })
      .toEqual(['a.jpg:done', 'report.pdf:error', 'b.jpg:done', 'c.jpg:done']);
    await screenshot(page, 'react-hooks-several');
    // Assess
    const [a, refused, b, c] = await shown();
    expect(refused!.code).toBe('TYPE_NOT_ALLOWED');
    for (const [item, file] of [
      [a, files[0]],
      [b, files[1]],
      [c, files[2]],
    ] as const) {
      expect(item!.key).toMatch(new RegExp(`^${PREFIX}[0-9a-f-]{36}-${file!.name.replace('.', '\\.')}$`));
      expect((await stored(item!.key))?.equals(file!.buffer)).toBe(true);
    }
    expect(server.hits('POST', '/api/presign')).toBe(1);
    expect(await page.locator('#total').getAttribute('data-percent')).toBe('100');
    expect(browser.errors).toEqual([]);
  });

  it('cancels one upload in flight: its request stops and nothing is stored, while the other completes', async () => {
    // Prepare
    await openHarness();
    const held = await holdStorageRequests((url) => url.includes('-slow.jpg'));
    // Act
    await pick([jpeg('slow.jpg'), jpeg('quick.jpg')]);
    await expect.poll(() => held.length, { timeout: STEP_MS }).toBe(1);
    await page.locator('li[data-name="slow.jpg"] .cancel').click();
    // Assess
    await expect.poll(statuses, { timeout: STEP_MS }).toEqual(['slow.jpg:cancelled', 'quick.jpg:done']);
    await expect.poll(() => open.size, { timeout: STEP_MS }).toBe(0);
    const slowKey = decodeURIComponent(new URL(held[0]!.request().url()).pathname.split('/').slice(2).join('/'));
    const head = await storage.send(new HeadObjectCommand({ Bucket: BUCKET, Key: slowKey })).then(
      () => 'found',
      (error: Error) => error.name,
    );
    expect(head).toBe('NotFound');
  });

  it('retries a failed upload on request: the error carries its hint, and the second try stores the file', async () => {
    // Prepare: the storage connection drops on the first try only.
    await openHarness();
    const file = jpeg('flaky.jpg');
    let tries = 0;
    await page.route(`${rgw.endpoint}/**`, (route) =>
      route.request().method() === 'PUT' && tries++ === 0 ? route.abort('connectionreset') : route.continue(),
    );
    // Act
    await pick([file]);
    await expect.poll(statuses, { timeout: STEP_MS }).toEqual(['flaky.jpg:error']);
    const [failed] = await shown();
    await page.locator('li[data-name="flaky.jpg"] .retry').click();
    await expect.poll(statuses, { timeout: STEP_MS }).toEqual(['flaky.jpg:done']);
    // Assess
    expect(failed!.hint).not.toBe('');
    const [done] = await shown();
    expect((await stored(done!.key))?.equals(file.buffer)).toBe(true);
    expect(tries).toBe(2);
  });

  it("upload() resolves once its own files have ended, while another pick's file is still uploading", async () => {
    // Prepare: the first pick's PUT held by the storage.
    await openHarness();
    const held = await holdStorageRequests((url) => url.includes('-slow.jpg'));
    const resolved = () => page.evaluate(() => ((window as any).resolved ?? []) as string[]);
    await pick([jpeg('slow.jpg')]);
    await expect.poll(() => held.length, { timeout: STEP_MS }).toBe(1);
    // Act
    await pick([jpeg('quick.jpg')]);
    // Assess
    await expect.poll(resolved, { timeout: STEP_MS }).toEqual(['quick.jpg:done']);
    expect(await statuses()).toEqual(['slow.jpg:uploading', 'quick.jpg:done']);
    await held[0]!.continue();
    await expect.poll(resolved, { timeout: STEP_MS }).toEqual(['quick.jpg:done', 'slow.jpg:done']);
  });

  it('reset cancels what is running and forgets every file; busy says whether any is under way', async () => {
    // Prepare: one file stored, the other's PUT held by the storage.
    await openHarness();
    const held = await holdStorageRequests((url) => url.includes('-held.jpg'));
    const busy = () => page.locator('#total').getAttribute('data-busy');
    await pick([jpeg('stored.jpg'), jpeg('held.jpg')]);
    await expect.poll(() => held.length, { timeout: STEP_MS }).toBe(1);
    await expect.poll(statuses, { timeout: STEP_MS }).toEqual(['stored.jpg:done', 'held.jpg:uploading']);
    expect(await busy()).toBe('true');
    // Act
    await page.locator('#reset').click();
    // Assess: nothing shown, nothing running, the held file never stored.
    await expect.poll(statuses, { timeout: STEP_MS }).toEqual([]);
    expect(await busy()).toBe('false');
    await expect.poll(() => open.size, { timeout: STEP_MS }).toBe(0);
    const heldKey = decodeURIComponent(new URL(held[0]!.request().url()).pathname.split('/').slice(2).join('/'));
    expect(await stored(heldKey)).toBeUndefined();
    // The next pick starts afresh.
    const after = jpeg('after.jpg');
    await pick([after]);
    await expect.poll(statuses, { timeout: STEP_MS }).toEqual(['after.jpg:done']);
    expect(await busy()).toBe('false');
    const [shownFile] = await shown();
    expect((await stored(shownFile!.key))?.equals(after.buffer)).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('useUpload: a second pick cancels the first upload in flight and shows the second', async () => {
    // Prepare
    await openHarness('?single');
    const held = await holdStorageRequests((url) => url.includes('-first.jpg'));
    const second = jpeg('second.jpg');
    // Act
    await pick([jpeg('first.jpg')]);
    await expect.poll(() => held.length, { timeout: STEP_MS }).toBe(1);
    await pick([second]);
    // Assess
    await expect.poll(statuses, { timeout: STEP_MS }).toEqual(['second.jpg:done']);
    await expect.poll(() => open.size, { timeout: STEP_MS }).toBe(0);
    const [shownFile] = await shown();
    expect((await stored(shownFile!.key))?.equals(second.buffer)).toBe(true);
    const firstKey = decodeURIComponent(new URL(held[0]!.request().url()).pathname.split('/').slice(2).join('/'));
    expect(await stored(firstKey)).toBeUndefined();
  });

  it('unmounting during a multipart upload leaves no request running and no upload open in RGW', async () => {
    // Prepare: a file of 5 MiB and 16 bytes goes in two parts, 5 MiB and 16 bytes; the storage holds
    // both part PUTs.
    await openHarness(`?multipartThreshold=${MULTIPART_THRESHOLD}`);
    const held = await holdStorageRequests((url) => url.includes('partNumber='));
    const big = {
      name: 'big.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.concat([jpegBytes(16), randomBytes(MULTIPART_THRESHOLD)]),
    };
    await pick([big]);
    await expect.poll(() => held.length, { timeout: transferMs(big.buffer.length) }).toBe(2);
    expect(await openUploads()).toHaveLength(1);
    // Act
    await page.locator('#unmount').click();
    // Assess
    await expect.poll(() => open.size, { timeout: STEP_MS }).toBe(0);
    await expect.poll(openUploads, { timeout: STEP_MS }).toEqual([]);
    expect(await page.locator('#gone').count()).toBe(1);
    const listed = await storage.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX }));
    expect((listed.Contents ?? []).filter((object) => object.Key!.endsWith('-big.jpg'))).toEqual([]);
    expect(browser.errors).toEqual([]);
  });
});
