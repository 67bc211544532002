/**
 * Section 4: uploads from Chromium to Ceph RGW on loopback, side by side in one run, for the same
 * file picked in an <input> (read from disk, never whole in the page): a raw `fetch` PUT to a
 * presigned URL, `uploadFile` in one PUT, `uploadFile` in parts, and Uppy 6 with `presignForUppy`
 * in parts (both hash Content-MD5 by default, in Web Workers; uploadFile also with `checksum: 'none'`).
 * ROUNDS rounds (BENCH_UPLOAD_ROUNDS, default 3) of a 64 MiB file in a rotating order;
 * BENCH_UPLOAD_GIB=1 adds one round of a 1 GiB file (about a minute per contender on 2 busy cores),
 * during which the renderer's JS heap (CDP Performance.getMetrics) and the RSS of every Chromium
 * process (/proc) are sampled. Needs RGW (`bash scripts/s3-server.sh start`) and Debian's chromium.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { toExpressHandler } from '../src/adapters/express.js';
import { createPresigner } from '../src/index.js';
import { bundleForBrowser } from '../test/helpers/page-server.js';
import { fmt, ratio, summarize, table, type Goal } from './stats.js';

const MIB = 1024 ** 2;
const ROUNDS = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3);
const WITH_GIB = process.env.BENCH_UPLOAD_GIB === '1';
const BUCKET = 'upload-presigner-bench';
const RGW = {
  endpoint: process.env.S3_ENDPOINT ?? 'http://127.0.0.1:7480',
  region: 'us-east-1',
  credentials: {
    accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'UPLOADPRESIGNERTEST',
    secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'upload-presigner-test-secret-key-0000',
  },
  forcePathStyle: true,
};
/** Above 64 MiB, so that `uploadFile` sends the 64 MiB file in one PUT unless told otherwise. */
const PART_SIZE = 8 * MIB;

const CONTENDERS = [
  { id: 'raw', label: 'raw fetch PUT (presigned URL)' },
  { id: 'raw-xhr', label: 'raw XMLHttpRequest PUT (presigned URL)' },
  { id: 'single', label: 'uploadFile, one PUT (Content-MD5)' },
  { id: 'parts', label: 'uploadFile, multipart (MD5 a part, 4 at a time)' },
  { id: 'single-unhashed', label: "uploadFile, one PUT, checksum: 'none'" },
  { id: 'parts-unhashed', label: "uploadFile, multipart, checksum: 'none'" },
  { id: 'uppy', label: 'Uppy 6 + presignForUppy, multipart (MD5 a part)' },
] as const;
type ContenderId = (typeof CONTENDERS)[number]['id'];

const ENTRY = `
import Uppy from '@uppy/core';
import AwsS3 from '@uppy/aws-s3';
import { uploadFile, presignForUppy } from './src/client/index.ts';

const input = document.getElementById('file');
const presign = async (file) => {
  const response = await fetch('/presign', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fileName: file.name, contentType: file.type, size: file.size }) });
  return response.json();
};
const runs = {
  raw: async (file) => {
    const { uploadUrl, headers, key } = await presign(file);
    const { 'content-length': _, ...sent } = headers;
    const response = await fetch(uploadUrl, { method: 'PUT', headers: sent, body: file });
    if (!response.ok) throw new Error('raw PUT: ' + response.status);
    return key;
  },
  'raw-xhr': async (file) => {
    const { uploadUrl, headers, key } = await presign(file);
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', uploadUrl);
    for (const [name, value] of Object.entries(headers)) if (name !== 'content-length') xhr.setRequestHeader(name, value);
    await new Promise((resolve, reject) => {
      xhr.onload = () => (xhr.status === 200 ? resolve() : reject(new Error('raw XHR PUT: ' + xhr.status)));
      xhr.onerror = () => reject(new Error('raw XHR PUT: network error'));
      xhr.send(file);
    });
    return key;
  },
  single: async (file) => (await uploadFile(file, { endpoint: '/presign', multipartThreshold: Infinity })).key,
  parts: async (file) => (await uploadFile(file, { endpoint: '/presign', multipartThreshold: 1, resume: false })).key,
  'single-unhashed': async (file) =>
    (await uploadFile(file, { endpoint: '/presign', multipartThreshold: Infinity, checksum: 'none' })).key,
  'parts-unhashed': async (file) =>
    (await uploadFile(file, { endpoint: '/presign', multipartThreshold: 1, resume: false, checksum: 'none' })).key,
  uppy: async (file) => {
    const uppy = new Uppy().use(AwsS3, presignForUppy({ endpoint: '/presign', multipartThreshold: 1, partSize: ${PART_SIZE} }));
    uppy.addFile({ name: file.name, type: file.type, data: file });
    const result = await uppy.upload();
    uppy.destroy();
    if (result.failed.length) throw new Error('Uppy: ' + result.failed.map((f) => String(f.error)).join('; '));
    return result.successful[0].response.body.key;
  },
};
window.run = async (id) => {
  const started = performance.now();
  const key = await runs[id](input.files[0]);
  return { key, ms: performance.now() - started };
};
window.ready = true;
`;

