/**
 * Section 5 — the cost of integrity: how fast the client hashes a file (hash-wasm, 8 MiB slices,
 * the next read while one is hashed) beside only reading it, for each algorithm in Node; in Debian's Chromium, for a file
 * picked in an <input>, MD5 on the page's thread beside in a Worker (what `uploadFile` does), whole
 * and as 8 MiB parts one after another or side by side in two Workers, with the page's longest
 * stall; and what signing a digest adds to a presign. 64 MiB always; BENCH_HASH_GIB=1 adds 1 GiB.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { hashBlob } from '../src/client/hash.js';
import { createPresigner, type PresignRequest } from '../src/index.js';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../src/protocol.js';
import { bundleForBrowser } from '../test/helpers/page-server.js';
import { fmt, ratio, summarize, table, type Goal } from './stats.js';

const MIB = 1024 ** 2;

/** Reads `blob` a slice at a time and touches every slice, as hashing does, without the hash. */
async function readOnly(blob: Blob): Promise<number> {
  let bytes = 0;
  for (let offset = 0; offset < blob.size; offset += 8 * MIB)
    bytes += new Uint8Array(await blob.slice(offset, offset + 8 * MIB).arrayBuffer()).length;
  return bytes;
}

async function megabytesPerSecond(size: number, work: () => Promise<unknown>, runs: number): Promise<number> {
  await work(); // warm: hash-wasm compiles its WebAssembly on first use
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return size / MIB / (times[Math.floor(times.length / 2)]! / 1000);
}

/**
 * Microseconds per presign for each case, the median of rounds taken in turn (ABCABC…), so that a
 * busy machine weighs on every case alike.
 */
async function presignMicros(
  cases: { request: PresignRequest; checksum: ChecksumAlgorithm }[],
  rounds = 21,
  batch = 2000,
): Promise<number[]> {
  const presigners = cases.map(({ checksum }) =>
    createPresigner({
      checksum,
      bucket: 'my-uploads',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      allowedTypes: ['image/*'],
    }),
  );
  const times = cases.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, { request }] of cases.entries()) {
      const started = performance.now();
      for (let i = 0; i < batch; i++) await presigners[index]!.presign(request);
      times[index]!.push(((performance.now() - started) * 1000) / batch);
    }
  }
  return times.map((samples) => samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!);
}

const BROWSER_CASES = [
  { id: 'read', label: 'read only (no hash), page, 8 MiB slices' },
  { id: 'read-4', label: 'read only (no hash), page, 4 MiB slices (as hashing read before)' },
  { id: 'compute', label: "MD5 alone, bytes already in memory, page's thread (64 MiB only)" },
  { id: 'page', label: "whole file, page's thread" },
  { id: 'worker', label: 'whole file, a Worker (uploadFile, one PUT)' },
  { id: 'parts-1', label: '8 MiB parts one after another, a Worker' },
  { id: 'parts-2', label: '8 MiB parts side by side, 2 Workers (multipart)' },
] as const;

const BROWSER_ENTRY = `
import { createMD5 } from 'hash-wasm';
import { hashBlob, hashOnPage } from './src/client/hash.ts';

/** The file's bytes, read whole once (on the warm-up run), for MD5 timed without reading. */
let held;

const PART = 8 * 1024 * 1024;
const partsOf = (file) =>
  Array.from({ length: Math.ceil(file.size / PART) }, (_, i) => ({ start: i * PART, end: Math.min(file.size, (i + 1) * PART) }));
const runs = {
  read: async (file) => {
    for (let offset = 0; offset < file.size; offset += 8 * 1024 * 1024)
      new Uint8Array(await file.slice(offset, offset + 8 * 1024 * 1024).arrayBuffer());
  },
  'read-4': async (file) => {
    for (let offset = 0; offset < file.size; offset += 4 * 1024 * 1024)
      new Uint8Array(await file.slice(offset, offset + 4 * 1024 * 1024).arrayBuffer());
  },
  compute: async (file) => {
    held ??= new Uint8Array(await file.arrayBuffer());
    const hasher = await createMD5();
    hasher.init();
    for (let offset = 0; offset < held.length; offset += 8 * 1024 * 1024) hasher.update(held.subarray(offset, offset + 8 * 1024 * 1024));
    return hasher.digest();
  },
  page: (file) => hashOnPage(file, 'md5', { start: 0, end: file.size }),
  worker: (file) => hashBlob(file, 'md5'),
  'parts-1': async (file) => {
    for (const part of partsOf(file)) await hashBlob(file, 'md5', part);
  },
  'parts-2': (file) => Promise.all(partsOf(file).map((part) => hashBlob(file, 'md5', part))),
};
window.run = async (id) => {
  // The page's longest stall: how long a 10 ms timer waited past its time.
  let stall = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 10);
    last = now;
  }, 10);
  const started = performance.now();
  await runs[id](document.getElementById('file').files[0]);
  const ms = performance.now() - started;
  clearInterval(timer);
  return { ms, stall };
};
window.ready = true;
`;

