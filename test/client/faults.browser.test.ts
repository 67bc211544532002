import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { STEP_MS, transferMs } from '../helpers/bounds.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, closePage, screenshot } from '../helpers/browser.js';
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
  storedSha256,
  uploadInLab,
  watchActions,
  watchPartPuts,
} from '../helpers/upload-lab.js';

const MIB = 1024 ** 2;
const OUTAGE_MS = 10_000;
/** 16 MiB in 5 MiB parts: 4 of them, the last one 1 MiB. */
const FILE_SIZE = 16 * MIB;
const PART_COUNT = 4;
/**
 * 1.6 MiB/s per connection: a 16 MiB upload takes 10 s however fast the machine, so each fault
 * lands mid-upload; the time is what the faults need, not the bytes, which cost CPU.
 */
const THROTTLE = 1.6 * MIB;
/** The file of the tests at full speed, whose faults are answers, not time: 3 parts, the least that has a part 3. */
const UNTHROTTLED_SIZE = 11 * MIB;
const MULTIPART = { multipartThreshold: 10 * MIB, partConcurrency: 2 };
const SINGLE = { multipartThreshold: Infinity };

let server: PageServer;
let storage: SecondRgw;
/** One Chromium for the file; each test has a fresh context of its own in it. */
let chromiumBrowser: Browser;
/** The second RGW behind a proxy that takes the browser's bytes at {@link THROTTLE}. */
let slowStorage: SlowProxy;

/**
 * One test's own browser context (offline mode is a context's, and each test drops only its own
 * network; a fresh context also shares no cache or stored CORS preflight), its own presign path and the uploads started there: the tests run side by side, since
 * most of each is a 10 s outage or a throttled upload, time spent waiting.
 */
interface Lab {
  page: Page;
  /** This test's presign endpoint, a path on the page server. */
  endpoint: string;
  /** Every upload the endpoint started, to check and clean up. */
  keys: Set<string>;
  started: { key: string; uploadId: string }[];
}

/** Opens a lab for the test named `name`, closed again when the test ends (whatever its outcome). */
async function openLab(name: string, onTestFinished: (cleanup: () => Promise<void>) => void): Promise<Lab> {
  const context = await chromiumBrowser.newContext({ viewport: { width: 900, height: 640 } });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const lab: Lab = { page, endpoint: `/presign/${name}`, keys: new Set(), started: [] };
  onTestFinished(async () => {
    await context.setOffline(false);
    await closePage(page, () => (window as any).controller?.abort());
    await context.close();
    await removeUploads(lab.keys);
  });
  page.on('response', async (response) => {
    if (response.url() !== `${server.origin}${lab.endpoint}` || !response.ok()) return;
    const body = (await response.json().catch(() => ({}))) as { key?: string; uploadId?: string };
    if (body.key) lab.keys.add(body.key);
    if (body.key && body.uploadId) lab.started.push({ key: body.key, uploadId: body.uploadId });
  });
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'ready' in window, undefined, { timeout: STEP_MS });
  return lab;
}

/** The lab's presign endpoint, its URLs aimed at `endpoint`. */
function usePresigner(lab: Lab, endpoint: string, expiresIn = 300) {
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
  server.route('POST', lab.endpoint, handler);
  return handler;
}

/** Uploads in the lab's page through the lab's endpoint. */
const upload = (lab: Lab, options: Record<string, unknown>, name: string) =>
  uploadInLab(lab.page, { ...options, endpoint: lab.endpoint }, name);

const makeFile = (lab: Lab, name: string, size = FILE_SIZE) =>
  lab.page.evaluate(([file, size]) => (window as any).makeFile(file, size, 'video/mp4') as Promise<string>, [
    name,
    size,
  ] as const);

/** No upload left open, and the object exactly the file. */
async function expectIntact(expect: ExpectStatic, key: string, sha256: string) {
  expect(await storedSha256(key)).toBe(sha256);
  expect(await openUploads(key)).toEqual([]);
}