interface Sample {
  ms: number;
  key: string;
}

/** A file of random bytes on disk. */
async function makeFile(dir: string, name: string, size: number): Promise<string> {
  const path = join(dir, name);
  const out = createWriteStream(path);
  const chunk = randomBytes(4 * MIB);
  // One random block, each copy salted, is plenty: RGW neither compresses nor deduplicates.
  for (let written = 0; written < size; written += chunk.length) {
    chunk.writeUInt32LE(written / chunk.length, 0);
    if (!out.write(Buffer.from(chunk.subarray(0, Math.min(chunk.length, size - written))))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const presigner = createPresigner({
    ...RGW,
    bucket: BUCKET,
    allowedTypes: ['video/mp4'],
    maxSize: 2 * 1024 * MIB,
    multipartSecret: 'bench-upload-secret-0123456789abcdef',
    partSize: PART_SIZE,
  });
  const handler = toExpressHandler(presigner);
  const page = `<!doctype html><meta charset="utf-8"><title>upload bench</title><input type="file" id="file"><script type="module" src="/page.js"></script>`;
  const script = await bundleForBrowser(ENTRY);
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/presign') return void handler(req, res);
    if (req.url === '/page.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function prepareBucket(s3: S3Client, origin: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((error: Error) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: BUCKET,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [origin],
            AllowedMethods: ['PUT', 'POST', 'GET'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: 600,
          },
        ],
      },
    }),
  );
}

/** RSS of every Chromium process (kB from /proc), so a copy of the file anywhere in the browser shows. */
async function chromiumRss(browserPid: number): Promise<{ total: number; largest: number }> {
  let total = 0;
  let largest = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const parent = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
    const isChromium = Number(entry) === browserPid || (await isDescendant(Number(entry), parent, browserPid));
    if (!isChromium) continue;
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
    total += rss;
    largest = Math.max(largest, rss);
  }
  return { total, largest };
}

