import type { Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { STEP_MS, transferMs } from '../helpers/bounds.js';
import { closePage, launchBrowser, screenshot, track, type TestBrowser } from '../helpers/browser.js';
import { bundleForBrowser, startPageServer, type PageServer } from '../helpers/page-server.js';
import { rgw, rgwPresigner } from '../helpers/s3.js';
import {
  LAB_ENTRY,
  LAB_PAGE,
  openUploads,
  randomFileOnDisk,
  removeUploads,
  storedParts,
  storedSha256,
  uploadInLab,
  watchActions,
  watchPartPuts,
} from '../helpers/upload-lab.js';

const MIB = 1024 ** 2;
/** 11 MiB in 5 MiB parts: 3 of them, the last one shorter, the fewest bytes that leave parts to resume. */
const FILE_SIZE = 11 * MIB;
const PART_COUNT = 3;
const OPTIONS = { multipartThreshold: 10 * MIB, partConcurrency: 1, retryDelay: 50 };
/**
 * The files of the tests whose parts never reach RGW: the smallest that are still multipart uploads
 * (of one part), since what those tests check is the records kept, not the bytes.
 */
const UNSENT_SIZE = 64 * 1024;
const UNSENT_OPTIONS = { ...OPTIONS, multipartThreshold: UNSENT_SIZE };

let server: PageServer;
let browser: TestBrowser;
let page: Page;
let file: Awaited<ReturnType<typeof randomFileOnDisk>>;
/** Every upload the endpoint started, to check and clean up. */
const started: { key: string; uploadId: string }[] = [];

function videoPresigner(secret = 'resume-browser-test-secret-0123456789', prefix = 'uploads/') {
  return rgwPresigner({
    allowedTypes: ['video/mp4'],
    maxSize: 64 * MIB,
    multipartSecret: secret,
    partSize: 5 * MIB,
    prefix,
  });
}

function usePresigner(secret?: string) {
  server.route('POST', '/presign', toExpressHandler(videoPresigner(secret)));
}

async function openLab() {
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'ready' in window, undefined, { timeout: STEP_MS });
  await page.setInputFiles('#file', file.path);
}

/**
 * Starts the upload with parts from `heldFrom` on held back (they never reach RGW), waits until the
 * parts before are stored, and reloads the page: an upload interrupted in the middle.
 */
async function interruptAt(
  heldFrom: number,
  options: Record<string, unknown> = OPTIONS,
  via: 'upload' | 'uploadMany' = 'upload',
) {
  const held: Route[] = [];
  const isHeld = (url: URL) => Number(url.searchParams.get('partNumber')) >= heldFrom;
  await page.route(isHeld, (route) => void held.push(route));
  // The page dies with the reload: its upload never settles.
  void page.evaluate(([options, via]) => (window as any)[via](options), [options, via] as const).catch(() => undefined);
  await expect.poll(() => held.length, { timeout: transferMs(FILE_SIZE) }).toBe(1);
  const { key, uploadId } = started.at(-1)!;
  expect(await storedParts(key, uploadId)).toEqual(Array.from({ length: heldFrom - 1 }, (_, i) => i + 1));
  // Reloaded while the route still holds the parts: unrouted first, a held part goes on to RGW and,
  // on a slow day, lands before the reload cancels it.
  await page.reload({ timeout: STEP_MS });
  await page.unroute(isHeld);
  await page.waitForFunction(() => 'ready' in window, undefined, { timeout: STEP_MS });
  await page.setInputFiles('#file', file.path);
  return { key, uploadId };
}

const records = () => page.evaluate(() => (window as any).resumeRecords() as Promise<[string, unknown][]>);

beforeAll(async () => {
  server = await startPageServer();
  server.serve('/', 'text/html; charset=utf-8', LAB_PAGE);
  server.serve('/page.js', 'text/javascript', await bundleForBrowser(LAB_ENTRY));
  browser = await launchBrowser();
  file = await randomFileOnDisk('resume.mp4', FILE_SIZE);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await file?.remove();
});