beforeAll(async () => {
  server = await startPageServer();
  server.serve('/', 'text/html; charset=utf-8', LAB_PAGE);
  server.serve('/page.js', 'text/javascript', await bundleForBrowser(LAB_ENTRY));
  storage = await startSecondRgw();
  slowStorage = await startSlowProxy(storage.endpoint, THROTTLE);
  // A browser rather than launchBrowser's persistent context: contexts cost a fraction
  // of a Chromium start, which five tests would each pay.
  chromiumBrowser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await chromiumBrowser?.close();
  await slowStorage?.close();
  await storage?.stop();
  await server?.close();
});

/**
 * The network gone for {@link OUTAGE_MS}: Chromium's offline mode (navigator.onLine false, new
 * requests fail) and, on the wire, the connections in flight cut and new ones refused.
 */
async function dropNetwork(lab: Lab, proxy: SlowProxy) {
  await lab.page.context().setOffline(true);
  proxy.cut(true);
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  proxy.cut(false);
  await lab.page.context().setOffline(false);
}

/** A proxy of the test's own to the shared RGW, throttled, that only this test cuts. */
async function slowRgwFor(onTestFinished: (cleanup: () => Promise<void>) => void): Promise<SlowProxy> {
  const proxy = await startSlowProxy(rgw.endpoint, THROTTLE);
  onTestFinished(() => proxy.close());
  return proxy;
}

/**
 * Whether a third part has been sent (parts 1 and 2 go side by side, so one of them is stored): a
 * fault now lands on part 3 in flight, 5 MiB at {@link THROTTLE}, not in the gap before it, when
 * only signing its URL would fail. Read from the page's requests, at once, not by listing the parts
 * on RGW: at load 21 a listing outlasted part 3, and the fault came after the upload.
 */
const inTheMiddle = (puts: number[]) => () => puts.length >= 3;

// Each test waits for the upload (the file at the throttled rate), the outage, and a step per fault.
const FAULT_TEST_MS = transferMs(FILE_SIZE) + (FILE_SIZE / THROTTLE) * 1000 + OUTAGE_MS + 4 * STEP_MS;

