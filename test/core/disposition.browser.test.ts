import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PresignerOptions } from '../../src/index.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

// Whether a stored object is dangerous is decided by opening it in Chromium: a document served
// with the signed `Content-Disposition: attachment` is downloaded, and its script never runs on
// the bucket's origin.

const SCRIPTED = {
  svg: {
    fileName: 'logo.svg',
    contentType: 'image/svg+xml',
    body: `<svg xmlns="http://www.w3.org/2000/svg" onload="document.title='script ran'"><rect width="9" height="9"/></svg>`,
  },
  html: {
    fileName: 'page.html',
    contentType: 'text/html',
    body: `<!doctype html><title>page</title><script>document.title='script ran'</script>`,
  },
};
const OPEN_MS = 15_000;

let browser: TestBrowser;
let page: Page;

/** Uploads `file` through a presigned PUT and returns a presigned GET URL of the stored object. */
async function storedUrl(file: (typeof SCRIPTED)['svg'], options: Partial<PresignerOptions<unknown, 'PUT'>> = {}) {
  const presigned = await rgwPresigner({ allowedTypes: [file.contentType], ...options }).presign(file);
  const response = await fetch(presigned.uploadUrl, { method: 'PUT', headers: presigned.headers, body: file.body });
  expect(response.status).toBe(200);
  return getSignedUrl(rgwClient(), new GetObjectCommand({ Bucket: TEST_BUCKET, Key: presigned.key }), {
    expiresIn: 300,
  });
}

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  page = await browser.newPage();
});

afterEach(async () => {
  await page?.close();
});

describe('a stored document opened in Chromium', () => {
  it.each(['svg', 'html'] as const)(
    '%s: is downloaded under its safe name, and its script never runs',
    async (kind) => {
      // Prepare
      const url = await storedUrl(SCRIPTED[kind]);
      // Act
      const download = page.waitForEvent('download', { timeout: OPEN_MS });
      const navigation = page.goto(url, { timeout: OPEN_MS }).catch((error: Error) => error);
      // Assess
      expect((await download).suggestedFilename()).toBe(SCRIPTED[kind].fileName);
      expect(await navigation).toBeInstanceOf(Error); // "Download is starting": no page was rendered
      expect(await page.title()).not.toBe('script ran');
    },
  );

  it('served inline (contentDisposition: "inline"), the same SVG renders and runs its script: what the default prevents', async () => {
    // Prepare
    const url = await storedUrl(SCRIPTED.svg, { contentDisposition: 'inline' });
    // Act
    await page.goto(url, { timeout: OPEN_MS });
    // Assess
    await expect.poll(() => page.title(), { timeout: OPEN_MS }).toBe('script ran');
  });
});
