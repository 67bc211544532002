/**
 * Section 1: per-URL cost of presigning the same upload, interleaved so that drift hits every
 * contender alike. Each sample starts from a collected heap, warms up for WARM_MS, then times a
 * batch of calls for about SAMPLE_MS and keeps ns per call; rounds visit the contenders in a
 * rotating order, and ratios are taken per round (paired).
 */
import { createHash, createHmac, createSecretKey, hash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { HttpRequest } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { createPresigner } from '../src/index.js';
import { parseContentType } from '../src/core/content-type.js';
import { assertSafeKey, nameBudget, toSafeName } from '../src/core/keys.js';
import { presignPut } from '../src/core/sigv4.js';
import { presignPost } from '../src/core/sigv4-post.js';
import { PresignRequestSchema } from '../src/schemas.js';
import * as esbuild from 'esbuild';
import * as v from 'valibot';
import { fmt, ratio, summarize, table, type Goal } from './stats.js';

/**
 * The signers answer synchronously when node:crypto is there, as it is for this benchmark: a
 * promise would mean the Web Crypto path, whose cost is measured on its own below.
 */
function synchronous<T>(value: T | Promise<T>): T {
  if (value instanceof Promise) throw new Error('expected the node:crypto signer, which answers synchronously');
  return value;
}

const ROUNDS = Number(process.env.BENCH_PRESIGN_ROUNDS ?? 30);
const SAMPLE_MS = Number(process.env.BENCH_PRESIGN_SAMPLE_MS ?? 40);
const WARM_MS = Number(process.env.BENCH_PRESIGN_WARM_MS ?? 40);
const MAX_CALLS_PER_SAMPLE = 1_000_000;

const BUCKET = 'bench-uploads';
const REGION = 'us-east-1';
const HOST = `${BUCKET}.s3.${REGION}.amazonaws.com`;
const SIZE = 48_213;
const CONTENT_TYPE = 'image/jpeg';
// Lambda-like credentials: a role's session token is several hundred characters and is signed into every URL.
const CREDENTIALS = {
  accessKeyId: 'ASIABENCHMARKEXAMPLE',
  secretAccessKey: 'bench/Secret+Access/Key0123456789EXAMPLEKEY',
  sessionToken: `IQoJb3JpZ2luX2VjE${'Bench0Session1Token2'.repeat(30)}==`,
};
// What a presign of a JPEG signs by default: its type, its size and If-None-Match (no disposition
// for an image under `contentDisposition: 'auto'`), so that every contender signs the same request.
const SIGNABLE = new Set(['content-type', 'content-length', 'if-none-match']);

/** The PUT that the direct signer's contenders and checks sign: one key, its headers, 300 s, at `date`. */
const putParameters = (key: string, date: Date) => ({
  location: { protocol: 'https:' as const, host: HOST, basePath: '' },
  region: REGION,
  credentials: CREDENTIALS,
  key,
  headers: { 'content-type': CONTENT_TYPE, 'content-length': String(SIZE), 'if-none-match': '*' },
  expiresIn: 300,
  date,
});

/** A contender runs `n` calls; sync ones loop without awaiting, so no microtask cost is added to them. */
interface Contender {
  id: string;
  label: string;
  run(n: number): unknown;
}

let sink = 0;
const keep = (value: unknown) => {
  sink ^= typeof value === 'string' ? value.length : 1;
};

function contenders() {
  const putPresigner = createPresigner({
    bucket: BUCKET,
    region: REGION,
    credentials: CREDENTIALS,
    allowedTypes: ['image/*'],
    maxSize: 10 * 1024 * 1024,
    expiresIn: 300,
  });
  const postPresigner = createPresigner({
    bucket: BUCKET,
    region: REGION,
    credentials: CREDENTIALS,
    allowedTypes: ['image/*'],
    maxSize: 10 * 1024 * 1024,
    expiresIn: 300,
    method: 'POST',
  });
  const input = { fileName: 'sample.jpg', contentType: CONTENT_TYPE, size: SIZE };
  const client = new S3Client({
    region: REGION,
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const smithy = new SignatureV4({
    credentials: CREDENTIALS,
    region: REGION,
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
    applyChecksum: false,
  });

  const putRequest = (key: string) =>
    new HttpRequest({
      method: 'PUT',
      protocol: 'https:',
      hostname: HOST,
      path: `/${key}`,
      query: { 'x-id': 'PutObject' },
      headers: {
        host: HOST,
        'content-type': CONTENT_TYPE,
        'content-length': String(SIZE),
        'if-none-match': '*',
        'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
      },
    });

  // (d): the crypto a SigV4 presign cannot avoid, on a canonical request as long as a real one.
  const date = new Date();
  const sample = synchronous(presignPut(putParameters(`uploads/${randomUUID()}-sample.jpg`, date)));
  const url = new URL(sample);
  const query = url.search.slice(1).replace(/&X-Amz-Signature=[0-9a-f]+/, '');
  const canonicalRequest = `PUT\n${url.pathname}\n${query}\ncontent-length:${SIZE}\ncontent-type:${CONTENT_TYPE}\nhost:${HOST}\nif-none-match:*\n\ncontent-length;content-type;host;if-none-match\nUNSIGNED-PAYLOAD`;
  const scope = `20261128/${REGION}/s3/aws4_request`;
  const signingKey = createHmac('sha256', 'AWS4key').update('x').digest();
  // The fastest way node:crypto offers (Node 20.12+): one-shot hash, HMAC keyed by a KeyObject.
  const signingKeyObject = createSecretKey(signingKey);
  const policy = Buffer.from(
    JSON.stringify({
      expiration: '2026-11-28T10:05:00Z',
      conditions: [
        { 'Content-Type': CONTENT_TYPE },
        ['content-length-range', SIZE, SIZE],
        { bucket: BUCKET },
        { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
        { 'X-Amz-Credential': `${CREDENTIALS.accessKeyId}/${scope}` },
        { 'X-Amz-Date': '20261128T100000Z' },
        { 'X-Amz-Security-Token': CREDENTIALS.sessionToken },
        { key: `uploads/${randomUUID()}-sample.jpg` },
      ],
    }),
  ).toString('base64');

  const put: Contender[] = [
    {
      id: 'ours',
      label: '(a) upload-presigner presign()',
      async run(n) {
        for (let i = 0; i < n; i++) keep((await putPresigner.presign(input)).uploadUrl);
      },
    },
    {
      id: 'sdk',
      label: '(b) getSignedUrl + PutObjectCommand',
      async run(n) {
        for (let i = 0; i < n; i++) {
          const command = new PutObjectCommand({
            Bucket: BUCKET,
            Key: `uploads/${randomUUID()}-sample.jpg`,
            ContentType: CONTENT_TYPE,
            ContentLength: SIZE,
            IfNoneMatch: '*',
          });
          keep(await getSignedUrl(client, command, { expiresIn: 300, signableHeaders: SIGNABLE }));
        }
      },
    },
    {
      id: 'smithy',
      label: '(c) SignatureV4.presign (@smithy)',
      async run(n) {
        for (let i = 0; i < n; i++)
          keep(
            await smithy.presign(putRequest(`uploads/${randomUUID()}-sample.jpg`), {
              expiresIn: 300,
              signableHeaders: SIGNABLE,
            }),
          );
      },
    },
    {
      id: 'crypto',
      label: '(d) node:crypto SHA-256 + HMAC only',
      run(n) {
        for (let i = 0; i < n; i++) {
          const digest = hash('sha256', canonicalRequest, 'hex');
          keep(
            createHmac('sha256', signingKeyObject)
              .update(`AWS4-HMAC-SHA256\n20261128T100000Z\n${scope}\n${digest}`, 'utf8')
              .digest('hex'),
          );
        }
      },
    },
    {
      id: 'crypto-objects',
      label: "(d') the same with createHash + Buffer key",
      run(n) {
        for (let i = 0; i < n; i++) {
          const digest = createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
          keep(
            createHmac('sha256', signingKey)
              .update(`AWS4-HMAC-SHA256\n20261128T100000Z\n${scope}\n${digest}`, 'utf8')
              .digest('hex'),
          );
        }
      },
    },
  ];
  const post: Contender[] = [
    {
      id: 'ours',
      label: "(a) upload-presigner presign(), method 'POST'",
      async run(n) {
        for (let i = 0; i < n; i++) keep((await postPresigner.presign(input)).uploadUrl);
      },
    },
    {
      id: 'sdk',
      label: '(b) createPresignedPost',
      async run(n) {
        for (let i = 0; i < n; i++) {
          keep(
            (
              await createPresignedPost(client, {
                Bucket: BUCKET,
                Key: `uploads/${randomUUID()}-sample.jpg`,
                Fields: { 'Content-Type': CONTENT_TYPE },
                Conditions: [{ 'Content-Type': CONTENT_TYPE }, ['content-length-range', SIZE, SIZE]],
                Expires: 300,
              })
            ).url,
          );
        }
      },
    },
    {
      id: 'crypto',
      label: '(d) node:crypto HMAC of the policy only',
      run(n) {
        for (let i = 0; i < n; i++) keep(createHmac('sha256', signingKeyObject).update(policy, 'utf8').digest('hex'));
      },
    },
    {
      id: 'crypto-objects',
      label: "(d') the same with a Buffer key",
      run(n) {
        for (let i = 0; i < n; i++) keep(createHmac('sha256', signingKey).update(policy, 'utf8').digest('hex'));
      },
    },
  ];
  // Where ours spends its time: the steps of presign(), each alone (same inputs as above).
  const key = `uploads/${randomUUID()}-sample.jpg`;
  const location = { protocol: 'https:' as const, host: HOST, basePath: '' };
  const signedHeaders = { 'content-type': CONTENT_TYPE, 'content-length': String(SIZE), 'if-none-match': '*' };
  const steps: Contender[] = [
    put[0]!,
    {
      id: 'validate',
      label: '  request validation (valibot safeParse)',
      run: (n) => {
        for (let i = 0; i < n; i++) keep(v.safeParse(PresignRequestSchema, input));
      },
    },
    {
      id: 'type',
      label: '  parseContentType',
      run: (n) => {
        for (let i = 0; i < n; i++) keep(parseContentType(CONTENT_TYPE));
      },
    },
    {
      id: 'uuid',
      label: '  crypto.randomUUID',
      run: (n) => {
        for (let i = 0; i < n; i++) keep(randomUUID());
      },
    },
    {
      id: 'name',
      label: '  toSafeName (keys.ts)',
      run: (n) => {
        for (let i = 0; i < n; i++)
          keep(toSafeName('sample.jpg', CONTENT_TYPE, nameBudget('uploads/', key.slice(8, 44))));
      },
    },
    {
      id: 'assert',
      label: '  assertSafeKey (keys.ts)',
      run: (n) => {
        for (let i = 0; i < n; i++) {
          assertSafeKey(key, 'uploads/', CONTENT_TYPE);
          keep(key);
        }
      },
    },
    {
      id: 'sign',
      label: '  presignPut (sigv4.ts), crypto included',
      run: (n) => {
        for (let i = 0; i < n; i++)
          keep(
            presignPut({
              location,
              region: REGION,
              credentials: CREDENTIALS,
              key,
              headers: signedHeaders,
              expiresIn: 300,
              date: new Date(),
            }),
          );
      },
    },
    put[3]!,
  ];
  const postSteps: Contender[] = [
    post[0]!,
    {
      id: 'sign',
      label: '  presignPost (sigv4-post.ts), crypto included',
      run(n) {
        const range = [SIZE, SIZE] as const;
        for (let i = 0; i < n; i++) {
          keep(
            synchronous(
              presignPost({
                location,
                region: REGION,
                credentials: CREDENTIALS,
                bucket: BUCKET,
                key,
                contentType: CONTENT_TYPE,
                range,
                expiresIn: 300,
                date: new Date(),
              }),
            ).fields.Policy,
          );
        }
      },
    },
    post[2]!,
  ];
  return { put, post, steps, postSteps, client, smithy, putRequest };
}

// A digest of each algorithm, as a client declares it (base64 of the right length).
const DIGESTS = {
  md5: '1B2M2Y8AsgTpgAmY7PhCfg==',
  sha256: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
  crc32: 'NSRBwg==',
  crc64nvme: 'Ljw7pUWr+gs=',
} as const;
type Algorithm = keyof typeof DIGESTS;

/**
 * The same presign with each signed checksum, and with none ('ours' here): a digest must not
 * make a URL cost more than 1.2× one without (issue 18).
 */
function checksumContenders(): Contender[] {
  const input = { fileName: 'sample.jpg', contentType: CONTENT_TYPE, size: SIZE };
  const presigner = (checksum: Algorithm | 'none') =>
    createPresigner({
      bucket: BUCKET,
      region: REGION,
      credentials: CREDENTIALS,
      allowedTypes: ['image/*'],
      maxSize: 10 * 1024 * 1024,
      expiresIn: 300,
      checksum,
    });
  const none = presigner('none');
  const withDigest = (Object.keys(DIGESTS) as Algorithm[]).map((algorithm): Contender => {
    const signing = presigner(algorithm);
    const request = { ...input, checksum: DIGESTS[algorithm] };
    return {
      id: algorithm,
      label: `presign(), checksum '${algorithm}' (${algorithm === 'md5' ? 'Content-MD5 header' : `x-amz-checksum-${algorithm} in the URL`})`,
      async run(n) {
        for (let i = 0; i < n; i++) keep((await signing.presign(request)).uploadUrl);
      },
    };
  });
  return [
    {
      id: 'ours',
      label: "presign(), checksum 'none'",
      async run(n) {
        for (let i = 0; i < n; i++) keep((await none.presign(input)).uploadUrl);
      },
    },
    ...withDigest,
  ];
}

type Signing = { presignPut: typeof presignPut; createPresigner: typeof createPresigner };

/**
 * The signing code twice over, as two module instances of one esbuild bundle: one evaluated as
 * Node evaluates it (node:crypto), one as a runtime without node:crypto does (workerd without
 * nodejs_compat, Node before 20.16: `process.getBuiltinModule` hidden while it loads, as the tests
 * do), so both run side by side in this process, bundled alike.
 */
async function signingPaths(): Promise<{ node: Signing; web: Signing }> {
  const dir = join(process.cwd(), 'node_modules', '.cache', 'upload-presigner-bench', 'signing');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'signing.mjs');
  await esbuild.build({
    stdin: {
      contents:
        "export { presignPut } from './src/core/sigv4.ts';\nexport { createPresigner } from './src/index.ts';\n",
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  const url = pathToFileURL(outfile).href;
  const node = (await import(`${url}?crypto=node`)) as Signing;
  const descriptor = Object.getOwnPropertyDescriptor(process, 'getBuiltinModule')!;
  Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
  try {
    return { node, web: (await import(`${url}?crypto=web`)) as Signing };
  } finally {
    Object.defineProperty(process, 'getBuiltinModule', descriptor);
  }
}

/** The direct signer and a whole presign, with node:crypto ('ours') and with Web Crypto. */
function cryptoPathContenders({ node, web }: { node: Signing; web: Signing }): Contender[] {
  const key = `uploads/${randomUUID()}-sample.jpg`;
  const put = (signing: Signing) => () => signing.presignPut(putParameters(key, new Date()));
  const presigner = (signing: Signing) =>
    signing.createPresigner({
      bucket: BUCKET,
      region: REGION,
      credentials: CREDENTIALS,
      allowedTypes: ['image/*'],
      maxSize: 10 * 1024 * 1024,
      expiresIn: 300,
    });
  const input = { fileName: 'sample.jpg', contentType: CONTENT_TYPE, size: SIZE };
  const [nodePut, webPut, nodePresigner, webPresigner] = [put(node), put(web), presigner(node), presigner(web)];
  return [
    {
      id: 'ours',
      label: 'presignPut (direct signer), node:crypto',
      run(n) {
        for (let i = 0; i < n; i++) keep(nodePut());
      },
    },
    {
      id: 'web',
      label: 'presignPut (direct signer), Web Crypto',
      async run(n) {
        for (let i = 0; i < n; i++) keep(await webPut());
      },
    },
    {
      id: 'node-presign',
      label: 'presign(), node:crypto',
      async run(n) {
        for (let i = 0; i < n; i++) keep((await nodePresigner.presign(input)).uploadUrl);
      },
    },
    {
      id: 'web-presign',
      label: 'presign(), Web Crypto',
      async run(n) {
        for (let i = 0; i < n; i++) keep((await webPresigner.presign(input)).uploadUrl);
      },
    },
  ];
}

/** Checks, once, that the contenders sign the same thing: same key and clock give the same URL. */
async function agreement(
  client: S3Client,
  smithy: SignatureV4,
  putRequest: (key: string) => HttpRequest,
): Promise<string> {
  const date = new Date();
  const key = `uploads/${randomUUID()}-sample.jpg`;
  const ours = synchronous(presignPut(putParameters(key, date)));
  const command = new PutObjectCommand({
    Bucket: BUCKET,
    Key: key,
    ContentType: CONTENT_TYPE,
    ContentLength: SIZE,
    IfNoneMatch: '*',
  });
  const sdk = await getSignedUrl(client, command, { expiresIn: 300, signableHeaders: SIGNABLE, signingDate: date });
  const signed = await smithy.presign(putRequest(key), {
    expiresIn: 300,
    signableHeaders: SIGNABLE,
    signingDate: date,
  });
  const signature = (url: string) => /X-Amz-Signature=([0-9a-f]{64})/.exec(url)?.[1];
  const smithySignature = signed.query?.['X-Amz-Signature'];
  return `direct signer URL ${ours === sdk ? '=' : '≠'} getSignedUrl URL; signature ${signature(ours) === smithySignature ? '=' : '≠'} SignatureV4.presign's`;
}

// With --expose-gc, each sample starts from a clean heap, so that no contender's sample pays for
// collecting another's garbage.
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});

// CPU time per call of each sample (process.cpuUsage: every thread of the process, so Web Crypto's
// work on Node's crypto threads counts): on a machine busy with other work, wall time includes the
// time the process waited for a core, CPU time does not.
const cpuPerCall = new Map<Contender, number[]>();

async function sampleOnce(contender: Contender, batch: number): Promise<number> {
  collect();
  // Outside the clock too: a forced full GC frees the maps that optimized code was specialised
  // for, and V8 throws that code away (--trace-deopt: "weak objects"). Re-tiering took ours ~4,000
  // calls (~30 ms), so without this a 40 ms sample mostly timed V8 recompiling, not the contender.
  const warm = performance.now();
  do await contender.run(batch);
  while (performance.now() - warm < WARM_MS);
  let calls = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (calls < MAX_CALLS_PER_SAMPLE) {
    await contender.run(batch);
    calls += batch;
    if (performance.now() - start >= SAMPLE_MS) break;
  }
  const elapsed = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  cpuPerCall.get(contender)?.push(((user + system) * 1e3) / calls);
  // Outside the clock: a forced full GC costs the same few ms whatever a contender did, so timing
  // it would charge the fastest contenders (most calls per sample) least and the bare crypto most
  // unfairly little per call. The garbage each contender makes is still collected on its own clock
  // by the scavenges that run during its sample.
  collect();
  return (elapsed * 1e6) / calls;
}

/** Calls per batch so that a batch takes about 1 ms: the clock is read rarely, the sample ends on time. */
async function calibrate(contender: Contender): Promise<number> {
  let batch = 1;
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    await contender.run(batch);
    if (performance.now() - start >= 1) break;
    batch *= 2;
  }
  return batch;
}

async function measure(group: Contender[], rounds = ROUNDS): Promise<Map<string, number[]>> {
  const batches = new Map<string, number>();
  for (const contender of group) {
    // Warm-up: JIT, lazy SDK initialisation, the signing-key cache.
    const start = performance.now();
    for (let i = 0; i < 10_000 && performance.now() - start < 300; i++) await contender.run(1);
    batches.set(contender.id, await calibrate(contender));
  }
  const samples = new Map(group.map((c) => [c.id, [] as number[]]));
  for (const contender of group) cpuPerCall.set(contender, []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < group.length; i++) {
      const contender = group[(round + i) % group.length]!;
      samples.get(contender.id)!.push(await sampleOnce(contender, batches.get(contender.id)!));
    }
  }
  return samples;
}

/** CPU time per call of each contender, and its ratio to 'ours' paired per round. */
function reportCpu(title: string, group: Contender[]): Map<string, number> {
  const ours = cpuPerCall.get(group.find((contender) => contender.id === 'ours')!)!;
  const ratios = new Map<string, number>();
  const rows = group.map((contender) => {
    const own = cpuPerCall.get(contender)!;
    const pair = summarize(own.map((ns, round) => ns / ours[round]!));
    ratios.set(contender.id, pair.median);
    const s = summarize(own);
    return [
      contender.label,
      fmt(s.median / 1000),
      `${fmt(s.p25 / 1000)}–${fmt(s.p75 / 1000)}`,
      contender.id === 'ours' ? '1 (ours)' : `${fmt(pair.median)} (${fmt(pair.p25)}–${fmt(pair.p75)})`,
    ];
  });
  table(title, ['contender', 'median CPU µs/URL', 'p25–p75 µs', 'its CPU time ÷ ours (p25–p75)'], rows);
  return ratios;
}

function report(title: string, group: Contender[], samples: Map<string, number[]>) {
  const ours = samples.get('ours')!;
  const rows = group.map((contender) => {
    const own = samples.get(contender.id)!;
    const s = summarize(own);
    // Paired per round: ours and the contender were sampled within the same round.
    const pair = summarize(own.map((ns, round) => ns / ours[round]!));
    return [
      contender.label,
      fmt(s.median / 1000),
      `${fmt(s.p25 / 1000)}–${fmt(s.p75 / 1000)}`,
      fmt(s.mad / 1000),
      fmt(1e9 / s.median),
      contender.id === 'ours' ? '1 (ours)' : `${fmt(pair.median)} (${fmt(pair.p25)}–${fmt(pair.p75)})`,
    ];
  });
  table(title, ['contender', 'median µs/URL', 'p25–p75 µs', 'MAD µs', 'URLs/s', 'its time ÷ ours (p25–p75)'], rows);
}

export async function runPresign(): Promise<Goal[]> {
  const { put, post, steps, postSteps, client, smithy, putRequest } = contenders();
  console.log(
    `\n=== 1. Presign throughput (per-URL cost) — ${ROUNDS} interleaved rounds × ~${SAMPLE_MS} ms samples per contender, each after ${WARM_MS} ms of warm-up ===`,
  );
  console.log(
    'Same upload everywhere: PUT of image/jpeg, 48,213 bytes, Content-Type and Content-Length signed, expires 300 s, with a session token;',
  );
  console.log(
    "fake credentials (presigning is local). SDK client: requestChecksumCalculation 'WHEN_REQUIRED'. Ours goes through the full path: validation, key, signing.",
  );
  console.log(
    `Sanity: ${await agreement(client, smithy, putRequest)}. Each sample starts from a fully collected heap: ${'gc' in globalThis ? 'yes' : 'no (run with --expose-gc)'}, then warms up.`,
  );
  console.log("(d) is the bare crypto done the fastest way node:crypto offers; (d') as earlier runs did it.");
  const putSamples = await measure(put);
  report(`PUT (n = ${ROUNDS} samples each)`, put, putSamples);
  const postSamples = await measure(post);
  report(`POST policy, content-length-range [size, size] (n = ${ROUNDS} samples each)`, post, postSamples);
  // How fast any POST presign could be against createPresignedPost: one that did nothing but sign.
  const postCeiling = summarize(postSamples.get('sdk')!.map((ns, round) => ns / postSamples.get('crypto')![round]!));
  console.log(
    `Ceiling: createPresignedPost ÷ (d) = ${ratio(postCeiling.median)} (p25–p75 ${fmt(postCeiling.p25)}–${fmt(postCeiling.p75)}): a POST presign that only computed its HMAC would be that much faster, no more.`,
  );
  const stepSamples = await measure(steps, Math.max(5, Math.round(ROUNDS / 3)));
  const stepRows = steps.map((step) => {
    const st = summarize(stepSamples.get(step.id)!);
    return [step.label, fmt(st.median / 1000), `${fmt(st.p25 / 1000)}–${fmt(st.p75 / 1000)}`];
  });
  const stepSum = steps.slice(1, -1).reduce((sum, step) => sum + summarize(stepSamples.get(step.id)!).median, 0);
  stepRows.push(['  sum of the steps above', fmt(stepSum / 1000), '']);
  table(
    `Where ours' PUT presign goes: its steps alone (n = ${Math.max(5, Math.round(ROUNDS / 3))} samples each, interleaved)`,
    ['step', 'median µs', 'p25–p75 µs'],
    stepRows,
  );
  console.log('presign() minus the steps = promise/async plumbing, option lookups, the result object and expiry date.');
  const postStepSamples = await measure(postSteps, Math.max(5, Math.round(ROUNDS / 3)));
  table(
    `Where ours' POST presign goes (n = ${Math.max(5, Math.round(ROUNDS / 3))} samples each, interleaved)`,
    ['step', 'median µs', 'p25–p75 µs'],
    postSteps.map((step) => {
      const st = summarize(postStepSamples.get(step.id)!);
      return [step.label, fmt(st.median / 1000), `${fmt(st.p25 / 1000)}–${fmt(st.p75 / 1000)}`];
    }),
  );

  const checksums = checksumContenders();
  const checksumSamples = await measure(checksums);
  report(
    `PUT with a signed checksum, each beside none (n = ${ROUNDS} samples each; "÷ ours" = ÷ checksum 'none')`,
    checksums,
    checksumSamples,
  );
  const checksumCpu = reportCpu('The same samples in CPU time (what a busy machine does not inflate)', checksums);
  const paths = await signingPaths();
  const sameUrl = await (async () => {
    const date = new Date();
    const parameters = {
      location: { protocol: 'https:' as const, host: HOST, basePath: '' },
      region: REGION,
      credentials: CREDENTIALS,
      key: 'uploads/same.jpg',
      headers: { 'content-type': CONTENT_TYPE },
      expiresIn: 300,
      date,
    };
    return paths.node.presignPut(parameters) === (await paths.web.presignPut(parameters));
  })();
  const cryptoPaths = cryptoPathContenders(paths);
  const cryptoSamples = await measure(cryptoPaths);
  console.log(
    `\nnode:crypto and Web Crypto: the same esbuild bundle of src/, loaded twice (the second with process.getBuiltinModule hidden); same URL from both: ${sameUrl ? 'yes' : 'NO'}.`,
  );
  report(
    `Signing with node:crypto vs Web Crypto (n = ${ROUNDS} samples each; "÷ ours" = ÷ presignPut with node:crypto)`,
    cryptoPaths,
    cryptoSamples,
  );
  reportCpu("The same samples in CPU time (Web Crypto: its work on Node's crypto threads included)", cryptoPaths);
  if (sink === 42) console.log('');

  const paired = (samples: Map<string, number[]>, id: string) => {
    const ours = samples.get('ours')!;
    return summarize(samples.get(id)!.map((ns, round) => ns / ours[round]!)).median;
  };
  const vsSdk = paired(putSamples, 'sdk');
  const vsCrypto = 1 / paired(putSamples, 'crypto');
  const postVsSdk = paired(postSamples, 'sdk');
  const postVsCrypto = 1 / paired(postSamples, 'crypto');
  const checksumGoals = checksums.slice(1).map((contender): Goal => {
    const cost = checksumCpu.get(contender.id)!;
    return {
      name: `PUT presign with checksum '${contender.id}' ÷ without (CPU time)`,
      measured: ratio(cost),
      goal: '≤ 1.2×',
      met: cost <= 1.2,
    };
  });
  return [
    ...checksumGoals,
    { name: 'PUT presign: ours vs getSignedUrl (speed-up)', measured: ratio(vsSdk), goal: '≥ 20×', met: vsSdk >= 20 },
    { name: 'PUT presign: ours ÷ bare crypto (time)', measured: ratio(vsCrypto), goal: '≤ 3×', met: vsCrypto <= 3 },
    {
      name: 'POST presign: ours vs createPresignedPost (speed-up)',
      measured: `${ratio(postVsSdk)} (ceiling ${ratio(postCeiling.median)})`,
      goal: '≥ 20×',
      met: postVsSdk >= 20,
    },
    {
      name: 'POST presign: ours ÷ bare crypto (time)',
      measured: ratio(postVsCrypto),
      goal: '≤ 3×',
      met: postVsCrypto <= 3,
    },
  ];
}
