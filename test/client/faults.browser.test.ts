import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { STEP_MS, transferMs } from '../helpers/bounds.js';
import { closePage, launchBrowser, screenshot, type TestBrowser } from '../helpers/browser.js';
import { bundleForBrowser, startPageServer, type PageServer } from '../helpers/page-server.js';
import { createPresigner } from '../../src/index.js';
import { rgw, TEST_BUCKET } from '../helpers/s3.js';
import { startSlowProxy, type SlowProxy } from '../helpers/slow-proxy.js';
import { startSecondRgw, type SecondRgw } from '../helpers/second-rgw.js';
import {
  LAB_ENTRY,
  LAB_PAGE,
  openUploads,
  percentInLab,
  removeUploads,
  storedParts,
  storedSha256,
  uploadInLab,
  watchActions,
  watchPartPuts,
} from '../helpers/upload-lab.js';

const MIB = 1024 ** 2;
const OUTAGE_MS = 10_000;
/** 40 MiB in 5 MiB parts: 8 of them. */
const FILE_SIZE = 40 * MIB;
/** 4 MiB/s: a 40 MiB upload takes 10 s however fast the machine, so each fault lands mid-upload. */
const THROTTLE = 4 * MIB;
const MULTIPART = { multipartThreshold: 10 * MIB, partConcurrency: 2 };
const SINGLE = { multipartThreshold: Infinity };

let server: PageServer;
let browser: TestBrowser;
let page: Page;
let storage: SecondRgw;
/** The shared RGW and the second one, each behind a proxy that takes the browser's bytes at {@link THROTTLE}. */
let slowRgw: SlowProxy;
let slowStorage: SlowProxy;
/** Every upload the endpoint started, to check and clean up. */
const keys = new Set<string>();
const started: { key: string; uploadId: string }[] = [];

/** The presign endpoint, its URLs aimed at `endpoint`. */
function usePresigner(endpoint: string, expiresIn = 300) {
  const presigner = createPresigner({
    ...rgw,
    endpoint,
    bucket: TEST_BUCKET,
    forcePathStyle: true,
    allowedTypes: ['video/mp4'],
    maxSize: 64 * MIB,
    multipartSecret: 'faults-browser-test-secret-0123456789',
    partSize: 5 * MIB,
    expiresIn,
  });
  const handler = toExpressHandler(presigner);
  server.route('POST', '/presign', handler);
  return handler;
}

const makeFile = (name: string) =>
  page.evaluate(([file, size]) => (window as any).makeFile(file, size, 'video/mp4') as Promise<string>, [
    name,
    FILE_SIZE,
  ] as const);

/** No upload left open, and the object exactly the file. */
async function expectIntact(key: string, sha256: string) {
  expect(await storedSha256(key)).toBe(sha256);
  expect(await openUploads(key)).toEqual([]);
}

beforeAll(async () => {
  server = await startPageServer();
  server.serve('/', 'text/html; charset=utf-8', LAB_PAGE);
  server.serve('/page.js', 'text/javascript', await bundleForBrowser(LAB_ENTRY));
  browser = await launchBrowser();
  storage = await startSecondRgw();
  slowRgw = await startSlowProxy(rgw.endpoint, THROTTLE);
  slowStorage = await startSlowProxy(storage.endpoint, THROTTLE);
});

afterAll(async () => {
  await slowRgw?.close();
  await slowStorage?.close();
  await storage?.stop();
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  page = await browser.newPage();
  page.on('response', async (response) => {
    if (response.url() !== `${server.origin}/presign` || !response.ok()) return;
    const body = (await response.json().catch(() => ({}))) as { key?: string; uploadId?: string };
    if (body.key) keys.add(body.key);
    if (body.key && body.uploadId) started.push({ key: body.key, uploadId: body.uploadId });
  });
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'ready' in window, undefined, { timeout: STEP_MS });
});

afterEach(async () => {
  await page.context().setOffline(false);
  slowRgw.cut(false);
  await storage.start().catch(() => undefined);
  await closePage(page, () => (window as any).controller?.abort());
  await removeUploads(keys);
  keys.clear();
  started.splice(0);
});

/**
 * The network gone for {@link OUTAGE_MS}: Chromium's offline mode (navigator.onLine false, new
 * requests fail) and, on the wire, the connections in flight cut and new ones refused.
 */
async function dropNetwork() {
  await page.context().setOffline(true);
  slowRgw.cut(true);
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  slowRgw.cut(false);
  await page.context().setOffline(false);
}

// Each test waits for the upload (the file at the throttled rate), the outage, and a step per fault.
const FAULT_TEST_MS = transferMs(FILE_SIZE) + (FILE_SIZE / THROTTLE) * 1000 + OUTAGE_MS + 4 * STEP_MS;

