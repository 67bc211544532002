import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WILDCARD_TYPES } from '../../src/core/content-type.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

// Well-formed XHTML and HTML at once, so that whichever way a browser parses it, its script runs
// if the browser treats it as a document.
const DOCUMENT_PAYLOAD =
  '<html xmlns="http://www.w3.org/1999/xhtml"><body><script>window.__ran = "script"</script>' +
  '<img src="data:," onerror="window.__ran = \'handler\'"/></body></html>';
// Loaded as a module script, which runs only when it is served with a JavaScript type.
const SCRIPT_PAYLOAD = 'window.__ran = "module";';

// One client for the file: a new client per call opens a connection for each of the ~100 objects stored.
const storage = rgwClient();
let browser: TestBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * Stores `body` under a key and type that a presigner allowing `allowedTypes` signs for
 * `contentType`. The object is written without the Content-Disposition the presigner may sign, as
 * a bucket that serves it inline would: the type alone must make it inert.
 */
async function store(allowedTypes: string[], contentType: string, body: string): Promise<string> {
  const presigned = await rgwPresigner({ allowedTypes, prefix: `content-type-${randomUUID()}/` }).presign({
    fileName: 'probe',
    contentType,
  });
  const object = { Bucket: TEST_BUCKET, Key: presigned.key };
  await storage.send(new PutObjectCommand({ ...object, Body: body, ContentType: presigned.headers['content-type'] }));
  return getSignedUrl(storage, new GetObjectCommand(object), { expiresIn: 600 });
}

/** Opens `url` as a page, as a victim following a link would; what ran, or undefined. */
async function openAsDocument(page: Page, url: string): Promise<unknown> {
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  } catch (error) {
    // Chromium saves the types it cannot show: no document, so nothing can run.
    if (/Download is starting/.test(String(error))) return undefined;
    throw error;
  }
  // Inline scripts and handlers of a load-blocking image have run by the load event.
  return page.evaluate(() => (window as { __ran?: unknown }).__ran);
}

/**
 * Imports `url` as a module from a page on the storage's own origin, as a stored page could (or
 * register it as a service worker, which demands the same JavaScript type); what ran, or undefined.
 */
async function loadAsModule(page: Page, url: string): Promise<unknown> {
  // A string, so that vitest does not rewrite the dynamic import for Node.
  return page.evaluate(`import(${JSON.stringify(url)}).then(() => window.__ran, () => undefined)`);
}

/** A page on the storage's origin: an HTML object the test puts there itself, the way an attacker's would be. */
async function pageOnStorageOrigin(): Promise<Page> {
  const key = `content-type-${randomUUID()}/harness.html`;
  await storage.send(
    new PutObjectCommand({
      Bucket: TEST_BUCKET,
      Key: key,
      Body: '<!doctype html><title>harness</title>',
      ContentType: 'text/html',
    }),
  );
  const page = await browser.newPage();
  await page.goto(
    await getSignedUrl(storage, new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }), { expiresIn: 600 }),
    { timeout: 30_000 },
  );
  return page;
}

describe('wildcards in Chromium', () => {
  // The attack of issue 13: before the wildcards became lists, `text/*` admitted these.
  it('a stored text/xsl document runs its script, and a JavaScript alias runs as a module', async () => {
    const page = await browser.newPage();
    const harness = await pageOnStorageOrigin();
    try {
      const xsl = await store(['text/xsl'], 'text/xsl', DOCUMENT_PAYLOAD);
      expect(await openAsDocument(page, xsl)).toMatch(/^(script|handler)$/);
      for (const alias of ['text/x-javascript', 'text/jscript', 'application/x-ecmascript']) {
        const script = await store([alias], alias, SCRIPT_PAYLOAD);
        expect(await loadAsModule(harness, script), alias).toBe('module');
      }
    } finally {
      await Promise.all([page.close(), harness.close()]);
    }
  }, 120_000);

  it('refuses text/xsl and JavaScript aliases through text/* and application/*', async () => {
    for (const type of [
      'text/xsl',
      'TEXT/XSL; charset=utf-8',
      'text/x-javascript',
      'text/jscript',
      'text/javascript1.5',
      'text/livescript',
      'application/x-ecmascript',
    ]) {
      await expect(store(['text/*', 'application/*'], type, DOCUMENT_PAYLOAD), type).rejects.toMatchObject({
        code: 'TYPE_NOT_ALLOWED',
      });
    }
  });

  it('every type a wildcard admits is inert: no script runs when its object is opened or loaded as a module', async () => {
    const wildcards = Object.keys(WILDCARD_TYPES);
    const page = await browser.newPage();
    const harness = await pageOnStorageOrigin();
    const ran: Record<string, unknown> = {};
    try {
      for (const type of Object.values(WILDCARD_TYPES).flat()) {
        const asDocument = await openAsDocument(page, await store(wildcards, type, DOCUMENT_PAYLOAD));
        const asModule = await loadAsModule(harness, await store(wildcards, type, SCRIPT_PAYLOAD));
        if (asDocument !== undefined || asModule !== undefined) ran[type] = { asDocument, asModule };
      }
    } finally {
      await Promise.all([page.close(), harness.close()]);
    }
    expect(ran).toEqual({});
    expect(browser.errors).toEqual([]);
  }, 600_000);
});
