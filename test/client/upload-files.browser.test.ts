import { randomBytes, randomUUID } from 'node:crypto';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import { createPresigner, type Presigner, type PresignResult } from '../../src/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import { closePage, launchBrowser, toBase64, track, type TestBrowser } from '../helpers/browser.js';
import { startCountingProxy } from '../helpers/counting-proxy.js';
import { bundleForBrowser, startPageServer, type PageServer } from '../helpers/page-server.js';
import { ensureBucket, rgw, rgwClient, rgwPresigner } from '../helpers/s3.js';

// uploadFiles from Chromium against Ceph RGW: the small files presigned together in one batch are
// each hashed first and their digests signed, so that the storage refuses a file whose bytes
// change on the way, as it does for uploadFile; single uploads and parts share one budget of
// connections, counted at the storage; cancelling a batch in flight aborts its request.

/** A bucket of its own whose CORS admits any origin, so that the page server may take any free port. */
const BUCKET = 'upload-presigner-batch-checksum';
const PREFIX = `batch-${randomUUID()}/`;
const PAGE = `<!doctype html><meta charset="utf-8"><title>batch checksum test</title>
<script type="module">import * as client from '/client.js'; window.client = client;</script>`;

let server: PageServer;
let browser: TestBrowser;
let page: Page;
/** What the endpoint was asked (`action` and the digests of a batch) and the URLs it gave. */
let requests: { action: string; checksums: unknown[] }[] = [];
let presigned: PresignResult[] = [];
/** Keys stored by tests that do not presign through `serve`, deleted at the end too. */
const storedKeys: string[] = [];

/** Serves `presigner` at /presign, keeping what it was asked and what it answered. */
function serve(presigner: Presigner) {
  const recording: Presigner = {
    ...presigner,
    presign: async (input, context) => {
      const result = await presigner.presign(input, context);
      presigned.push(result);
      return result;
    },
  };
  const handler = toExpressHandler(recording);
  server.route('POST', '/presign', async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const files: { checksum?: string }[] = body.files ?? [body];
    requests.push({ action: body.action ?? 'presign', checksums: files.map((file) => file.checksum) });
    Object.assign(req, { body });
    await handler(req as never, res);
  });
}

beforeAll(async () => {
  await ensureBucket(BUCKET, [
    { AllowedOrigins: ['*'], AllowedMethods: ['PUT', 'POST', 'GET'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] },
  ]);
  server = await startPageServer(0);
  server.serve('/', 'text/html; charset=utf-8', PAGE);
  server.serve('/client.js', 'text/javascript', await bundleForBrowser("export * from './src/client/index.ts';"));
  serve(rgwPresigner({ bucket: BUCKET, prefix: PREFIX, allowedTypes: ['application/pdf'] }));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  const keys = [...presigned.map((result) => result.key), ...storedKeys];
  if (keys.length > 0)
    await rgwClient().send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
});

beforeEach(async () => {
  requests = [];
  presigned = [];
  page = await browser.newPage();
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'client' in window, undefined, { timeout: STEP_MS });
});

afterEach(async () => {
  await closePage(page);
});

/** A small PDF-looking file: the header, then random bytes. */
const pdfBytes = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(size - 9)]);

const stored = (key: string) =>
  rgwClient()
    .send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    .then(
      async (object) => Buffer.from(await object.Body!.transformToByteArray()),
      () => undefined,
    );

describe('uploadFiles in Chromium: each file of a batch carries its digest', () => {
  it('a file whose bytes change by one byte on the way is refused (400 BadDigest) and not stored; the others are', async () => {
    // Prepare: three small files, one of which the network corrupts after the client hashed it.
    const files = { 'good.pdf': pdfBytes(4096), 'corrupted.pdf': pdfBytes(4096), 'also-good.pdf': pdfBytes(3000) };
    await page.route(`${rgw.endpoint}/**`, (route) => {
      const request = route.request();
      if (request.method() !== 'PUT' || !request.url().includes('-corrupted.pdf?')) return route.continue();
      const sent = Buffer.from(files['corrupted.pdf']);
      sent[100] = sent[100]! ^ 0x01;
      return route.continue({ postData: sent });
    });
    // Act
    const outcome = await track(
      page,
      page.evaluate(
        async (files) => {
          const w = window as unknown as Record<string, any>;
          const blobs = Object.entries(files).map(
            ([name, base64]) =>
              new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type: 'application/pdf' }),
          );
          const uploads = w.client.uploadFiles(blobs, { endpoint: '/presign', retries: 0 });
          const settled = await uploads.settled();
          return settled.map((file: any) => ({
            name: file.name,
            status: file.status,
            error: file.error && { status: file.error.status, code: file.error.code },
          }));
        },
        Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, toBase64(bytes)])),
      ),
    );
    // Assess: RGW checked each file against the digest signed for it, all three in one batch.
    expect(outcome).toEqual([
      { name: 'good.pdf', status: 'done' },
      { name: 'corrupted.pdf', status: 'error', error: { status: 400, code: 'BadDigest' } },
      { name: 'also-good.pdf', status: 'done' },
    ]);
    expect(requests.map((request) => request.action)).toEqual(['presignBatch']);
    expect(requests[0]!.checksums.every((checksum) => typeof checksum === 'string')).toBe(true);
    const keyOf = (name: string) => presigned.find((result) => result.key.endsWith(`-${name}`))!.key;
    expect(await stored(keyOf('good.pdf'))).toEqual(files['good.pdf']);
    expect(await stored(keyOf('also-good.pdf'))).toEqual(files['also-good.pdf']);
    expect(await stored(keyOf('corrupted.pdf'))).toBeUndefined();
    const head = await rgwClient()
      .send(new HeadObjectCommand({ Bucket: BUCKET, Key: keyOf('corrupted.pdf') }))
      .catch((error: Error) => error.name);
    expect(head).toBe('NotFound');
  });
});