describe('uploads in Chromium survive faults, with nothing lost and no upload left open', () => {
  it(
    'the storage crashes for 10 s in the middle of a multipart upload: retries with backoff, part URLs signed anew',
    async () => {
      // Prepare: part URLs live 12 s, so those signed before the outage have expired after it.
      usePresigner(slowStorage.endpoint, 12);
      const sha256 = await makeFile('crash.mp4');
      const puts = watchPartPuts(page, slowStorage.endpoint);
      const actions = watchActions(page, `${server.origin}/presign`);
      // Act
      const pending = uploadInLab(page, MULTIPART, 'crash.mp4');
      await expect.poll(() => started.length, { timeout: STEP_MS }).toBe(1);
      const { key, uploadId } = started[0]!;
      await expect
        .poll(async () => (await storedParts(key, uploadId)).length, { timeout: transferMs(FILE_SIZE) })
        .toBeGreaterThanOrEqual(2);
      await storage.kill();
      const signedBefore = actions.filter((action) => action === 'signParts').length;
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await storage.start();
      const outcome = await pending;
      await screenshot(page, 'client-fault-storage-crash');
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ key, method: 'MULTIPART', size: FILE_SIZE });
      await expectIntact(key, sha256);
      // Some part went more than once, and URLs were signed again after the outage.
      expect(puts.length).toBeGreaterThan(8);
      expect(actions.filter((action) => action === 'signParts').length).toBeGreaterThan(signedBefore);
    },
    FAULT_TEST_MS,
  );

  it(
    'the network drops for 10 s in the middle of a single PUT',
    async () => {
      // Prepare
      usePresigner(slowRgw.endpoint);
      const sha256 = await makeFile('offline-single.mp4');
      let puts = 0;
      page.on('request', (request) => void (request.method() === 'PUT' && puts++));
      // Act
      const pending = uploadInLab(page, SINGLE, 'offline-single.mp4');
      await expect.poll(() => percentInLab(page), { timeout: transferMs(FILE_SIZE) }).toBeGreaterThanOrEqual(20);
      await dropNetwork();
      const outcome = await pending;
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ method: 'PUT', size: FILE_SIZE });
      expect(puts).toBe(2);
      await expectIntact(outcome.result!.key, sha256);
    },
    FAULT_TEST_MS,
  );

  it(
    'the network drops for 10 s in the middle of a multipart upload',
    async () => {
      // Prepare
      usePresigner(slowRgw.endpoint);
      const sha256 = await makeFile('offline-parts.mp4');
      const puts = watchPartPuts(page, slowRgw.endpoint);
      // Act
      const pending = uploadInLab(page, MULTIPART, 'offline-parts.mp4');
      await expect.poll(() => started.length, { timeout: STEP_MS }).toBe(1);
      const { key, uploadId } = started[0]!;
      await expect
        .poll(async () => (await storedParts(key, uploadId)).length, { timeout: transferMs(FILE_SIZE) })
        .toBeGreaterThanOrEqual(2);
      await dropNetwork();
      const outcome = await pending;
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ key, method: 'MULTIPART', size: FILE_SIZE });
      expect(puts.length).toBeGreaterThan(8);
      await expectIntact(key, sha256);
    },
    FAULT_TEST_MS,
  );

  it(
    'the endpoint answers 503 twice, then 200',
    async () => {
      // Prepare
      const handler = usePresigner(rgw.endpoint);
      let calls = 0;
      server.route('POST', '/presign', (req, res) =>
        ++calls <= 2
          ? void res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAVAILABLE"}}')
          : handler(req, res),
      );
      const sha256 = await makeFile('flaky-endpoint.mp4');
      // Act
      const outcome = await uploadInLab(page, MULTIPART, 'flaky-endpoint.mp4');
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ method: 'MULTIPART', size: FILE_SIZE });
      expect(started).toHaveLength(1);
      await expectIntact(outcome.result!.key, sha256);
    },
    FAULT_TEST_MS,
  );

  it(
    'a part refused with a 4xx fails the upload naming the part, and the upload is aborted',
    async () => {
      // Prepare: RGW's answer to part 3 is replaced by a refusal the page can read.
      usePresigner(rgw.endpoint);
      await makeFile('refused.mp4');
      await page.route(
        (url) => url.searchParams.get('partNumber') === '3',
        (route) =>
          route.fulfill({
            status: 403,
            headers: { 'access-control-allow-origin': server.origin, 'content-type': 'application/xml' },
            body: '<Error><Code>AccessDenied</Code><Message>Part refused by the test.</Message></Error>',
          }),
      );
      // Act
      const outcome = await uploadInLab(page, MULTIPART, 'refused.mp4');
      // Assess
      expect(outcome.error).toMatchObject({ name: 'UploadError', stage: 'upload', status: 403, code: 'AccessDenied' });
      expect(outcome.error!.message).toContain('part 3');
      const { key } = started[0]!;
      await expect.poll(() => openUploads(key), { timeout: STEP_MS }).toEqual([]);
      expect(await openUploads(key, TEST_BUCKET)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});