beforeEach(async () => {
  page = await browser.newPage();
  page.on('response', async (response) => {
    if (response.url() !== `${server.origin}/presign` || !response.ok()) return;
    if (response.request().postDataJSON()?.action !== 'createMultipart') return;
    started.push((await response.json()) as { key: string; uploadId: string });
  });
  usePresigner();
  await openLab();
  await page.evaluate(() => (window as any).clearResumable());
});

afterEach(async () => {
  await closePage(page, () => (window as any).controller?.abort());
  await removeUploads(new Set(started.splice(0).map(({ key }) => key)));
});

describe('uploadFile resumes an interrupted multipart upload in Chromium against Ceph RGW', () => {
  it(
    'after a reload at the first part, the same file picked again sends only the missing parts and completes byte-identical',
    async () => {
      // Prepare: part 1 of 3 stored, then the page reloads (part 2 never got through).
      const puts = watchPartPuts(page, rgw.endpoint);
      const actions = watchActions(page, `${server.origin}/presign`);
      const { key, uploadId } = await interruptAt(2);
      const before = { puts: puts.splice(0), actions: actions.splice(0) };
      expect(await records()).toHaveLength(1);
      // Act
      const outcome = await uploadInLab(page, OPTIONS);
      await screenshot(page, 'client-resume-after-reload');
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ key, method: 'MULTIPART', size: FILE_SIZE });
      expect(before.puts).toEqual([1, 2]);
      // After the reload: the storage's list decided, and only the missing parts went.
      expect(puts).toEqual([2, 3]);
      expect(actions).not.toContain('createMultipart');
      expect(actions.filter((action) => action === 'listParts')).toHaveLength(1);
      expect(await storedSha256(key)).toBe(file.sha256);
      expect(await openUploads(key)).toEqual([]);
      expect(started.map((upload) => upload.uploadId)).toEqual([uploadId]);
      // A completed upload is forgotten.
      expect(await records()).toEqual([]);
      expect(browser.errors).toEqual([]);
    },
    transferMs(2 * FILE_SIZE) + 4 * STEP_MS,
  );

  it(
    'uploadFiles resumes too: after a reload, the picked file sends only its missing parts, beside a small file',
    async () => {
      // Prepare: part 1 of 3 stored by uploadFiles, then the page reloads.
      const puts = watchPartPuts(page, rgw.endpoint);
      const { key, uploadId } = await interruptAt(2, OPTIONS, 'uploadMany');
      const stored = await storedParts(key, uploadId);
      await page.evaluate(() => (window as any).makeFile('small.mp4', 1024, 'video/mp4'));
      puts.splice(0);
      // Act
      const files = await track(
        page,
        page.evaluate(
          (options) => (window as any).uploadMany(options, ['small.mp4']) as Promise<{ status: string; key: string }[]>,
          OPTIONS,
        ),
      );
      // Assess
      expect(files.map((file) => file.status)).toEqual(['done', 'done']);
      expect(files[0]!.key).toBe(key);
      expect(stored.length).toBeGreaterThanOrEqual(1);
      expect(puts).toEqual(Array.from({ length: PART_COUNT }, (_, i) => i + 1).filter((n) => !stored.includes(n)));
      expect(await storedSha256(key)).toBe(file.sha256);
      expect(await openUploads(key)).toEqual([]);
      expect(await records()).toEqual([]);
      await removeUploads([files[1]!.key]);
    },
    transferMs(2 * FILE_SIZE) + 4 * STEP_MS,
  );

  it(
    'starts over when the kept token has expired or expires within 10 minutes, and when the endpoint no longer accepts it',
    async () => {
      // Prepare: an interrupted upload whose record says its token expired a minute ago.
      const puts = watchPartPuts(page, rgw.endpoint);
      const expired = await interruptAt(2);
      await page.evaluate((at) => (window as any).ageRecords(at), new Date(Date.now() - 60_000).toISOString());
      puts.splice(0);
      // Act
      const afterExpiry = await uploadInLab(page, OPTIONS);
      // Assess: a new upload, every part sent.
      expect(afterExpiry.error).toBeUndefined();
      expect(afterExpiry.result!.key).not.toBe(expired.key);
      expect(puts.splice(0)).toEqual(Array.from({ length: PART_COUNT }, (_, i) => i + 1));
      expect(await storedSha256(afterExpiry.result!.key)).toBe(file.sha256);
      expect(await records()).toEqual([]);

      // Prepare: another interrupted upload whose token the endpoint still accepts, but for 5 minutes
      // only by its record: too little to be sure of finishing, so it starts over too.
      const closeToExpiry = await interruptAt(2);
      await page.evaluate((at) => (window as any).ageRecords(at), new Date(Date.now() + 5 * 60_000).toISOString());
      puts.splice(0);
      // Act
      const afterCloseToExpiry = await uploadInLab(page, OPTIONS);
      // Assess
      expect(afterCloseToExpiry.error).toBeUndefined();
      expect(afterCloseToExpiry.result!.key).not.toBe(closeToExpiry.key);
      expect(puts.splice(0)).toEqual(Array.from({ length: PART_COUNT }, (_, i) => i + 1));
      expect(await records()).toEqual([]);

      // Prepare: another interrupted upload, then the endpoint's secret changes (a foreign token).
      const foreign = await interruptAt(2);
      usePresigner('another-secret-for-the-resume-test-012345');
      puts.splice(0);
      // Act
      const afterForeign = await uploadInLab(page, OPTIONS);
      // Assess
      expect(afterForeign.error).toBeUndefined();
      expect(afterForeign.result!.key).not.toBe(foreign.key);
      expect(puts).toEqual(Array.from({ length: PART_COUNT }, (_, i) => i + 1));
      expect(await storedSha256(afterForeign.result!.key)).toBe(file.sha256);
      expect(await openUploads(afterForeign.result!.key)).toEqual([]);
      expect(await records()).toEqual([]);
    },
    transferMs(6 * FILE_SIZE) + 8 * STEP_MS,
  );

  it(
    'keeps the interrupted upload when the endpoint fails for a while as the file is picked again, and resumes it later',
    async () => {
      // Prepare: part 1 of 3 stored, the page reloaded, and the endpoint down (503) for now.
      const puts = watchPartPuts(page, rgw.endpoint);
      const { key, uploadId } = await interruptAt(2);
      const isEndpoint = (url: URL) => url.pathname === '/presign';
      await page.route(isEndpoint, (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: '{"error":{"code":"INTERNAL_ERROR","message":"Down for maintenance."}}',
        }),
      );
      // Act
      const whileDown = await uploadInLab(page, OPTIONS);
      // Assess: the upload fails, and what the storage holds is still kept for the next try.
      expect(whileDown.error).toMatchObject({ stage: 'presign', status: 503 });
      expect(await records()).toHaveLength(1);
      expect(await openUploads(key)).toEqual([uploadId]);

      // Act: the endpoint is back.
      await page.unroute(isEndpoint);
      const stored = await storedParts(key, uploadId);
      puts.splice(0);
      const afterwards = await uploadInLab(page, OPTIONS);
      // Assess: only the parts the storage lacked were sent.
      expect(afterwards.error).toBeUndefined();
      expect(afterwards.result).toMatchObject({ key, method: 'MULTIPART', size: FILE_SIZE });
      expect(stored.length).toBeGreaterThanOrEqual(1);
      expect(puts).toEqual(Array.from({ length: PART_COUNT }, (_, i) => i + 1).filter((n) => !stored.includes(n)));
      expect(await storedSha256(key)).toBe(file.sha256);
      expect(await openUploads(key)).toEqual([]);
      expect(await records()).toEqual([]);
    },
    transferMs(2 * FILE_SIZE) + 6 * STEP_MS,
  );

  it(
    'resumes only under the profile the upload was made for: the same file under another profile starts over',
    async () => {
      // Prepare: one endpoint, two profiles with the same rules and secret but their own prefixes;
      // part 1 of 3 stored under "clips", then the page reloads.
      const secret = 'resume-browser-test-secret-0123456789';
      const profiles = { clips: videoPresigner(secret, 'clips/'), trailers: videoPresigner(secret, 'trailers/') };
      server.route('POST', '/presign', toExpressHandler(profiles));
      const puts = watchPartPuts(page, rgw.endpoint);
      const actions = watchActions(page, `${server.origin}/presign`);
      const clips = await interruptAt(2, { ...OPTIONS, profile: 'clips' });
      puts.splice(0);
      actions.splice(0);
      // Act: the same file under "trailers", then under "clips".
      const underTrailers = await uploadInLab(page, { ...OPTIONS, profile: 'trailers' });
      const trailersSent = { puts: puts.splice(0), actions: actions.splice(0) };
      const recordsBetween = await records();
      const underClips = await uploadInLab(page, { ...OPTIONS, profile: 'clips' });
      // Assess: "trailers" never touched the "clips" upload, and made its own under its own prefix.
      expect(underTrailers.error).toBeUndefined();
      expect(underTrailers.result!.key).toMatch(/^trailers\//);
      expect(trailersSent.puts).toEqual(Array.from({ length: PART_COUNT }, (_, i) => i + 1));
      expect(trailersSent.actions).not.toContain('listParts');
      expect(trailersSent.actions).not.toContain('abortMultipart');
      expect(await storedSha256(underTrailers.result!.key)).toBe(file.sha256);
      expect(recordsBetween).toHaveLength(1);
      // "clips" resumed its own upload: only the missing parts went.
      expect(underClips.error).toBeUndefined();
      expect(underClips.result).toMatchObject({ key: clips.key, method: 'MULTIPART', size: FILE_SIZE });
      expect(puts).toEqual([2, 3]);
      expect(actions).not.toContain('createMultipart');
      expect(await storedSha256(clips.key)).toBe(file.sha256);
      expect(await openUploads(clips.key)).toEqual([]);
      expect(await openUploads(underTrailers.result!.key)).toEqual([]);
      expect(await records()).toEqual([]);
      expect(browser.errors).toEqual([]);
    },
    transferMs(3 * FILE_SIZE) + 6 * STEP_MS,
  );

  it(
    'does not resume for another file with the same name, size, type and date that differs at its start or end',
    async () => {
      // Prepare: part 1 of 3 stored, then the page reloads; the picked file's upload is kept.
      const original = await interruptAt(2);
      const actions = watchActions(page, `${server.origin}/presign`);
      for (const position of [FILE_SIZE - 1, 0]) {
        // Act: a file that is the picked one but for one byte at its end, then at its start.
        const name = `changed-at-${position}`;
        const sha256 = await page.evaluate(
          ([name, position]) => (window as any).makeVariant(name, undefined, position) as Promise<string>,
          [name, position] as const,
        );
        const outcome = await uploadInLab(page, OPTIONS, name);
        // Assess: an upload of its own, stored as its own bytes; the kept one untouched.
        expect(outcome.error).toBeUndefined();
        expect(outcome.result!.key).not.toBe(original.key);
        const asked = actions.splice(0);
        expect(asked.filter((action) => action === 'createMultipart')).toHaveLength(1);
        expect(asked).not.toContain('listParts');
        expect(await storedSha256(outcome.result!.key)).toBe(sha256);
      }
      const kept = await records();
      expect(kept.map(([, record]) => (record as any).upload.key)).toEqual([original.key]);
    },
    transferMs(3 * FILE_SIZE) + 6 * STEP_MS,
  );

  it('forgets an upload that was cancelled or failed for good, and leaves it open nowhere', async () => {
    // Prepare: parts held back, so the first upload is in flight when it is cancelled.
    const holdParts = (url: URL) => url.searchParams.has('partNumber');
    await page.route(holdParts, () => undefined);
    await page.evaluate((size) => (window as any).makeFile('cancelled.mp4', size, 'video/mp4'), UNSENT_SIZE);
    const cancelled = uploadInLab(page, UNSENT_OPTIONS, 'cancelled.mp4');
    await expect.poll(async () => (await records()).length, { timeout: STEP_MS }).toBe(1);
    // Act
    await page.evaluate(() => (window as any).controller.abort());
    // Assess
    expect((await cancelled).error).toMatchObject({ name: 'AbortError' });
    expect(await records()).toEqual([]);
    await expect.poll(() => started.length, { timeout: STEP_MS }).toBe(1);
    expect(await openUploads(started[0]!.key)).toEqual([]);

    // Prepare: RGW's part answers replaced by a refusal that no retry changes.
    await page.unroute(holdParts);
    await page.route(holdParts, (route) =>
      route.fulfill({ status: 403, body: '<Error><Code>AccessDenied</Code></Error>' }),
    );
    await page.evaluate((size) => (window as any).makeFile('refused.mp4', size, 'video/mp4'), UNSENT_SIZE);
    // Act
    const refused = await uploadInLab(page, UNSENT_OPTIONS, 'refused.mp4');
    // Assess
    expect(refused.error).toMatchObject({ stage: 'upload', status: 403 });
    expect(await records()).toEqual([]);
    await expect.poll(() => started.length, { timeout: STEP_MS }).toBe(2);
    expect(await openUploads(started[1]!.key)).toEqual([]);
  });

  it('keeps nothing with `resume: false`', async () => {
    // Prepare: parts held back, so the upload is in flight while the records are read.
    const held: Route[] = [];
    await page.route(
      (url) => url.searchParams.has('partNumber'),
      (route) => void held.push(route),
    );
    await page.evaluate((size) => (window as any).makeFile('unkept.mp4', size, 'video/mp4'), UNSENT_SIZE);
    // Act
    const outcome = uploadInLab(page, { ...UNSENT_OPTIONS, resume: false }, 'unkept.mp4');
    await expect.poll(() => held.length, { timeout: STEP_MS }).toBe(1);
    // Assess: a part is on its way, and no record was kept before it (as one is when resuming is on).
    expect(await records()).toEqual([]);
    await page.evaluate(() => (window as any).controller.abort());
    expect((await outcome).error).toMatchObject({ name: 'AbortError' });
  });

  it(
    'uploads as usual, keeping nothing, where the page has no Web Crypto (an insecure origin)',
    async () => {
      // Prepare: a page without crypto.subtle, as on plain HTTP.
      await page.addInitScript(() => Object.defineProperty(crypto, 'subtle', { value: undefined }));
      await openLab();
      const held: Route[] = [];
      const isHeld = (url: URL) => Number(url.searchParams.get('partNumber')) >= 2;
      await page.route(isHeld, (route) => void held.push(route));
      // Act
      const outcome = uploadInLab(page, OPTIONS);
      await expect.poll(() => held.length, { timeout: transferMs(FILE_SIZE) }).toBe(1);
      const recordsMidway = await records();
      await page.unroute(isHeld);
      // Assess
      expect(recordsMidway).toEqual([]);
      const { result, error } = await outcome;
      expect(error).toBeUndefined();
      expect(await storedSha256(result!.key)).toBe(file.sha256);
      expect(await openUploads(result!.key)).toEqual([]);
      expect(await page.evaluate(() => typeof crypto.subtle)).toBe('undefined');
    },
    transferMs(FILE_SIZE) + 4 * STEP_MS,
  );

  it('keeps at most 20 interrupted uploads, forgetting the oldest, and clears them on request', async () => {
    // Prepare: no part ever reaches RGW, so every upload stays interrupted.
    await page.route(
      (url) => url.searchParams.has('partNumber'),
      () => undefined,
    );
    // Act: 22 uploads of 22 different files, one after the other.
    for (let index = 0; index < 22; index++) {
      const name = `kept-${index}.mp4`;
      await page.evaluate(([file, size]) => (window as any).makeFile(file, size, 'video/mp4'), [
        name,
        UNSENT_SIZE,
      ] as const);
      void page
        .evaluate(([options, file]) => (window as any).upload(options, file), [UNSENT_OPTIONS, name] as const)
        .catch(() => undefined);
      await expect.poll(() => started.length, { timeout: STEP_MS }).toBe(index + 1);
      await expect
        .poll(async () => (await records()).some(([, record]) => (record as any).upload.key === started[index]!.key), {
          timeout: STEP_MS,
        })
        .toBe(true);
    }
    await page.reload({ timeout: STEP_MS });
    await page.waitForFunction(() => 'ready' in window, undefined, { timeout: STEP_MS });
    // Assess: the 20 newest are kept.
    const kept = (await records()).map(([, record]) => (record as any).upload.key as string);
    expect(kept.sort()).toEqual(
      started
        .slice(2)
        .map(({ key }) => key)
        .sort(),
    );
    await page.evaluate(() => (window as any).clearResumable());
    expect(await records()).toEqual([]);
  });
});
