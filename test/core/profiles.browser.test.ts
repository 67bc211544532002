import { randomUUID } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { STEP_MS } from '../helpers/bounds.js';
import { closePage, launchBrowser, makeJpeg, toBase64, track, type TestBrowser } from '../helpers/browser.js';
import { bundleForBrowser, startPageServer, type PageServer } from '../helpers/page-server.js';
import { ensureBucket, rgwClient, rgwPresigner } from '../helpers/s3.js';

// One endpoint, two profiles with different limits, used from Chromium as an app would: each
// upload goes under its own profile, and what one profile allows the other's URLs cannot carry,
// because the storage refuses it. A bucket of its own, whose CORS admits this page's origin only.

const BUCKET = 'upload-presigner-profiles';
const prefix = `profiles-${randomUUID()}/`;
const PAGE = `<!doctype html><meta charset="utf-8"><title>profiles</title>
<script type="module">import * as client from '/client.js'; window.client = client;</script>`;

let server: PageServer;
let browser: TestBrowser;
let page: Page;

/** What the page keeps of an upload's outcome, since errors do not cross `page.evaluate`. */
type Outcome = { ok: true; key: string; method: string } | { ok: false; stage: string; code: string };

function uploadInPage(bytes: Uint8Array, name: string, type: string, profile: string) {
  return track(
    page,
    page.evaluate(
      async ({ base64, name, type, profile }): Promise<Outcome> => {
        const { uploadFile } = (window as unknown as { client: typeof import('../../src/client/index.js') }).client;
        try {
          const file = new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type });
          const { key, method } = await uploadFile(file, { endpoint: '/presign', profile, retries: 0 });
          return { ok: true, key, method };
        } catch (error) {
          const { stage, code } = error as { stage: string; code: string };
          return { ok: false, stage, code };
        }
      },
      { base64: toBase64(bytes), name, type, profile },
    ),
  );
}

/**
 * Asks for an avatar's form for `declared` bytes, then posts `sent` bytes with it from the page, as
 * a caller who wants more than the avatar profile allows would: the status the storage answers.
 */
function postAvatarFormInPage(declared: number, sent: number) {
  return track(
    page,
    page.evaluate(
      async ({ declared, sent }) => {
        const client = (window as unknown as { client: typeof import('../../src/client/index.js') }).client;
        const body = { fileName: 'me.jpg', contentType: 'image/jpeg', size: declared };
        const form = await client.requestPresign({ endpoint: '/presign', profile: 'avatar' }, body);
        if (form.method !== 'POST') throw new Error(`the avatar profile signs POST forms, not ${form.method}`);
        const data = new FormData();
        for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
        data.append('file', new Blob([new Uint8Array(sent)], { type: 'image/jpeg' }));
        const response = await client.sendWithProgress({
          method: 'POST',
          url: form.uploadUrl,
          body: data,
          fileSize: sent,
        });
        return response.status;
      },
      { declared, sent },
    ),
  );
}

async function stored(key: string) {
  const object = await rgwClient().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

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
  const profiles = {
    avatar: rgwPresigner({
      bucket: BUCKET,
      prefix: `${prefix}avatars/`,
      allowedTypes: ['image/*'],
      maxSize: 8 * 1024,
      method: 'POST',
    }),
    document: rgwPresigner({
      bucket: BUCKET,
      prefix: `${prefix}documents/`,
      allowedTypes: ['application/pdf'],
      maxSize: 256 * 1024,
    }),
  };
  server.route('POST', '/presign', toExpressHandler(profiles));
  server.serve('/', 'text/html; charset=utf-8', PAGE);
  server.serve('/client.js', 'text/javascript', await bundleForBrowser("export * from './src/client/index.ts';"));
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'client' in window, undefined, { timeout: STEP_MS });
});

afterAll(async () => {
  if (page) await closePage(page);
  await browser?.close();
  await server?.close();
});

describe('two profiles on one endpoint, from Chromium against Ceph RGW', () => {
  const document = new Uint8Array(200 * 1024).fill(0x20);
  document.set(new TextEncoder().encode('%PDF-1.7\n'));

  it('uploads each file under its own profile, with its own method and prefix', async () => {
    const jpeg = await makeJpeg(page, 'avatar');
    expect(jpeg.length).toBeLessThan(8 * 1024);

    const avatar = await uploadInPage(jpeg, 'me.jpg', 'image/jpeg', 'avatar');
    const pdf = await uploadInPage(document, 'cv.pdf', 'application/pdf', 'document');

    expect(avatar).toMatchObject({ ok: true, method: 'POST' });
    expect(pdf).toMatchObject({ ok: true, method: 'PUT', key: expect.stringMatching(/\/documents\/.+-cv\.pdf$/) });
    expect((await stored((pdf as { key: string }).key)).equals(Buffer.from(document))).toBe(true);
  });

  it("has the storage refuse through an avatar's form the size the document profile allows", async () => {
    expect(await postAvatarFormInPage(4 * 1024, 4 * 1024)).toBe(204);
    // Declared within the avatar's limit, sent at the document's size: RGW answers EntityTooLarge.
    expect(await postAvatarFormInPage(4 * 1024, 200 * 1024)).toBe(400);
  });

  it('refuses at presign what only the other profile allows, and a profile the endpoint lacks', async () => {
    expect(await uploadInPage(document, 'cv.pdf', 'application/pdf', 'avatar')).toEqual({
      ok: false,
      stage: 'presign',
      code: 'TYPE_NOT_ALLOWED',
    });
    expect(await uploadInPage(document, 'cv.pdf', 'application/pdf', 'video')).toEqual({
      ok: false,
      stage: 'presign',
      code: 'UNKNOWN_PROFILE',
    });
  });
});
