import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../src/adapters/express.js';
import type { Presigner } from '../src/index.js';
import { STEP_MS, transferMs } from './helpers/bounds.js';
import { closePage, launchBrowser, type TestBrowser } from './helpers/browser.js';
import { bundleForBrowser, startPageServer, type PageServer } from './helpers/page-server.js';
import { readmeBlocks, type ReadmeBlock } from './helpers/readme-blocks.js';
import { jpegBytes, rgwClient, rgwPresigner, TEST_BUCKET } from './helpers/s3.js';

/**
 * What the README's browser blocks leave to the reader's page: the picked `file`, the session's
 * `token`, a progress `bar`, an AbortController, and `show` for messages (kept in `window.shown`).
 */
const PRELUDE = `
const file = ${'${FILE}'};
const token = 'token-of-u-42';
const controller = new AbortController();
const bar = document.querySelector('progress');
const show = (message) => window.shown.push(message);
`;

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>README blocks</title>
<input type="file" multiple> <progress max="100" value="0"></progress>
<script>
  window.shown = [];
  window.addEventListener('error', (event) => (window.blockError = String(event.error ?? event.message)));
  window.addEventListener('unhandledrejection', (event) => (window.blockError = String(event.reason)));
</script>`;

let server: PageServer;
let browser: TestBrowser;
let page: Page;
const presignedKeys: string[] = [];

beforeAll(async () => {
  server = await startPageServer();
  server.serve('/', 'text/html; charset=utf-8', PAGE);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The one README.md block that contains `text`. */
function readmeBlockWith(text: string): ReadmeBlock {
  const found = readmeBlocks('README.md').filter((block) => block.code.includes(text));
  if (found.length !== 1) throw new Error(`${found.length} README blocks contain ${text}`);
  return found[0]!;
}

/** Serves the endpoint the blocks call, `/api/presign`, recording the key of every presign. */
function serveEndpoint(presigners: Presigner | Record<string, Presigner>): void {
  presignedKeys.length = 0;
  server.route(
    'POST',
    '/api/presign',
    toExpressHandler(presigners as Presigner, { onPresign: (result) => void presignedKeys.push(result.key) }),
  );
}

/**
 * Runs a block in a fresh page, as the reader's page module (the client from src/), with the
 * prelude's values; `pick` files first for a block that reads the file input. Resolves with what
 * the page logged, `show`ed and any error it threw.
 */
async function runInPage(
  block: ReadmeBlock,
  bytes: Uint8Array | { size: number; type: string },
  pick: { name: string; buffer: Buffer }[] = [],
  epilogue = 'window.blockDone = true;',
) {
  const file =
    bytes instanceof Uint8Array
      ? `new File([new Uint8Array(${JSON.stringify([...bytes])})], 'sample.jpg', { type: 'image/jpeg' })`
      : `new File([new Uint8Array(${bytes.size})], 'movie.mp4', { type: '${bytes.type}' })`;
  const source = `${PRELUDE.replace('${FILE}', file)}\n${block.code}\n${epilogue}`;
  const size = bytes instanceof Uint8Array ? bytes.length : bytes.size;
  server.serve(
    '/block.js',
    'text/javascript',
    await bundleForBrowser(source.replaceAll("'upload-presigner/client'", "'./src/client/index.ts'")),
  );
  page = await browser.newPage();
  const logged: string[] = [];
  page.on('console', (message) => logged.push(message.text()));
  try {
    await page.goto(`${server.origin}/`, { timeout: STEP_MS });
    if (pick.length > 0)
      await page
        .locator('input[type=file]')
        .setInputFiles(pick.map(({ name, buffer }) => ({ name, mimeType: 'image/jpeg', buffer })));
    await page.addScriptTag({ url: '/block.js', type: 'module' });
    await page.waitForFunction(() => 'blockDone' in window || 'blockError' in window, undefined, {
      timeout: transferMs(size * Math.max(1, pick.length)),
    });
    const outcome = await page.evaluate(() => {
      const w = window as unknown as { shown: string[]; blockError?: string; blockDone: unknown };
      return { shown: w.shown, error: w.blockError, done: w.blockDone, bar: document.querySelector('progress')!.value };
    });
    return { ...outcome, logged };
  } finally {
    await closePage(page);
  }
}

async function storedBytes(key: string): Promise<Buffer> {
  const object = await rgwClient().send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

describe("README's browser blocks in Chromium, against Ceph RGW", () => {
  it('Browser client: uploadFile stores the picked file, fills the bar and shows nothing', async () => {
    // Prepare
    serveEndpoint(rgwPresigner({ allowedTypes: ['image/*'], maxSize: 10 * 1024 * 1024 }));
    const bytes = jpegBytes(4096);
    // Act
    const outcome = await runInPage(readmeBlockWith('headers: { authorization: `Bearer ${token}` }'), bytes);
    // Assess
    expect(outcome).toMatchObject({ shown: [], error: undefined, bar: 100 });
    expect(presignedKeys).toHaveLength(1);
    expect((await storedBytes(presignedKeys[0]!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("Browser client: a refused file reaches show() with its stage and the server's reason", async () => {
    // Prepare: an endpoint that takes PDFs only.
    serveEndpoint(rgwPresigner({ allowedTypes: ['application/pdf'] }));
    // Act
    const outcome = await runInPage(readmeBlockWith('headers: { authorization: `Bearer ${token}` }'), jpegBytes(64));
    // Assess
    expect(outcome.shown).toHaveLength(1);
    expect(outcome.shown[0]).toMatch(/^presign failed: .*Uploads of type image\/jpeg are not allowed\./);
    expect(presignedKeys).toEqual([]);
  });

  it('profiles: uploadFile with profile avatar stores under that profile', async () => {
    // Prepare
    serveEndpoint({
      avatar: rgwPresigner({ prefix: 'avatars/', allowedTypes: ['image/*'] }),
      document: rgwPresigner({ prefix: 'documents/', allowedTypes: ['application/pdf'] }),
      video: rgwPresigner({ prefix: 'videos/', allowedTypes: ['video/*'] }),
    });
    const bytes = jpegBytes(2048);
    // Act
    const outcome = await runInPage(readmeBlockWith("profile: 'avatar'"), bytes);
    // Assess
    expect(outcome.error).toBeUndefined();
    expect(presignedKeys).toHaveLength(1);
    expect(presignedKeys[0]!.startsWith('avatars/')).toBe(true);
    expect((await storedBytes(presignedKeys[0]!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it(
    "Large files: uploadFile sends a file of the default threshold (100 MiB) as a multipart upload, as the block's comment says",
    async () => {
      // Prepare: an endpoint with a secret, which runs multipart uploads.
      serveEndpoint(rgwPresigner({ allowedTypes: ['video/*'], secret: 'a-readme-secret-of-32-characters-or-more' }));
      const size = 100 * 1024 ** 2;
      // Act: the block's own result, read after it.
      const outcome = await runInPage(
        readmeBlockWith('multipartThreshold: 100 * 1024 ** 2'),
        { size, type: 'video/mp4' },
        [],
        'window.blockDone = { key, method };',
      );
      // Assess
      expect(outcome).toMatchObject({ error: undefined, bar: 100, done: { method: 'MULTIPART' } });
      const { key } = outcome.done as { key: string };
      const head = await rgwClient().send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
      expect(head.ContentLength).toBe(size);
      // 100 MiB per run is worth giving back to the storage.
      await rgwClient().send(new DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    },
    transferMs(100 * 1024 ** 2) + 3 * STEP_MS,
  );

  it('Many files: uploadFiles stores every picked file and logs "<name> is stored as <key>" for each', async () => {
    // Prepare
    serveEndpoint(rgwPresigner({ allowedTypes: ['image/*'], maxSize: 10 * 1024 * 1024 }));
    const picked = ['a.jpg', 'b.jpg', 'c.jpg'].map((name) => ({ name, buffer: Buffer.from(jpegBytes(2048)) }));
    // Act
    const outcome = await runInPage(readmeBlockWith('uploadFiles(picked'), jpegBytes(16), picked);
    // Assess
    expect(outcome).toMatchObject({ shown: [], error: undefined, bar: 100 });
    const stored = outcome.logged.filter((line) => line.includes(' is stored as '));
    expect(stored.map((line) => line.split(' ')[0]).sort()).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    for (const { name, buffer } of picked) {
      const key = stored.find((line) => line.startsWith(`${name} `))!.split(' is stored as ')[1]!;
      expect((await storedBytes(key)).equals(buffer)).toBe(true);
    }
  });
});
