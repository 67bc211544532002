// Section 6's script, run inside each runtime (Node, Bun, Deno, and workerd bundled): signs the same
// PUT with the package as built and with the AWS SDK's getSignedUrl in one process, interleaved,
// and answers the median µs per URL of each. Plain JavaScript, so that every runtime runs it as is.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createPresigner } from 'upload-presigner';

const BUCKET = 'bench-uploads';
const REGION = 'us-east-1';
const SIZE = 48_213;
const CONTENT_TYPE = 'image/jpeg';
const CREDENTIALS = {
  accessKeyId: 'ASIABENCHMARKEXAMPLE',
  secretAccessKey: 'bench/Secret+Access/Key0123456789EXAMPLEKEY',
  sessionToken: `IQoJb3JpZ2luX2VjE${'Bench0Session1Token2'.repeat(30)}==`,
};
// What our presign of a JPEG signs by default, so that both sign the same request.
const SIGNABLE = new Set(['content-type', 'content-length', 'if-none-match']);

const presigner = createPresigner({
  bucket: BUCKET,
  region: REGION,
  credentials: CREDENTIALS,
  allowedTypes: ['image/*'],
  maxSize: 10 * 1024 * 1024,
  expiresIn: 300,
});
const input = { fileName: 'sample.jpg', contentType: CONTENT_TYPE, size: SIZE };

const contenders = {
  async ours() {
    return (await presigner.presign(input)).uploadUrl;
  },
  async sdk(client) {
    const command = new PutObjectCommand({
      Bucket: BUCKET,
      Key: `uploads/${crypto.randomUUID()}-sample.jpg`,
      ContentType: CONTENT_TYPE,
      ContentLength: SIZE,
      IfNoneMatch: '*',
    });
    return getSignedUrl(client, command, { expiresIn: 300, signableHeaders: SIGNABLE });
  },
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * After `warmCalls` URLs each, `rounds` rounds of one sample per contender, order alternating; a
 * sample is as many URLs in a row as take about `sampleMs` (by the warm-up's pace, 5–5,000), so a
 * clock that ticks in whole milliseconds (workerd's) still times it to a few percent.
 */
export async function measure({ rounds, sampleMs, warmCalls }) {
  const started = performance.now();
  let client;
  let sdkError;
  try {
    client = new S3Client({ region: REGION, credentials: CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
    await contenders.sdk(client);
  } catch (error) {
    sdkError = String(error?.stack ?? error)
      .split('\n')
      .slice(0, 2)
      .join(' ');
  }
  const names = sdkError ? ['ours'] : ['ours', 'sdk'];
  const urls = {};
  const calls = {};
  for (const name of names) {
    for (let i = 0; i < warmCalls; i++) urls[name] = await contenders[name](client);
    // The pace once warm, over at least 20 ms so that a millisecond clock reads it to 5 %.
    let paced = 0;
    const start = performance.now();
    while (paced < 5000 && (paced < warmCalls || performance.now() - start < 20)) {
      await contenders[name](client);
      paced++;
    }
    calls[name] = Math.min(5000, Math.max(5, Math.ceil((sampleMs * paced) / (performance.now() - start))));
  }
  const samples = { ours: [], sdk: [], ratio: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    const perUrl = {};
    for (const name of order) {
      const start = performance.now();
      for (let i = 0; i < calls[name]; i++) await contenders[name](client);
      perUrl[name] = ((performance.now() - start) * 1000) / calls[name];
      samples[name].push(perUrl[name]);
    }
    if (!sdkError) samples.ratio.push(perUrl.ours / perUrl.sdk);
  }
  const signs = (url) => /X-Amz-SignedHeaders=([^&]+)/.exec(url ?? '')?.[1];
  return {
    oursUs: median(samples.ours),
    sdkUs: sdkError ? null : median(samples.sdk),
    ratio: sdkError ? null : median(samples.ratio),
    sdkError: sdkError ?? null,
    signedHeaders: { ours: signs(urls.ours), sdk: signs(urls.sdk) },
    samples: rounds,
    calls,
    elapsedMs: performance.now() - started,
  };
}

/** How a runtime's own clock ticks: the smallest step performance.now() takes, in µs. */
export function clockStepUs() {
  const first = performance.now();
  let now = first;
  while (now === first) now = performance.now();
  let next = now;
  while (next === now) next = performance.now();
  return (next - now) * 1000;
}
