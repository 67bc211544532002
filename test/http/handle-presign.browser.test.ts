import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { PresignError, type HttpRequest } from '../../src/index.js';
import { closePage, launchBrowser, track, type TestBrowser } from '../helpers/browser.js';
import { testPresigner } from '../helpers/presign.js';

// A cross-site request forgery against a cookie-based `authorize`: a page on another origin of the
// same site (another port of 127.0.0.1, as a sibling subdomain would be) sends the user's cookie
// with a form or a no-cors fetch, which need no preflight.
const SESSION = 'session=alice-session';
const BODY = JSON.stringify({ fileName: 'a.jpg', contentType: 'image/jpeg' });

let browser: TestBrowser;
let endpoint: Server;
let endpointUrl: string;
// A real loopback server: Chromium keeps pages that Playwright makes up from reaching loopback at all.
let attacker: Server;
let attackerPage = '';
const calls = { authorize: 0, onPresign: 0 };

beforeAll(async () => {
  browser = await launchBrowser();
  const handler = toExpressHandler(testPresigner(), {
    allowedOrigins: ['https://app.example.com'],
    authorize: ({ headers }: HttpRequest) => {
      calls.authorize++;
      if (!headers.cookie?.includes(SESSION)) throw new PresignError('UNAUTHORIZED', 'No session.');
      return { userId: 'alice' };
    },
    onPresign: () => void calls.onPresign++,
  });
  endpoint = await listen(createServer(handler));
  endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/presign`;
  attacker = await listen(
    createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage)),
  );
  // The user signed in to the app on the endpoint's origin earlier.
  await browser.context.addCookies([{ name: 'session', value: 'alice-session', url: endpointUrl, sameSite: 'Lax' }]);
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([endpoint, attacker].map((server) => new Promise((resolve) => server?.close(resolve))));
});

async function listen(server: Server): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Opens the attacker's page, on another port of the same host. */
async function openAttackerPage(html: string) {
  attackerPage = html;
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`, { timeout: 30_000 });
  return page;
}

describe('the endpoint in Chromium, against cross-site requests', () => {
  it.each([
    // The classic trick: the form's `name=value` is itself JSON.
    [
      'text/plain',
      `<form method="post" enctype="text/plain" action="ENDPOINT"><input name='${BODY.slice(0, -1)},"x":"' value='"}'></form>`,
    ],
    [
      'application/x-www-form-urlencoded',
      `<form method="post" action="ENDPOINT"><input name="fileName" value="a.jpg"><input name="contentType" value="image/jpeg"></form>`,
    ],
    [
      'multipart/form-data',
      `<form method="post" enctype="multipart/form-data" action="ENDPOINT"><input name="fileName" value="a.jpg"></form>`,
    ],
  ])('a form posting %s with the user’s cookie runs nothing', async (_, form) => {
    calls.authorize = calls.onPresign = 0;
    const page = await openAttackerPage(form.replace('ENDPOINT', endpointUrl));
    try {
      const answer = track(
        page,
        page.waitForResponse((response) => response.url() === endpointUrl, { timeout: 30_000 }),
      );
      await page.evaluate(() => document.forms[0]!.submit());
      const response = await answer;
      expect((await response.request().allHeaders()).cookie).toContain(SESSION);
      expect(calls).toEqual({ authorize: 0, onPresign: 0 });
      expect([response.status(), (await response.json()).error?.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    } finally {
      await closePage(page);
    }
  });

  it('a no-cors fetch of JSON as text/plain with credentials runs nothing', async () => {
    calls.authorize = calls.onPresign = 0;
    const page = await openAttackerPage('<!doctype html><title>attacker</title>');
    try {
      const answer = track(
        page,
        page.waitForResponse((response) => response.url() === endpointUrl, { timeout: 30_000 }),
      );
      const type = await page.evaluate(
        async ({ url, body }) =>
          (
            await fetch(url, {
              method: 'POST',
              mode: 'no-cors',
              credentials: 'include',
              headers: { 'content-type': 'text/plain' },
              body,
            })
          ).type,
        { url: endpointUrl, body: BODY },
      );
      const response = await answer;
      expect(type).toBe('opaque');
      // onPresign runs only after authorize found the cookie: a count of 1 there means the attack worked.
      expect(calls).toEqual({ authorize: 0, onPresign: 0 });
      expect(response.status()).toBe(415);
    } finally {
      await closePage(page);
    }
  });

  it('a fetch declaring application/json from another origin is stopped by the preflight', async () => {
    calls.authorize = calls.onPresign = 0;
    const page = await openAttackerPage('<!doctype html><title>attacker</title>');
    try {
      const outcome = await page.evaluate(
        ({ url, body }) =>
          fetch(url, {
            method: 'POST',
            credentials: 'include',
            headers: { 'content-type': 'application/json' },
            body,
          }).then(
            () => 'answered',
            () => 'blocked',
          ),
        { url: endpointUrl, body: BODY },
      );
      expect(outcome).toBe('blocked');
    } finally {
      await page.close();
    }
    expect(calls).toEqual({ authorize: 0, onPresign: 0 });
  });
});