describe('uploadFiles in Chromium: one budget of connections for single uploads and parts', () => {
  it('never has more PUTs in flight at the storage than `concurrency`, and reaches it, with 2 multipart files among 6 small ones', async () => {
    // Prepare: RGW behind a proxy that counts the PUTs in flight; parts of 5 MiB, so each large file has 3.
    const CONCURRENCY = 3;
    const MIB = 1024 ** 2;
    const proxy = await startCountingProxy(rgw.endpoint, CONCURRENCY, 1_000);
    try {
      const presigner = createPresigner({
        ...rgw,
        endpoint: proxy.endpoint,
        forcePathStyle: true,
        bucket: BUCKET,
        prefix: PREFIX,
        allowedTypes: ['application/pdf', 'video/mp4'],
        maxSize: 64 * MIB,
        multipartSecret: 'upload-files-budget-test-secret-0123456789',
        partSize: 5 * MIB,
      });
      server.route('POST', '/presign', toExpressHandler(presigner));
      // Act
      const outcome: { status: string; key?: string; method?: string }[] = await track(
        page,
        page.evaluate(
          async ({ concurrency, mib }) => {
            const w = window as unknown as Record<string, any>;
            const large = ['one.mp4', 'two.mp4'].map(
              (name) => new File([new Uint8Array(11 * mib)], name, { type: 'video/mp4' }),
            );
            const small = [1, 2, 3, 4, 5, 6].map(
              (n) => new File([`%PDF-1.7 file ${n}`.padEnd(64 * 1024, '.')], `s${n}.pdf`, { type: 'application/pdf' }),
            );
            const uploads = w.client.uploadFiles([large[0], ...small.slice(0, 3), large[1], ...small.slice(3)], {
              endpoint: '/presign',
              concurrency,
              multipartThreshold: 10 * mib,
              resume: false,
              retries: 0,
            });
            const settled = await uploads.settled();
            return settled.map((file: any) => ({
              status: file.error?.message ?? file.status,
              key: file.key,
              method: file.result?.method,
            }));
          },
          { concurrency: CONCURRENCY, mib: MIB },
        ),
      );
      storedKeys.push(...outcome.flatMap((file) => (file.key ? [file.key] : [])));
      // Assess: every file stored, 2 × 3 parts and 6 single PUTs, never more than the budget at once.
      expect(outcome.map((file) => file.status)).toEqual(Array(8).fill('done'));
      expect(outcome.map((file) => file.method)).toEqual([
        'MULTIPART',
        ...Array(3).fill('PUT'),
        'MULTIPART',
        ...Array(3).fill('PUT'),
      ]);
      expect(proxy.counts.puts).toBe(2 * 3 + 6);
      expect(proxy.counts.peak).toBe(CONCURRENCY);
      const open = await rgwClient().send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: PREFIX }));
      expect(open.Uploads ?? []).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('uploadFiles in Chromium: cancelling the files of a batch in flight', () => {
  it('aborts the presignBatch request at the endpoint, and sends nothing to the storage', async () => {
    // Prepare: an endpoint that holds every batch request and notes the ones the browser gives up.
    const held: { aborted: boolean }[] = [];
    server.route('POST', '/presign', (req, res) => {
      const request = { aborted: false };
      held.push(request);
      req.resume();
      res.once('close', () => (request.aborted = !res.writableEnded));
    });
    const puts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().startsWith(rgw.endpoint)) puts.push(request.url());
    });
    await track(
      page,
      page.evaluate(() => {
        const w = window as unknown as Record<string, any>;
        const files = ['a.pdf', 'b.pdf', 'c.pdf'].map(
          (name) => new File(['%PDF-1.7 small'], name, { type: 'application/pdf' }),
        );
        w.uploads = w.client.uploadFiles(files, { endpoint: '/presign', retries: 0 });
      }),
    );
    await expect.poll(() => held.length, { timeout: STEP_MS }).toBe(1);
    // Act
    await track(
      page,
      page.evaluate(() => (window as unknown as Record<string, any>).uploads.cancel()),
    );
    // Assess: the browser gave the request up, then every file ended cancelled.
    await expect.poll(() => held[0]!.aborted, { timeout: STEP_MS }).toBe(true);
    const statuses = await track(
      page,
      page.evaluate(async () => {
        const { uploads } = window as unknown as Record<string, any>;
        return (await uploads.settled()).map((file: { status: string }) => file.status);
      }),
    );
    expect(statuses).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(held).toHaveLength(1);
    expect(puts).toEqual([]);
  });
});
