import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toExpressHandler } from '../../src/adapters/express.js';
import type { Presigner } from '../../src/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import { closePage, launchBrowser, track, type TestBrowser } from '../helpers/browser.js';
import { bundleForBrowser, startPageServer, type PageServer } from '../helpers/page-server.js';
import { ensureBucket, rgwClient, rgwPresigner } from '../helpers/s3.js';

// From Chromium against Ceph RGW: the client hashes what it sends (hash-wasm, loaded on first use),
// the presigner signs the digest, and the storage refuses bytes corrupted by one byte on the way.

/** A bucket of its own whose CORS admits any origin, so that the page server may take any free port. */
const BUCKET = 'upload-presigner-checksum';
const SECRET = 'browser-test-checksum-secret-0123456789';
const MIB = 1024 ** 2;
const PAGE = `<!doctype html><meta charset="utf-8"><title>checksum test</title>
<script type="module">import * as client from '/client.js'; window.client = client;</script>`;

let server: PageServer;
let browser: TestBrowser;
let page: Page;
const storedKeys: string[] = [];
/** The presign requests the endpoint received, as JSON. */
let received: Record<string, unknown>[] = [];

/** Serves `presigner` at `path`, keeping what its presign and signParts were asked. */
function serve(path: string, presigner: Presigner) {
  const recording: Presigner = {
    ...presigner,
    presign: (input, context) => (received.push({ ...(input as object) }), presigner.presign(input, context)),
    signParts: (input, context) => (
      received.push({ action: 'signParts', ...(input as object) }),
      presigner.signParts(input, context)
    ),
  };
  server.route('POST', path, toExpressHandler(recording));
}

const presignerFor = (options: { method?: 'PUT' | 'POST' } = {}) =>
  rgwPresigner({ bucket: BUCKET, allowedTypes: ['application/pdf'], secret: SECRET, partSize: 5 * MIB, ...options });

beforeAll(async () => {
  await ensureBucket(BUCKET, [
    { AllowedOrigins: ['*'], AllowedMethods: ['PUT', 'POST', 'GET'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] },
  ]);
  server = await startPageServer(0);
  server.serve('/', 'text/html; charset=utf-8', PAGE);
  server.serve('/client.js', 'text/javascript', await bundleForBrowser("export * from './src/client/index.ts';"));
  serve('/presign', presignerFor());
  serve('/presign-post', presignerFor({ method: 'POST' }));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (storedKeys.length > 0)
    await rgwClient().send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: storedKeys.map((Key) => ({ Key })) } }),
    );
});

beforeEach(async () => {
  received = [];
  page = await browser.newPage();
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'client' in window, undefined, { timeout: STEP_MS });
});

afterEach(async () => {
  await closePage(page);
});

/** A PDF-looking file made in the page (random bytes past the header), so that no megabytes cross `evaluate`. */
const MAKE_FILE = `(size) => {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
  bytes.set(new TextEncoder().encode('%PDF-1.7\\n'));
  return bytes;
}`;

