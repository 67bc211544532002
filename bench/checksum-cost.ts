// What a signed digest costs per presign, each algorithm beside none: long interleaved samples of
// the public presign() (4,000 calls after 1,000 of warm-up, 30 rounds in a rotating order), which
// read the ≤ 1.2× goal more steadily than section 1's 40 ms samples.
// Run: node --import tsx bench/checksum-cost.ts
import { createPresigner } from '../src/index.js';
import { CHECKSUM_ALGORITHMS } from '../src/protocol.js';

const ROUNDS = 30;
const WARM_UP = 1_000;
const TIMED = 4_000;
/** A digest of the right shape for each algorithm (any bytes do: presigning does not read the file). */
const DIGESTS = {
  md5: '1B2M2Y8AsgTpgAmY7PhCfg==',
  sha256: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
  crc32: 'AAAAAA==',
  crc64nvme: 'AAAAAAAAAAA=',
} as const;

const base = {
  bucket: 'uploads',
  region: 'us-east-1',
  allowedTypes: ['image/*'],
  maxFileSize: 10_000_000,
  credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example-secret', sessionToken: 'x'.repeat(617) },
};
const contenders = [
  { name: 'none', presigner: createPresigner({ ...base, checksum: 'none' }), checksum: undefined },
  ...CHECKSUM_ALGORITHMS.map((algorithm) => ({
    name: algorithm,
    presigner: createPresigner({ ...base, checksum: algorithm }),
    checksum: DIGESTS[algorithm],
  })),
];
const samples = new Map(contenders.map(({ name }) => [name, [] as number[]]));

for (let round = 0; round < ROUNDS; round++) {
  for (let turn = 0; turn < contenders.length; turn++) {
    const { name, presigner, checksum } = contenders[(turn + round) % contenders.length]!;
    const request = { fileName: 'sample.jpg', contentType: 'image/jpeg', size: 48_213, checksum };
    for (let call = 0; call < WARM_UP; call++) await presigner.presign(request);
    const start = process.hrtime.bigint();
    for (let call = 0; call < TIMED; call++) await presigner.presign(request);
    samples.get(name)!.push(Number(process.hrtime.bigint() - start) / TIMED / 1_000);
  }
}

const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
const none = median(samples.get('none')!);
for (const [name, values] of samples) {
  console.log(`${name.padEnd(10)} ${median(values).toFixed(2).padStart(7)} µs  ${(median(values) / none).toFixed(3)}×`);
}
