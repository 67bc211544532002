import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_MS } from '../helpers/bounds.js';
import { launchBrowser, makeJpeg, screenshot, type TestBrowser } from '../helpers/browser.js';
import { demoScriptCommand, killIfRunning, signalGroup, startDemo, type Demo } from '../helpers/demo.js';

let demo: Demo;
let browser: TestBrowser;
let page: Page;
/** What the page's console reports as errors, a failed load of any resource included (a 404 favicon). */
const consoleErrors: string[] = [];

beforeAll(async () => {
  demo = await startDemo(...demoScriptCommand());
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(`${demo.origin}/`, { timeout: STEP_MS });
});

afterAll(async () => {
  await browser?.close();
  if (demo) {
    signalGroup(demo, 'SIGINT');
    await demo.exit;
  }
  killIfRunning(demo);
});

async function pick(name: string, mimeType: string, buffer: Buffer): Promise<string> {
  // The previous test's final state must not satisfy this test's wait.
  await page.locator('#message').evaluate((element: HTMLElement) => (element.dataset.state = 'idle'));
  await page.locator('#file').setInputFiles({ name, mimeType, buffer });
  await page.waitForSelector('#message[data-state="done"], #message[data-state="error"]', { timeout: STEP_MS });
  return (await page.locator('#message').textContent())!;
}

describe('the demo page in Chromium, against the embedded s3rver', () => {
  it('loads with a clean console and states its limit in binary units', async () => {
    // Act: the favicon, if the page asks for one, is fetched once the page has loaded.
    await page.waitForLoadState('networkidle', { timeout: STEP_MS });
    // Assess
    expect(consoleErrors).toEqual([]);
    expect(await page.locator('body').textContent()).toContain('at most 5 MiB');
  });

  it('uploads a picked JPEG, fills the progress bar and shows the stored image', async () => {
    // Prepare
    const jpeg = await makeJpeg(page, 'demo upload');
    // Act
    const message = await pick('holiday.jpg', 'image/jpeg', jpeg);
    await page.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('#preview')!;
        return !img.hidden && img.complete && img.naturalWidth > 0;
      },
      undefined,
      { timeout: STEP_MS },
    );
    await screenshot(page, 'demo-uploaded');
    // Assess
    expect(message).toMatch(/^Uploaded as uploads\/[0-9a-f-]{36}-holiday\.jpg$/);
    expect(await page.locator('#progress').evaluate((bar: HTMLProgressElement) => bar.value)).toBe(100);
    expect(
      await page.locator('#preview').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]),
    ).toEqual([320, 200]);
    expect(browser.errors).toEqual([]);
  });

  it("shows the server's reason for a refused type", async () => {
    // Act
    const message = await pick('notes.txt', 'text/plain', Buffer.from('hello'));
    await screenshot(page, 'demo-type-refused');
    // Assess
    expect(message).toBe('Uploads of type text/plain are not allowed.');
    expect(await page.locator('#preview').isHidden()).toBe(true);
  });

  it("shows the server's reason for an oversize file", async () => {
    // Act
    const message = await pick('huge.jpg', 'image/jpeg', Buffer.alloc(5 * 1024 * 1024 + 1));
    await screenshot(page, 'demo-too-large');
    // Assess
    expect(message).toBe('The file is 5 MiB (5,242,881 bytes), 1 byte over the limit of 5 MiB.');
  });
});