describe('the client hashes what it sends, in Chromium', () => {
  it('a single PUT: the presign request carries the MD5 of the file, and RGW stores exactly those bytes', async () => {
    const result = await track(
      page,
      page.evaluate(async (makeFile) => {
        const bytes = (0, eval)(makeFile)(3 * 1024 * 1024 + 7);
        const w = window as unknown as Record<string, any>;
        return w.client.uploadFile(new File([bytes], 'doc.pdf', { type: 'application/pdf' }), {
          endpoint: '/presign',
        });
      }, MAKE_FILE),
    );
    storedKeys.push(result.key);
    const declared = received[0]!.checksum as string;
    expect(declared).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const object = await rgwClient().send(new GetObjectCommand({ Bucket: BUCKET, Key: result.key }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect(createHash('md5').update(stored).digest('base64')).toBe(declared);
    expect(object.ETag).toBe(`"${Buffer.from(declared, 'base64').toString('hex')}"`);
  });

  it('a multipart upload: each part is hashed and its digest signed; the object is the file', async () => {
    // The file's bytes stay in the page: it answers with their SHA-256, whole.
    const { result, sha256 } = await track(
      page,
      page.evaluate(async (makeFile) => {
        const bytes = (0, eval)(makeFile)(10 * 1024 * 1024 + 5);
        const w = window as unknown as Record<string, any>;
        const result = await w.client.uploadFile(new File([bytes], 'big.pdf', { type: 'application/pdf' }), {
          endpoint: '/presign',
          multipartThreshold: 0,
          resume: false,
        });
        const sha256 = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))));
        return { result, sha256 };
      }, MAKE_FILE),
    );
    storedKeys.push(result.key);
    expect(result.method).toBe('MULTIPART');
    // Parts are signed as their digests are known, in batches that may come in any order.
    const signed = received.filter((body) => body.action === 'signParts');
    const declared = new Map<number, string>();
    for (const body of signed)
      (body.partNumbers as number[]).forEach((partNumber, index) =>
        declared.set(partNumber, (body.checksums as string[])[index]!),
      );
    const checksums = [1, 2, 3].map((partNumber) => declared.get(partNumber));
    const object = await rgwClient().send(new GetObjectCommand({ Bucket: BUCKET, Key: result.key }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect(createHash('sha256').update(stored).digest('base64')).toBe(sha256);
    const parts = [0, 1, 2].map((index) => stored.subarray(index * 5 * MIB, (index + 1) * 5 * MIB));
    expect(checksums).toEqual(parts.map((part) => createHash('md5').update(part).digest('base64')));
  });
});

describe("hashing runs off the page's thread", () => {
  /** Counts the Workers the page starts and the jobs it posts them, then uploads a file of `size`. */
  function uploadCountingWorkers(size: number, options: Record<string, unknown>) {
    return track(
      page,
      page.evaluate(
        async ({ size, options, makeFile }) => {
          const w = window as unknown as Record<string, any>;
          const counts = { workers: 0, jobs: 0 };
          const PageWorker = w.Worker as typeof Worker;
          w.Worker = class extends PageWorker {
            constructor(...args: ConstructorParameters<typeof Worker>) {
              super(...args);
              counts.workers++;
            }
            override postMessage(message: unknown, options?: StructuredSerializeOptions | Transferable[]) {
              counts.jobs++;
              super.postMessage(message, options as StructuredSerializeOptions);
            }
          };
          const bytes = (0, eval)(makeFile)(size);
          const file = new File([bytes], 'doc.pdf', { type: 'application/pdf' });
          const result = await w.client.uploadFile(file, { endpoint: '/presign', resume: false, ...options });
          return { result, counts };
        },
        { size, options, makeFile: MAKE_FILE },
      ),
    );
  }

  /** The digests the endpoint was asked to sign, by part (0 for a single upload). */
  const declaredDigests = () =>
    new Map(
      received.flatMap((body): [number, string][] =>
        body.action === 'signParts'
          ? (body.partNumbers as number[]).map((part, index) => [part, (body.checksums as string[])[index]!])
          : [[0, body.checksum as string]],
      ),
    );

  const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

  it('a single PUT of 4 MiB, the least hashed off the page, is hashed in a Worker, and RGW takes its digest', async () => {
    const { result, counts } = await uploadCountingWorkers(4 * MIB, { multipartThreshold: Infinity });
    storedKeys.push(result.key);
    expect(counts).toEqual({ workers: 1, jobs: 1 });
    const object = await rgwClient().send(new GetObjectCommand({ Bucket: BUCKET, Key: result.key }));
    expect(declaredDigests().get(0)).toBe(md5(await object.Body!.transformToByteArray()));
  });

  it('the 5 MiB parts of a multipart upload are hashed in two Workers side by side; the short last part on the page', async () => {
    const { result, counts } = await uploadCountingWorkers(10 * MIB + 5, { multipartThreshold: 0 });
    storedKeys.push(result.key);
    expect(counts).toEqual({ workers: 2, jobs: 2 });
    const object = await rgwClient().send(new GetObjectCommand({ Bucket: BUCKET, Key: result.key }));
    const stored = await object.Body!.transformToByteArray();
    const parts = [1, 2, 3].map((part) => stored.subarray((part - 1) * 5 * MIB, part * 5 * MIB));
    expect([1, 2, 3].map((part) => declaredDigests().get(part))).toEqual(parts.map(md5));
  });
});

