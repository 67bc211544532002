import { readFile, readdir, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { STEP_MS } from '../helpers/bounds.js';
import { launchBrowser, makeJpeg, screenshot, type TestBrowser } from '../helpers/browser.js';
import { startPageServer, type PageServer } from '../helpers/page-server.js';
import { rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = join(ROOT, 'examples/react-upload');
const MAX_SIZE = 1024 * 1024;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

let outDir: string;
let server: PageServer;
let browser: TestBrowser;
let page: Page;

/**
 * Builds the example with its own vite.config.ts, as `npm run build` in its folder would, except
 * that `upload-presigner/client` and `/react` resolve to this repository's source instead of the npm release.
 */
async function buildExample(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'react-upload-build-'));
  await build({
    root: EXAMPLE,
    configFile: join(EXAMPLE, 'vite.config.ts'),
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

/** Picks a file as a person would and waits for the page's verdict. */
async function pick(name: string, mimeType: string, buffer: Buffer): Promise<void> {
  await page.locator('input[type=file]').setInputFiles({ name, mimeType, buffer });
  await page.waitForSelector('[role=status], [role=alert]', { timeout: STEP_MS });
}

beforeAll(async () => {
  outDir = await buildExample();
  server = await startPageServer();
  await serveDirectory(outDir);
  // The two routes the example's README asks its server for: presign, and view through a presigned GET.
  server.route(
    'POST',
    '/api/presign',
    toExpressHandler(rgwPresigner({ allowedTypes: ['image/jpeg', 'image/png'], maxSize: MAX_SIZE })),
  );
  server.route('GET', '/api/view', async (req, res) => {
    const key = new URL(req.url!, server.origin).searchParams.get('key')!;
    const url = await getSignedUrl(rgwClient(), new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }), {
      expiresIn: 60,
    });
    res.writeHead(302, { location: url }).end();
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

beforeEach(async () => {
  page = await browser.newPage();
  // Every progress value the bar shows, recorded before the app starts.
  await page.addInitScript(() => {
    const seen: number[] = [];
    (window as unknown as { progressSeen: number[] }).progressSeen = seen;
    new MutationObserver(() => {
      const value = document.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow');
      if (value !== null && value !== undefined && Number(value) !== seen.at(-1)) seen.push(Number(value));
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForSelector('input[type=file]', { state: 'attached', timeout: STEP_MS });
});

afterEach(async () => {
  await page?.close();
});

describe('examples/react-upload in Chromium against Ceph RGW', () => {
  it('uploads a chosen JPEG: progress reaches 100%, RGW holds the same bytes and type, and the page shows it', async () => {
    // Prepare
    const jpeg = await makeJpeg(page, 'react example');
    // Act
    await pick('sunset.jpg', 'image/jpeg', jpeg);
    await page.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('figure img');
        return img !== null && img.complete && img.naturalWidth > 0;
      },
      undefined,
      { timeout: STEP_MS },
    );
    await screenshot(page, 'react-uploaded');
    // Assess
    expect(await page.locator('[role=status]').textContent()).toBe('Uploaded sunset.jpg');
    const progress = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const key = (await page.locator('figcaption').textContent())!;
    expect(key).toMatch(/^uploads\/[0-9a-f-]{36}-sunset\.jpg$/);
    const object = await rgwClient().send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(jpeg)).toBe(true);
    expect(object.ContentType).toBe('image/jpeg');
    expect(
      await page.locator('figure img').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]),
    ).toEqual([320, 200]);
    expect(browser.errors).toEqual([]);
  });

  it('uploads several images at once; a refused one shows its reason beside the others', async () => {
    // Prepare
    const [first, second] = [await makeJpeg(page, 'first'), await makeJpeg(page, 'second')];
    // Act
    await page.locator('input[type=file]').setInputFiles([
      { name: 'first.jpg', mimeType: 'image/jpeg', buffer: first },
      { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n') },
      { name: 'second.jpg', mimeType: 'image/jpeg', buffer: second },
    ]);
    await expect
      .poll(() => page.locator('[role=status]').allTextContents(), { timeout: STEP_MS })
      .toEqual(['Uploaded first.jpg', 'Uploaded second.jpg']);
    await screenshot(page, 'react-several');
    // Assess
    expect(await page.locator('li[data-name="notes.pdf"] [role=alert]').textContent()).toBe(
      'This file type is not accepted. Uploads of type application/pdf are not allowed.',
    );
    const keys = await page.locator('figcaption').allTextContents();
    for (const [key, bytes] of [
      [keys[0]!, first],
      [keys[1]!, second],
    ] as const) {
      const object = await rgwClient().send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      expect(Buffer.from(await object.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    }
    expect(browser.errors).toEqual([]);
  });

  it('refuses a disallowed type with the message the user sees', async () => {
    // Act
    await pick('report.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n'));
    await screenshot(page, 'react-type-refused');
    // Assess
    expect(await page.locator('[role=alert]').textContent()).toBe(
      'This file type is not accepted. Uploads of type application/pdf are not allowed.',
    );
    expect(await page.locator('figure').count()).toBe(0);
  });

  it('refuses an oversize file with the message the user sees', async () => {
    // Act
    await pick('huge.jpg', 'image/jpeg', Buffer.alloc(MAX_SIZE + 1));
    await screenshot(page, 'react-too-large');
    // Assess
    expect(await page.locator('[role=alert]').textContent()).toBe(
      'This file is too large. The file is 1 MiB (1,048,577 bytes), 1 byte over the limit of 1 MiB.',
    );
  });
});
