/**
 * Section 5 — the cost of integrity: how fast the client hashes a file (hash-wasm, a 4 MiB slice
 * at a time, as `uploadFile` does before it asks for a URL) beside only reading it, for each
 * algorithm; and what signing a digest adds to a presign. 64 MiB always; BENCH_HASH_GIB=1 adds 1 GiB.
 */
import { hashBlob } from '../src/client/hash.js';
import { createPresigner } from '../src/index.js';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../src/protocol.js';
import { fmt, ratio, table, type Goal } from './stats.js';

const MIB = 1024 ** 2;

/** Reads `blob` a slice at a time and touches every slice, as hashing does, without the hash. */
async function readOnly(blob: Blob): Promise<number> {
  let bytes = 0;
  for (let offset = 0; offset < blob.size; offset += 4 * MIB)
    bytes += new Uint8Array(await blob.slice(offset, offset + 4 * MIB).arrayBuffer()).length;
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
  cases: { request: object; checksum: ChecksumAlgorithm }[],
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

export async function runHash(): Promise<Goal[]> {
  const sizes = [64 * MIB, ...(process.env.BENCH_HASH_GIB === '1' ? [1024 * MIB] : [])];
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
    '=== 5. Hashing before upload (hash-wasm, 4 MiB slices, Node) ===',
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