describe.concurrent('uploads in Chromium survive faults, with nothing lost and no upload left open', () => {
  it(
    'the storage crashes for 10 s in the middle of a multipart upload: retries with backoff, part URLs signed anew',
    async ({ expect, onTestFinished }) => {
      // Prepare: part URLs live 12 s, so those signed before the outage have expired after it. The
      // second RGW is this test's alone: no other test's upload goes through it.
      onTestFinished(() => storage.start().catch(() => undefined));
      const lab = await openLab('crash', onTestFinished);
      usePresigner(lab, slowStorage.endpoint, 12);
      const sha256 = await makeFile(lab, 'crash.mp4');
      const puts = watchPartPuts(lab.page, slowStorage.endpoint);
      const actions = watchActions(lab.page, `${server.origin}${lab.endpoint}`);
      // Act
      const pending = upload(lab, MULTIPART, 'crash.mp4');
      await expect.poll(() => lab.started.length, { timeout: STEP_MS }).toBe(1);
      const { key } = lab.started[0]!;
      await expect.poll(inTheMiddle(puts), { timeout: transferMs(FILE_SIZE) }).toBe(true);
      await storage.kill();
      const signedBefore = actions.filter((action) => action === 'signParts').length;
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await storage.start();
      const outcome = await pending;
      await screenshot(lab.page, 'client-fault-storage-crash');
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ key, method: 'MULTIPART', size: FILE_SIZE });
      await expectIntact(expect, key, sha256);
      // Some part went more than once, and URLs were signed again after the outage.
      expect(puts.length).toBeGreaterThan(PART_COUNT);
      expect(actions.filter((action) => action === 'signParts').length).toBeGreaterThan(signedBefore);
    },
    FAULT_TEST_MS,
  );

  it(
    'the network drops for 10 s in the middle of a single PUT',
    async ({ expect, onTestFinished }) => {
      // Prepare
      const slowRgw = await slowRgwFor(onTestFinished);
      const lab = await openLab('offline-single', onTestFinished);
      usePresigner(lab, slowRgw.endpoint);
      const sha256 = await makeFile(lab, 'offline-single.mp4');
      let puts = 0;
      lab.page.on('request', (request) => void (request.method() === 'PUT' && puts++));
      // Act
      const pending = upload(lab, SINGLE, 'offline-single.mp4');
      await expect.poll(() => percentInLab(lab.page), { timeout: transferMs(FILE_SIZE) }).toBeGreaterThanOrEqual(20);
      await dropNetwork(lab, slowRgw);
      const outcome = await pending;
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ method: 'PUT', size: FILE_SIZE });
      expect(puts).toBe(2);
      await expectIntact(expect, outcome.result!.key, sha256);
    },
    FAULT_TEST_MS,
  );

  it(
    'the network drops for 10 s in the middle of a multipart upload',
    async ({ expect, onTestFinished }) => {
      // Prepare
      const slowRgw = await slowRgwFor(onTestFinished);
      const lab = await openLab('offline-parts', onTestFinished);
      usePresigner(lab, slowRgw.endpoint);
      const sha256 = await makeFile(lab, 'offline-parts.mp4');
      const puts = watchPartPuts(lab.page, slowRgw.endpoint);
      // Act
      const pending = upload(lab, MULTIPART, 'offline-parts.mp4');
      await expect.poll(() => lab.started.length, { timeout: STEP_MS }).toBe(1);
      const { key } = lab.started[0]!;
      await expect.poll(inTheMiddle(puts), { timeout: transferMs(FILE_SIZE) }).toBe(true);
      await dropNetwork(lab, slowRgw);
      const outcome = await pending;
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ key, method: 'MULTIPART', size: FILE_SIZE });
      expect(puts.length).toBeGreaterThan(PART_COUNT);
      await expectIntact(expect, key, sha256);
    },
    FAULT_TEST_MS,
  );

  it(
    'the endpoint answers 503 twice, then 200',
    async ({ expect, onTestFinished }) => {
      // Prepare
      const lab = await openLab('flaky-endpoint', onTestFinished);
      const handler = usePresigner(lab, rgw.endpoint);
      let calls = 0;
      server.route('POST', lab.endpoint, (req, res) =>
        ++calls <= 2
          ? void res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAVAILABLE"}}')
          : handler(req, res),
      );
      const sha256 = await makeFile(lab, 'flaky-endpoint.mp4', UNTHROTTLED_SIZE);
      // Act
      const outcome = await upload(lab, MULTIPART, 'flaky-endpoint.mp4');
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ method: 'MULTIPART', size: UNTHROTTLED_SIZE });
      expect(lab.started).toHaveLength(1);
      await expectIntact(expect, outcome.result!.key, sha256);
    },
    FAULT_TEST_MS,
  );

  it(
    'a part refused with a 4xx fails the upload naming the part, and the upload is aborted',
    async ({ expect, onTestFinished }) => {
      // Prepare: RGW's answer to part 3 is replaced by a refusal the page can read.
      const lab = await openLab('refused', onTestFinished);
      usePresigner(lab, rgw.endpoint);
      await makeFile(lab, 'refused.mp4', UNTHROTTLED_SIZE);
      await lab.page.route(
        (url) => url.searchParams.get('partNumber') === '3',
        (route) =>
          route.fulfill({
            status: 403,
            headers: { 'access-control-allow-origin': server.origin, 'content-type': 'application/xml' },
            body: '<Error><Code>AccessDenied</Code><Message>Part refused by the test.</Message></Error>',
          }),
      );
      // Act
      const outcome = await upload(lab, MULTIPART, 'refused.mp4');
      // Assess
      expect(outcome.error).toMatchObject({ name: 'UploadError', stage: 'upload', status: 403, code: 'AccessDenied' });
      expect(outcome.error!.message).toContain('part 3');
      const { key } = lab.started[0]!;
      await expect.poll(() => openUploads(key), { timeout: STEP_MS }).toEqual([]);
      expect(await openUploads(key, TEST_BUCKET)).toEqual([]);
    },
    FAULT_TEST_MS,
  );
});