/** MiB/s and the page's longest stall for each way of hashing in Chromium, medians of rounds in a rotating order. */
async function browserHashing(size: number, rounds: number): Promise<string[][]> {
  const dir = await mkdtemp(join(tmpdir(), 'upload-presigner-hash-'));
  const path = join(dir, 'file.bin');
  const out = createWriteStream(path);
  const block = Buffer.alloc(4 * MIB, 7);
  for (let written = 0; written < size; written += block.length) if (!out.write(block)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  const script = await bundleForBrowser(BROWSER_ENTRY);
  const server = createServer((req, res) => {
    if (req.url === '/page.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><input type="file" id="file"><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'ready' in window);
    await page.setInputFiles('#file', path);
    const run = (id: string) =>
      page.evaluate((id) => (window as any).run(id) as Promise<{ ms: number; stall: number }>, id);
    // A 1 GiB file is not held in the page, so MD5 alone is timed on 64 MiB only.
    const cases = BROWSER_CASES.filter(({ id }) => id !== 'compute' || size <= 256 * MIB);
    for (const { id } of cases) await run(id); // warm: hash-wasm compiles, Workers start
    const samples = new Map<string, { ms: number[]; stall: number[] }>();
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < cases.length; i++) {
        const { id } = cases[(i + round) % cases.length]!;
        const { ms, stall } = await run(id);
        const entry = samples.get(id) ?? { ms: [], stall: [] };
        entry.ms.push(ms);
        entry.stall.push(stall);
        samples.set(id, entry);
      }
    }
    const rate = (id: string) => size / MIB / (summarize(samples.get(id)!.ms).median / 1000);
    return cases.map(({ id, label }) => [
      `${size / MIB} MiB`,
      label,
      fmt(rate(id), 4),
      id === 'read' ? '1×' : ratio(rate('read') / rate(id)),
      // MD5 alone never yields, so the timer that measures stalls cannot fire during it.
      id === 'compute' ? '—' : `${fmt(summarize(samples.get(id)!.stall).median)} ms`,
    ]);
  } finally {
    await browser.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runHash(): Promise<Goal[]> {
  const sizes = [64 * MIB, ...(process.env.BENCH_HASH_GIB === '1' ? [1024 * MIB] : [])];
  const browserRows: string[][] = [];
  for (const size of sizes) browserRows.push(...(await browserHashing(size, size > 256 * MIB ? 1 : 5)));
  table(
    '=== 5. Hashing before upload in Chromium (MD5, hash-wasm, 8 MiB slices read ahead, a picked file) ===',
    ['file', 'how', 'MiB/s', 'time vs read', "page's longest stall"],
    browserRows,
  );
  const rows: string[][] = [];
  for (const size of sizes) {
    const blob = new Blob([new Uint8Array(size).fill(7)]);
    const runs = size > 256 * MIB ? 3 : 7;
    const reading = await megabytesPerSecond(size, () => readOnly(blob), runs);
    rows.push([`${size / MIB} MiB`, 'read only (no hash)', fmt(reading, 4), '1×']);
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const hashing = await megabytesPerSecond(size, () => hashBlob(blob, algorithm), runs);
      rows.push([`${size / MIB} MiB`, algorithm, fmt(hashing, 4), ratio(reading / hashing)]);
    }
  }
  table(
    '=== 5. Hashing before upload in Node (hash-wasm, 8 MiB slices read ahead, page-thread code) ===',
    ['file', 'hash', 'MB/s', 'time vs read'],
    rows,
  );

  const plain = { fileName: 'a.jpg', contentType: 'image/jpeg', size: 48_213 };
  const [withoutDigest, withMd5, withSha256] = (await presignMicros([
    { request: plain, checksum: 'md5' },
    { request: { ...plain, checksum: '1B2M2Y8AsgTpgAmY7PhCfg==' }, checksum: 'md5' },
    { request: { ...plain, checksum: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' }, checksum: 'sha256' },
  ])) as [number, number, number];
  table(
    '=== 5. Presign with and without a signed digest (direct signer, per URL) ===',
    ['request', 'µs per presign', 'vs without'],
    [
      ['no digest', fmt(withoutDigest, 3), '1×'],
      ['Content-MD5', fmt(withMd5, 3), ratio(withMd5 / withoutDigest)],
      ['x-amz-checksum-sha256', fmt(withSha256, 3), ratio(withSha256 / withoutDigest)],
    ],
  );
  return [
    {
      name: 'presign with a signed digest within 1.2× of without',
      measured: ratio(Math.max(withMd5, withSha256) / withoutDigest),
      goal: '≤ 1.2×',
      met: Math.max(withMd5, withSha256) / withoutDigest <= 1.2,
    },
  ];
}