describe('a file changed on disk since it was picked', () => {
  it('fails the upload with the NotReadableError the page would have met, before anything is presigned', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upload-presigner-hash-'));
    const path = join(dir, 'doc.pdf');
    await writeFile(path, Buffer.alloc(6 * MIB, 1));
    try {
      await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<input type="file" id="file">'));
      await page.setInputFiles('#file', path);
      // Same size, later mtime: Chromium refuses to read a picked file that changed since.
      await writeFile(path, Buffer.alloc(6 * MIB, 2));
      await utimes(path, new Date(), new Date(Date.now() + 60_000));
      const failure = await track(
        page,
        page.evaluate(async () => {
          const w = window as unknown as Record<string, any>;
          const file = (document.getElementById('file') as HTMLInputElement).files![0]!;
          const error = await w.client.uploadFile(file, { endpoint: '/presign', multipartThreshold: Infinity }).then(
            () => undefined,
            (error: Error) => error,
          );
          return error && { name: error.name, isDomException: error instanceof DOMException };
        }),
      );
      expect(failure).toEqual({ name: 'NotReadableError', isDomException: true });
      expect(received).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('where no Worker can start, the page hashes on its own thread', () => {
  it('under a Content-Security-Policy that forbids Workers, a multipart upload still declares the right digests', async () => {
    server.route('GET', '/no-workers', (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "worker-src 'none'",
      });
      res.end(PAGE);
    });
    await page.goto(`${server.origin}/no-workers`, { timeout: STEP_MS });
    await page.waitForFunction(() => 'client' in window, undefined, { timeout: STEP_MS });
    const { result, violations } = await track(
      page,
      page.evaluate(async (makeFile) => {
        const violations: string[] = [];
        document.addEventListener('securitypolicyviolation', (event) => violations.push(event.effectiveDirective));
        const bytes = (0, eval)(makeFile)(10 * 1024 * 1024 + 5);
        const w = window as unknown as Record<string, any>;
        const file = new File([bytes], 'doc.pdf', { type: 'application/pdf' });
        const result = await w.client.uploadFile(file, { endpoint: '/presign', multipartThreshold: 0, resume: false });
        return { result, violations };
      }, MAKE_FILE),
    );
    storedKeys.push(result.key);
    expect(violations).toContain('worker-src');
    const object = await rgwClient().send(new GetObjectCommand({ Bucket: BUCKET, Key: result.key }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    const signed = received.filter((body) => body.action === 'signParts');
    const declared = new Map(
      signed.flatMap((body) =>
        (body.partNumbers as number[]).map((part, index) => [part, (body.checksums as string[])[index]!] as const),
      ),
    );
    expect([1, 2, 3].map((part) => declared.get(part))).toEqual(
      [1, 2, 3].map((part) =>
        createHash('md5')
          .update(stored.subarray((part - 1) * 5 * MIB, part * 5 * MIB))
          .digest('base64'),
      ),
    );
  });

  it('without Worker at all, a single PUT of a size hashed in a Worker elsewhere declares the MD5 of the file', async () => {
    const result = await track(
      page,
      page.evaluate(async (makeFile) => {
        const w = window as unknown as Record<string, any>;
        delete w.Worker;
        const bytes = (0, eval)(makeFile)(4 * 1024 * 1024);
        const file = new File([bytes], 'doc.pdf', { type: 'application/pdf' });
        return w.client.uploadFile(file, { endpoint: '/presign', multipartThreshold: Infinity });
      }, MAKE_FILE),
    );
    storedKeys.push(result.key);
    const object = await rgwClient().send(new GetObjectCommand({ Bucket: BUCKET, Key: result.key }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect(received[0]!.checksum).toBe(createHash('md5').update(stored).digest('base64'));
  });
});

describe('bytes corrupted by one byte on the way, sent from Chromium', () => {
  /**
   * Presigns with the digest of `good` and sends `good` with one byte flipped, in the page. `PART`:
   * each part in turn (a full one and the shorter last one), corrupted then right, so that every
   * part's digest is shown to hold.
   */
  function sendCorrupted(kind: 'PUT' | 'POST' | 'PART') {
    return track(
      page,
      page.evaluate(
        async ({ kind, makeFile }) => {
          const good: Uint8Array<ArrayBuffer> = (0, eval)(makeFile)(kind === 'PART' ? 5 * 1024 * 1024 + 4096 : 4096);
          const bad = good.slice();
          bad[100] = bad[100]! ^ 0x01;
          const w = window as unknown as Record<string, any>;
          const { hashBlob } = w.client;
          const checksum: string = await hashBlob(new Blob([good]), 'md5');
          const call = async (path: string, body: unknown) =>
            (
              await fetch(path, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify(body),
              })
            ).json();
          const base = { fileName: 'doc.pdf', contentType: 'application/pdf', size: good.length };
          let response: Response | undefined;
          let receipt: string | undefined;
          let key: string;
          const parts: { corrupted: number; text: string; right: number }[] = [];
          if (kind === 'PUT') {
            const presigned = await call('/presign', { ...base, checksum });
            key = presigned.key;
            response = await fetch(presigned.uploadUrl, { method: 'PUT', headers: presigned.headers, body: bad });
          } else if (kind === 'POST') {
            const presigned = await call('/presign-post', { ...base, checksum });
            ({ key, receipt } = presigned);
            const form = new FormData();
            for (const [name, value] of Object.entries(presigned.fields as Record<string, string>))
              form.append(name, value);
            form.append('file', new Blob([bad]));
            response = await fetch(presigned.uploadUrl, { method: 'POST', body: form });
          } else {
            const upload = await call('/presign', { action: 'createMultipart', ...base });
            key = upload.key;
            const partNumbers = [1, 2];
            const slices = partNumbers.map((part) => good.slice((part - 1) * upload.partSize, part * upload.partSize));
            const signed = await call('/presign', {
              action: 'signParts',
              token: upload.token,
              partNumbers,
              checksums: await Promise.all(slices.map((slice) => hashBlob(new Blob([slice]), 'md5'))),
            });
            for (const [index, { url, headers }] of (
              signed.parts as { url: string; headers: HeadersInit }[]
            ).entries()) {
              const corrupted = slices[index]!.slice();
              corrupted[100] = corrupted[100]! ^ 0x01;
              const refused = await fetch(url, { method: 'PUT', headers, body: corrupted });
              const text = await refused.text();
              const right = await fetch(url, { method: 'PUT', headers, body: slices[index]! });
              parts.push({ corrupted: refused.status, text, right: right.status });
            }
            await call('/presign', { action: 'abortMultipart', token: upload.token });
          }
          const verdict = receipt ? await call('/presign-post', { action: 'verify', receipt }) : undefined;
          return { status: response?.status, text: await response?.text(), key, verdict, parts };
        },
        { kind, makeFile: MAKE_FILE },
      ),
    );
  }

  const exists = (key: string) =>
    rgwClient()
      .send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))
      .then(
        () => true,
        () => false,
      );

  it('PUT: RGW refuses it (400 BadDigest) and stores nothing', async () => {
    const { status, text, key } = await sendCorrupted('PUT');
    expect(status).toBe(400);
    expect(text).toContain('<Code>BadDigest</Code>');
    expect(await exists(key)).toBe(false);
  });

  it('each multipart part: RGW refuses it (400 BadDigest), and takes the right bytes under the same URL', async () => {
    const { parts, key } = await sendCorrupted('PART');
    expect(parts.map(({ corrupted, right }) => [corrupted, right])).toEqual([
      [400, 200],
      [400, 200],
    ]);
    for (const { text } of parts) expect(text).toContain('<Code>BadDigest</Code>');
    expect(await exists(key)).toBe(false);
  });

  it('POST: RGW stores the form (it ignores Content-MD5 there); verify refuses it and removes it', async () => {
    const { status, key, verdict } = await sendCorrupted('POST');
    storedKeys.push(key);
    expect(status).toBe(204);
    expect(verdict.error.code).toBe('CHECKSUM_MISMATCH');
    expect(await exists(key)).toBe(false);
  });
});