async function isDescendant(pid: number, parent: number, ancestor: number): Promise<boolean> {
  for (let current = parent, hops = 0; current > 1 && hops < 5; hops++) {
    if (current === ancestor) return true;
    const status = await readFile(`/proc/${current}/status`, 'utf8').catch(() => '');
    current = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return pid === ancestor;
}

/** Runs one upload while sampling memory every 250 ms; the samples' peaks come back with the time. */
async function measure(page: Page, id: ContenderId, browserPid: number | undefined) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  let peakHeap = 0;
  let peakRss = { total: 0, largest: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { metrics } = await cdp.send('Performance.getMetrics');
      peakHeap = Math.max(peakHeap, metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0);
      if (browserPid) {
        const rss = await chromiumRss(browserPid);
        peakRss = { total: Math.max(peakRss.total, rss.total), largest: Math.max(peakRss.largest, rss.largest) };
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  let sample: Sample;
  try {
    sample = await page.evaluate((contender) => (window as any).run(contender) as Promise<Sample>, id);
  } finally {
    // The peaks count only once the sample under way is in.
    sampling = false;
    await sampler;
    await cdp.detach();
  }
  return { ...sample, peakHeap, peakRss };
}

async function openPage(browser: Browser, origin: string, path: string): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(600_000);
  await page.goto(origin);
  await page.waitForFunction(() => 'ready' in window);
  await page.setInputFiles('#file', path);
  return page;
}

export async function runUpload(): Promise<Goal[]> {
  console.log(`\n=== 4. Uploads from Chromium to Ceph RGW on loopback (${RGW.endpoint}) ===`);
  const s3 = new S3Client(RGW);
  const dir = await mkdtemp(join(tmpdir(), 'upload-presigner-bench-'));
  const { server, origin } = await startPageServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic'],
  });
  const goals: Goal[] = [];
  try {
    await prepareBucket(s3, origin);
    const browserPid = await findBrowserPid();
    const sizes = [{ name: '64 MiB', size: 64 * MIB, rounds: ROUNDS }];
    if (WITH_GIB) sizes.push({ name: '1 GiB', size: 1024 * MIB, rounds: 1 });
    for (const { name, size, rounds } of sizes) {
      const path = await makeFile(dir, `bench-${size}.mp4`, size);
      const samples = new Map<ContenderId, { ms: number[]; heap: number; rss: number; largest: number }>();
      for (let round = 0; round < rounds; round++) {
        const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length]!);
        for (const { id } of order) {
          // A fresh page each time: no heap left over from the contender before.
          const page = await openPage(browser, origin, path);
          const result = await measure(page, id, browserPid);
          await page.close();
          await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: result.key }));
          const entry = samples.get(id) ?? { ms: [], heap: 0, rss: 0, largest: 0 };
          entry.ms.push(result.ms);
          entry.heap = Math.max(entry.heap, result.peakHeap);
          entry.rss = Math.max(entry.rss, result.peakRss.total);
          entry.largest = Math.max(entry.largest, result.peakRss.largest);
          samples.set(id, entry);
        }
      }
      const mibPerSecond = (id: ContenderId) => size / MIB / (summarize(samples.get(id)!.ms).median / 1000);
      table(
        `${name}, ${rounds} round(s), median of each (MiB/s from wall time, presign included)`,
        [
          'contender',
          'median s',
          'MiB/s',
          'vs raw fetch PUT',
          'peak JS heap',
          'peak RSS, all Chromium',
          'largest process',
        ],
        CONTENDERS.map(({ id, label }) => {
          const entry = samples.get(id)!;
          return [
            label,
            fmt(summarize(entry.ms).median / 1000),
            fmt(mibPerSecond(id)),
            ratio(mibPerSecond(id) / mibPerSecond('raw')),
            `${fmt(entry.heap / MIB)} MiB`,
            `${fmt(entry.rss / MIB)} MiB`,
            `${fmt(entry.largest / MIB)} MiB`,
          ];
        }),
      );
      // Against the faster of the two raw PUTs: Chromium sends a Blob faster through XHR than fetch.
      const single = mibPerSecond('single') / Math.max(mibPerSecond('raw'), mibPerSecond('raw-xhr'));
      goals.push({
        name: `uploadFile one PUT vs the faster raw PUT, ${name}`,
        measured: ratio(single),
        goal: '≥ 0.9×',
        met: single >= 0.9,
      });
      const parts = mibPerSecond('parts') / mibPerSecond('uppy');
      goals.push({
        name: `uploadFile multipart vs Uppy multipart, ${name}`,
        measured: ratio(parts),
        goal: '≥ 1×',
        met: parts >= 1,
      });
      if (size >= 1024 * MIB) {
        const rss = Math.max(...[...samples.values()].map((entry) => entry.largest));
        goals.push({
          name: 'largest Chromium process during a 1 GiB upload',
          measured: `${fmt(rss / MIB)} MiB`,
          goal: '< 512 MiB (no whole-file read)',
          met: rss < 512 * MIB,
        });
      }
      await rm(path);
    }
  } finally {
    await browser.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
  return goals;
}

/** The Chromium this process launched: the newest `chromium` whose parent is this process. */
async function findBrowserPid(): Promise<number | undefined> {
  let found: number | undefined;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === process.pid && /^Name:\s+chrom/m.test(status))
      found = Math.max(found ?? 0, Number(entry));
  }
  return found;
}
