import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { PresignError } from '../../src/index.js';
import { STEP_MS, transferMs } from '../helpers/bounds.js';
import { closePage, launchBrowser, track, type TestBrowser } from '../helpers/browser.js';
import { bundleForBrowser, startPageServer, type PageServer } from '../helpers/page-server.js';
import { ensureBucket, rgwClient, rgwPresigner } from '../helpers/s3.js';

// The client's `headers` may be a function, called before each request to the endpoint, so that a
// multipart upload that outlives a token sends a fresh one. The endpoint here takes each token once.

const MIB = 1024 ** 2;
const SECRET = 'headers-browser-test-secret-0123456789ab';
/** A bucket of this file's own, whose CORS admits the page server's random port. */
const BUCKET = 'upload-presigner-headers';

const ENTRY = `
import * as client from './src/client/index.ts';

let issued = 0;
window.upload = async (size, failHeaders) => {
  const file = new File([new Uint8Array(size)], 'clip.mp4', { type: 'video/mp4' });
  try {
    const result = await client.uploadFile(file, {
      endpoint: '/presign',
      multipartThreshold: 6 * 1048576,
      partConcurrency: 1,
      retries: 0,
      // Async, as a token refresh is: a new token for every request.
      headers: async () => {
        if (failHeaders) throw new Error('the session ended');
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { authorization: 'Bearer token-' + ++issued };
      },
    });
    return { ok: true, key: result.key, method: result.method };
  } catch (error) {
    return { ok: false, error: { name: error.name, message: error.message, stage: error.stage, code: error.code } };
  }
};
window.ready = true;
`;

interface Outcome {
  ok: boolean;
  key?: string;
  method?: string;
  error?: { name: string; message: string; stage: string; code?: string };
}

let server: PageServer;
let browser: TestBrowser;
let page: Page;
/** The authorization header of each request the endpoint got, in order. */
const seen: (string | undefined)[] = [];
/** The action of each request the page sent to the endpoint, in order. */
const actions: string[] = [];
const made: string[] = [];

beforeAll(async () => {
  server = await startPageServer(0);
  await ensureBucket(BUCKET, [
    {
      AllowedOrigins: [server.origin],
      AllowedMethods: ['PUT', 'POST'],
      AllowedHeaders: ['*'],
      ExposeHeaders: ['ETag'],
    },
  ]);
  server.serve(
    '/',
    'text/html; charset=utf-8',
    '<!doctype html><title>headers</title><script type="module" src="/page.js"></script>',
  );
  server.serve('/page.js', 'text/javascript', await bundleForBrowser(ENTRY));
  const presigner = rgwPresigner<{ userId: string }>({
    bucket: BUCKET,
    allowedTypes: ['video/mp4'],
    maxSize: 64 * MIB,
    secret: SECRET,
    partSize: 5 * MIB,
  });
  const used = new Set<string>();
  const handle = toExpressHandler(presigner, {
    // Single-use tokens: a client that sent the same header twice would be refused.
    authorize: ({ headers: { authorization } }) => {
      seen.push(authorization);
      if (!authorization?.startsWith('Bearer token-') || used.has(authorization)) {
        throw new PresignError('UNAUTHORIZED', 'A fresh token is required for each request.');
      }
      used.add(authorization);
      return { userId: 'alice' };
    },
  });
  server.route('POST', '/presign', handle);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const key of made.splice(0)) await rgwClient().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
});

beforeEach(async () => {
  seen.length = 0;
  actions.length = 0;
  page = await browser.newPage();
  page.on('request', (request) => {
    if (request.url() === `${server.origin}/presign`) actions.push(request.postDataJSON().action ?? 'presign');
  });
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'ready' in window, undefined, { timeout: STEP_MS });
});

afterEach(() => closePage(page));

const upload = (size: number, failHeaders = false) =>
  track(
    page,
    page.evaluate(
      ([bytes, fail]) =>
        (window as unknown as { upload(size: number, fail: boolean): Promise<Outcome> }).upload(bytes, fail),
      [size, failHeaders] as const,
    ),
  );

describe('uploadFile headers as a function, in Chromium against Ceph RGW', () => {
  it(
    'calls the function before every endpoint request of a multipart upload, so a refreshed token arrives each time',
    async () => {
      // Act: 12 MiB in 5 MiB parts is 3 parts: create, sign, complete at least, one token each.
      const outcome = await upload(12 * MIB);
      if (outcome.key) made.push(outcome.key);
      // Assess
      expect(outcome).toMatchObject({ ok: true, method: 'MULTIPART' });
      expect(outcome.key).toMatch(new RegExp(`^uploads/${'[0-9a-f-]{36}'}-clip\\.mp4$`));
      expect(actions[0]).toBe('createMultipart');
      expect(actions).toContain('signParts');
      expect(actions.at(-1)).toBe('completeMultipart');
      // One fresh token per request: the endpoint refuses a token it has seen.
      expect(seen).toEqual(actions.map((_, index) => `Bearer token-${index + 1}`));
      expect(browser.errors).toEqual([]);
    },
    transferMs(12 * MIB) + 2 * STEP_MS,
  );

  it('rejects with HEADERS_FAILED at the presign stage when the function throws, and sends nothing', async () => {
    const outcome = await upload(12 * MIB, true);
    expect(outcome).toMatchObject({
      ok: false,
      error: { name: 'UploadError', stage: 'presign', code: 'HEADERS_FAILED' },
    });
    expect(outcome.error?.message).toContain('the session ended');
    expect(seen).toEqual([]);
    expect(actions).toEqual([]);
  });
});
