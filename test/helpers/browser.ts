import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { STEP_MS } from './bounds.js';

/** Debian's Chromium; the browser tests fail rather than skip without it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Where each tested page state is saved, to be looked at by a person; unset, none is taken, since
 * rendering and encoding them costs the suite CPU and no test reads them.
 */
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || undefined;

/** Headless Chromium as every browser test starts it: no sandbox (root), GPU, QUIC or background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  /** Uncaught errors of every page, so a test can assert the page itself did not break. */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh profile, so no cache, service worker or stored CORS
 * preflight from an earlier run can make a test pass.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH).`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'upload-presigner-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 900, height: 640 },
  });
  // Playwright's own default is 30 s for every action and wait; a page here does one step's work.
  context.setDefaultTimeout(STEP_MS);
  const errors: string[] = [];
  context.on('weberror', (error) => errors.push(error.error().message));
  return {
    context,
    errors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** What each page still runs on a test's behalf (see `track`). */
const pendingWork = new WeakMap<Page, Set<Promise<unknown>>>();

/**
 * Remembers work a test started in `page` without awaiting it at once (an upload it will cancel, a
 * response it will read), until it settles, so that `closePage` can wait for it.
 *
 * @example
 * const pending = track(page, page.evaluate(() => window.upload('big.mp4')));
 */
export function track<T>(page: Page, work: Promise<T>): Promise<T> {
  let pending = pendingWork.get(page);
  if (!pending) pendingWork.set(page, (pending = new Set()));
  const settled = work.then(
    () => void pending.delete(settled),
    () => void pending.delete(settled),
  );
  pending.add(settled);
  return work;
}

/**
 * Closes a page only once the work `track` holds for it has settled: `stop` (run in the page) first
 * cancels what a failed test left running. Closing a page under a pending `page.evaluate` rejects
 * it with "Target page closed", unhandled when the test stopped awaiting it.
 *
 * @example
 * afterEach(() => closePage(page, () => window.controller?.abort()));
 */
export async function closePage(page: Page, stop?: () => unknown): Promise<void> {
  const pending = [...(pendingWork.get(page) ?? [])];
  let stuck = false;
  if (pending.length > 0) {
    if (stop) await page.evaluate(stop).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STEP_MS)));
    stuck = await Promise.race([Promise.all(pending).then(() => false), timedOut]);
    clearTimeout(timer);
  }
  await page.close();
  if (stuck) throw new Error(`Work in the page was still pending ${STEP_MS} ms after it was told to stop.`);
}

/**
 * Saves what the page shows now as `SCREENSHOT_DIR/<name>.png` when SCREENSHOT_DIR is set; resolves
 * with the path, or undefined when none was taken.
 *
 * @example
 * await screenshot(page, 'client-put-done'); // SCREENSHOT_DIR=/tmp/screens npx vitest run ...
 */
export async function screenshot(page: Page, name: string): Promise<string | undefined> {
  if (!SCREENSHOT_DIR) return undefined;
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, timeout: STEP_MS });
  return path;
}

/**
 * Bytes as base64, the way to pass them to `page.evaluate`: Playwright serializes a number array
 * one element at a time (three of 200 KiB cost 3.5 s of CPU here), a string at once (50 ms). The
 * page decodes it with `Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))`.
 *
 * @example
 * await page.evaluate((base64) => new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))]), toBase64(jpeg));
 */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Draws a picture on a canvas and encodes it with the browser's own JPEG encoder, so the tests
 * upload a JPEG that any decoder accepts and that the page can show.
 */
export async function makeJpeg(page: Page, label = 'upload-presigner'): Promise<Buffer> {
  // A data URL (base64), not a number array: see toBase64.
  const dataUrl = await page.evaluate((text) => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 200;
    const draw = canvas.getContext('2d')!;
    const gradient = draw.createLinearGradient(0, 0, 320, 200);
    gradient.addColorStop(0, '#1d4ed8');
    gradient.addColorStop(1, '#f59e0b');
    draw.fillStyle = gradient;
    draw.fillRect(0, 0, 320, 200);
    draw.fillStyle = '#fff';
    draw.font = 'bold 24px sans-serif';
    draw.fillText(text, 20, 110);
    return canvas.toDataURL('image/jpeg', 0.9);
  }, label);
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
}
