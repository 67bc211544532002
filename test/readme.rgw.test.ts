import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_MS } from './helpers/bounds.js';
import { lambdaEvent } from './helpers/lambda-events.js';
import {
  allReadmeBlocks,
  blockPath,
  packageAsBuilt,
  readmeBlocks,
  readmeInlineCode,
  ROOT,
  type ReadmeBlock,
} from './helpers/readme-blocks.js';
import { ensureBucket, jpegBytes, rgw, rgwClient, rgwPresigner } from './helpers/s3.js';

const run = promisify(execFile);

/**
 * A block runs when it prints: each `console.log(…)` is followed by a `// …` comment that says
 * what it prints, and the run must print exactly that.
 */
function promisedOutput(block: ReadmeBlock): string[] {
  const lines = block.code.split('\n');
  return lines.flatMap((line, index) => {
    const next = /^\s*\/\/ (.*)$/.exec(lines[index + 1] ?? '');
    return line.includes('console.log(') && next ? [next[1]!] : [];
  });
}

/** What a printing block leaves to the reader, made real against Ceph RGW; found by what the block calls. */
const SETUPS: { runs: (block: ReadmeBlock) => boolean; setup: () => Promise<Record<string, unknown>> }[] = [
  {
    // The doctor explaining a PUT sent with another Content-Type.
    runs: (block) => block.code.includes('diagnose({'),
    setup: async () => {
      const bytes = jpegBytes(4096);
      const presigner = rgwPresigner({ allowedTypes: ['image/*'], maxSize: 1024 ** 2 });
      const result = await presigner.presign({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: bytes.length });
      if (result.method !== 'PUT') throw new Error('the doctor block shows a PUT');
      return {
        uploadUrl: result.uploadUrl,
        headers: result.headers,
        file: { base64: Buffer.from(bytes).toString('base64'), name: 'photo.jpg' },
      };
    },
  },
];

/** Declares the setup's values ahead of the block, as the reader's app would have them. */
function preludeOf(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([name, value]) =>
      name === 'file'
        ? `const file = new File([Buffer.from(${JSON.stringify((value as { base64: string }).base64)}, 'base64')], ${JSON.stringify((value as { name: string }).name)});`
        : `const ${name} = ${JSON.stringify(value)};`,
    )
    .join('\n');
}

const printing = allReadmeBlocks().filter((block) => !block.fragment && promisedOutput(block).length > 0);
let workDir: string;

beforeAll(async () => {
  workDir = packageAsBuilt();
  await ensureBucket(README_BUCKET);
}, 600_000);

afterAll(() => rm(workDir, { recursive: true, force: true }));

describe('README blocks that print, run against Ceph RGW', () => {
  it('finds the doctor block among them', () => {
    expect(printing.filter((block) => block.code.includes('diagnose({'))).toHaveLength(1);
  });

  it.each(printing.map((block) => [block.name, block] as const))(
    '%s prints what its comments promise',
    async (_name, block) => {
      // Prepare
      const setup = SETUPS.find(({ runs }) => runs(block))?.setup;
      if (!setup) throw new Error(`${block.name} prints, so it must run: give it a setup in SETUPS`);
      const { outputText } = ts.transpileModule(block.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      const script = blockPath(block, workDir, '.mjs');
      await writeFile(script, `${preludeOf(await setup())}\n${outputText}`);
      // Act
      const { stdout } = await run(process.execPath, [script], { cwd: workDir, timeout: 60_000 });
      // Assess
      expect(stdout.trimEnd().split('\n')).toEqual(promisedOutput(block));
    },
  );
});

describe("the README's curl upload, against Ceph RGW", () => {
  const command = readmeInlineCode('README.md').find((code) => code.startsWith('curl -T sample.jpg'));

  it('answers 200 with the headers presign returned, and 412 the second time', async () => {
    // Prepare: the opening example's presigner, aimed at RGW, and a sample.jpg of the size it declares.
    expect(command).toBeDefined();
    const bytes = jpegBytes(48_213 - 22);
    await writeFile(join(workDir, 'sample.jpg'), bytes);
    const presigner = rgwPresigner({ allowedTypes: ['image/*', 'application/pdf'], maxSize: 10 * 1024 * 1024 });
    const { uploadUrl } = await presigner.presign({
      fileName: 'sample.jpg',
      contentType: 'image/jpeg',
      size: bytes.length,
    });
    const put = () =>
      run('bash', ['-c', `${command} --silent --output /dev/null --write-out '%{http_code}'`], {
        cwd: workDir,
        env: { ...process.env, uploadUrl },
        timeout: 60_000,
      });
    // Act
    const first = await put();
    const second = await put();
    // Assess
    expect([first.stdout, second.stdout]).toEqual(['200', '412']);
  });
});

/** The bucket the README's blocks name, made in RGW so that they run as written. */
const README_BUCKET = 'my-uploads';

/**
 * The reader's `AWS_*` variables, aimed at Ceph RGW: `AWS_ENDPOINT_URL_S3` is the SDK's own setting
 * for an S3-compatible server, so a block that names only its bucket signs for RGW unchanged.
 */
const RGW_ENV = {
  AWS_ENDPOINT_URL_S3: rgw.endpoint,
  AWS_REGION: rgw.region,
  AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
};

/** A block's run is a Node process doing a few requests to RGW; the storage probe waits out an expiry besides. */
const RUN_MS = 120_000;

/** A test runs a block or two and then a few exchanges with RGW, each within a step. */
const BLOCK_TEST_MS = 2 * RUN_MS + 4 * STEP_MS;

/** The README's own presign request (its `http` block) and what the answer's headers must be. */
const SAMPLE_REQUEST = { fileName: 'sample.jpg', contentType: 'image/jpeg', size: 48_213 };
const SAMPLE_HEADERS = { 'content-type': 'image/jpeg', 'content-length': '48213', 'if-none-match': '*' };

/** The presigner "made in an earlier block": the opening example's. */
const OPENING_PRESIGNER = `import { createPresigner as createOpeningPresigner } from 'upload-presigner';
const presigner = createOpeningPresigner({ bucket: '${README_BUCKET}', allowedTypes: ['image/*', 'application/pdf'], maxSize: 10 * 1024 * 1024 });`;

/** Sends the README's presign request to a URL and prints the answer as a JSON line. */
const PRESIGN_AT = `const presignAt = async (url, body = ${JSON.stringify(SAMPLE_REQUEST)}, headers = {}) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://app.example.com', ...headers },
    body: JSON.stringify(body),
  });
  console.log(JSON.stringify({ status: response.status, origin: response.headers.get('access-control-allow-origin'), body: await response.json() }));
};`;

/** The reader's token check: one user, u-42. */
const VERIFY_JWT = `const verifyJwt = async (authorization) => {
  if (authorization !== 'Bearer token-of-u-42') throw new Error('not a token of ours');
  return { sub: 'u-42' };
};`;

interface Answer {
  status: number;
  origin: string | null;
  body: { method: string; uploadUrl: string; key: string; headers: Record<string, string>; expiresIn: number };
}

/** The one README.md block that contains `text`. */
function readmeBlockWith(text: string): ReadmeBlock {
  const found = readmeBlocks('README.md').filter((block) => block.code.includes(text));
  if (found.length !== 1) throw new Error(`${found.length} README blocks contain ${text}`);
  return found[0]!;
}

/** Runs a block as its own ES module, between what the reader's app has and what drives it. */
async function runBlock(
  block: ReadmeBlock,
  { before = '', after = '', env = {} }: { before?: string; after?: string; env?: Record<string, string | undefined> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { outputText } = ts.transpileModule(block.code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const script = blockPath(block, workDir, '.mjs');
  await writeFile(script, `${before}\n${outputText}\n${after}`);
  return run(process.execPath, [script], {
    cwd: workDir,
    env: { ...process.env, ...RGW_ENV, ...env },
    timeout: RUN_MS,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

/** The JSON lines a run printed. */
function printedJson<T>(stdout: string): T[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}

/** Holds an answer to the README's presign request to what the README shows, and uses its URL on RGW: 200, then 412. */
async function expectTheReadmesPut(answer: Answer, keyPrefix = 'uploads/'): Promise<void> {
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ method: 'PUT', headers: SAMPLE_HEADERS, expiresIn: 300 });
  expect(answer.body.key.startsWith(keyPrefix) && answer.body.key.endsWith('-sample.jpg')).toBe(true);
  expect(answer.body.uploadUrl.startsWith(`${rgw.endpoint}/${README_BUCKET}/`)).toBe(true);
  const { 'content-length': _length, ...headers } = answer.body.headers;
  const bytes = jpegBytes(SAMPLE_REQUEST.size - 22);
  const put = async () => (await fetch(answer.body.uploadUrl, { method: 'PUT', headers, body: bytes })).status;
  expect([await put(), await put()]).toEqual([200, 412]);
}

describe('README blocks that set up something, run against Ceph RGW as written', { timeout: BLOCK_TEST_MS }, () => {
  it('Verified completion: verify checks the stored JPEG, then onUploadComplete records it', async () => {
    // Prepare: the object the block names, as an upload through its URL would have left it.
    const block = readmeBlockWith('await presigner.verify({ key:');
    const key = /verify\(\{ key: '([^']+)' \}\)/.exec(block.code)![1]!;
    const bytes = jpegBytes(1000);
    await rgwClient().send(
      new PutObjectCommand({ Bucket: README_BUCKET, Key: key, Body: bytes, ContentType: 'image/jpeg' }),
    );
    // Act
    const { code, stdout, stderr } = await runBlock(block, {
      before: 'const db = { put: async (item) => console.log(JSON.stringify(item)) };',
    });
    // Assess: no authorize ran, so the context is undefined and the uploader 'unknown'.
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(printedJson(stdout)).toEqual([
      expect.objectContaining({ key, contentType: 'image/jpeg', size: bytes.length, uploader: 'unknown' }),
    ]);
  });

  it('Verified completion: an HTML page stored as image/jpeg is deleted, VERIFICATION_FAILED, and nothing recorded', async () => {
    // Prepare
    const block = readmeBlockWith('await presigner.verify({ key:');
    const key = /verify\(\{ key: '([^']+)' \}\)/.exec(block.code)![1]!;
    await rgwClient().send(
      new PutObjectCommand({
        Bucket: README_BUCKET,
        Key: key,
        Body: '<html><script>alert(1)</script>',
        ContentType: 'image/jpeg',
      }),
    );
    // Act
    const { code, stdout, stderr } = await runBlock(block, {
      before: 'const db = { put: async (item) => console.log(JSON.stringify(item)) };',
    });
    const stored = await rgwClient()
      .send(new HeadObjectCommand({ Bucket: README_BUCKET, Key: key }))
      .then(
        () => 'still there',
        (error: Error) => error.name,
      );
    // Assess
    expect(code).not.toBe(0);
    expect(stderr).toContain('VERIFICATION_FAILED');
    expect(stdout).toBe('');
    expect(stored).toBe('NotFound');
  });

  it('Large files: the presigner with a secret runs a multipart upload to the end; without one it is refused at creation', async () => {
    // Prepare: two parts at the default 8 MiB part size, the second one byte.
    const block = readmeBlockWith('maxSize: 50 * 1024 ** 3');
    const after = `
const size = 8 * 1024 * 1024 + 1;
const upload = await presigner.createMultipart({ fileName: 'clip.mp4', contentType: 'video/mp4', size });
const partNumbers = Array.from({ length: upload.partCount }, (_, index) => index + 1);
const { parts } = await presigner.signParts({ token: upload.token, partNumbers });
for (const { url, headers } of parts) {
  const { 'content-length': length, ...rest } = headers;
  const response = await fetch(url, { method: 'PUT', headers: rest, body: new Uint8Array(Number(length)) });
  if (!response.ok) throw new Error(\`part: \${response.status} \${await response.text()}\`);
}
console.log(JSON.stringify({ partCount: upload.partCount, completed: await presigner.completeMultipart({ token: upload.token }) }));`;
    // Act
    const withSecret = await runBlock(block, {
      after,
      env: { PRESIGN_SECRET: 'a-readme-secret-of-32-characters-or-more' },
    });
    const without = await runBlock(block, { after, env: { PRESIGN_SECRET: undefined } });
    // Assess
    expect(withSecret.stderr).toBe('');
    expect(printedJson(withSecret.stdout)).toEqual([
      {
        partCount: 2,
        completed: expect.objectContaining({ size: 8 * 1024 * 1024 + 1, contentType: 'video/mp4' }),
      },
    ]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain('INVALID_OPTIONS');
  });

  it('doctor storage: probeStorage prints, case by case, the table the README shows for Ceph RGW, and leaves nothing', async () => {
    // Prepare: the README's table and advice, which follow the block.
    const block = readmeBlockWith('probeStorage(');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('case                       enforced  evidence'));
    const [rows, advice] = table.split('\n\n');
    const expected = rows!
      .split('\n')
      .slice(1)
      .map((row) => {
        const [id, enforced, status, code] = row.split(/ +/);
        return [id, enforced === 'yes', status, code?.startsWith('(') ? '' : (code ?? '')].join(' ').trimEnd();
      });
    // Act
    const { code, stdout, stderr } = await runBlock(block, {});
    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).map((line) => line.trimEnd())).toEqual(expected);
    expect(lines.at(-1)).toBe(`${advice!.split('\n')[0]} []`);
  });
});

describe(
  'README adapter blocks, each serving on 127.0.0.1, presign URLs that RGW accepts once',
  { timeout: BLOCK_TEST_MS },
  () => {
    const lambdaCall = (headers: Record<string, string>) => `
const answer = await handler(${JSON.stringify(
      lambdaEvent('apigw-http', {
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(SAMPLE_REQUEST),
      }),
    )});
const origin = Object.entries(answer.headers ?? {}).find(([name]) => name.toLowerCase() === 'access-control-allow-origin');
console.log(JSON.stringify({ status: answer.statusCode, origin: origin?.[1] ?? null, body: JSON.parse(answer.body) }));`;

    it('the opening Lambda handler answers the README request as its http block shows, with CORS for its origin', async () => {
      // Act
      const { stdout, stderr } = await runBlock(
        readmeBlockWith('export const handler = toLambdaHandler(presigner, { allowedOrigins'),
        {
          after: lambdaCall({ origin: 'https://app.example.com' }),
        },
      );
      // Assess
      expect(stderr).toBe('');
      const [answer] = printedJson<Answer>(stdout);
      expect(answer!.origin).toBe('https://app.example.com');
      await expectTheReadmesPut(answer!);
    });

    it('AWS Lambda: the handler over a presigner of process.env.BUCKET', async () => {
      // Act
      const { stdout, stderr } = await runBlock(readmeBlockWith('bucket: process.env.BUCKET!, allowedTypes'), {
        after: lambdaCall({}),
        env: { BUCKET: README_BUCKET },
      });
      // Assess
      expect(stderr).toBe('');
      await expectTheReadmesPut(printedJson<Answer>(stdout)[0]!);
    });

    it("Options: authorize's context names the caller in the key, and onPresign audits it", async () => {
      // Act
      const { stdout, stderr } = await runBlock(readmeBlockWith('onPresign: (result, { userId })'), {
        before: `${VERIFY_JWT}
const audit = { record: (userId, key) => console.log(JSON.stringify({ audit: [userId, key] })) };`,
        after: lambdaCall({ authorization: 'Bearer token-of-u-42' }),
      });
      // Assess
      expect(stderr).toBe('');
      const [audited, answer] = printedJson<{ audit: string[] } & Answer>(stdout);
      await expectTheReadmesPut(answer!, 'uploads/u-42/');
      expect(audited!.audit).toEqual(['u-42', answer!.body.key]);
    });

    it('Express: app.all on a node:http server', async () => {
      // Act
      const { stdout, stderr } = await runBlock(readmeBlockWith('toExpressHandler(presigner'), {
        before: OPENING_PRESIGNER,
        after: `${PRESIGN_AT}
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
await presignAt(\`http://127.0.0.1:\${server.address().port}/presign\`);
server.close();`,
      });
      // Assess
      expect(stderr).toBe('');
      const [answer] = printedJson<Answer>(stdout);
      expect(answer!.origin).toBe('https://app.example.com');
      await expectTheReadmesPut(answer!);
    });

    it('Fastify: POST /presign and, registered under /api with path /uploads, POST /api/uploads', async () => {
      // Act
      const { stdout, stderr } = await runBlock(readmeBlockWith('toFastifyPlugin(presigner'), {
        before: OPENING_PRESIGNER,
        after: `${PRESIGN_AT}
await server.listen({ port: 0, host: '127.0.0.1' });
const base = \`http://127.0.0.1:\${server.server.address().port}\`;
await presignAt(\`\${base}/presign\`);
await presignAt(\`\${base}/api/uploads\`);
await server.close();`,
      });
      // Assess
      expect(stderr).toBe('');
      const [atPresign, atUploads] = printedJson<Answer>(stdout);
      expect([atPresign!.origin, atUploads!.origin]).toEqual(['https://app.example.com', null]);
      await expectTheReadmesPut(atPresign!);
      await expectTheReadmesPut(atUploads!);
    });

    it('Fetch: the Hono route on @hono/node-server, and the Next.js POST export called as Next calls it', async () => {
      // Act
      const { stdout, stderr } = await runBlock(readmeBlockWith('(c) => presign(c.req.raw)'), {
        before: `${OPENING_PRESIGNER}
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
const app = new Hono();`,
        after: `${PRESIGN_AT}
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((resolve) => server.once('listening', resolve));
await presignAt(\`http://127.0.0.1:\${server.address().port}/presign\`);
server.close();
const next = await POST(new Request('http://127.0.0.1/api/presign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(${JSON.stringify(SAMPLE_REQUEST)}) }));
console.log(JSON.stringify({ status: next.status, origin: null, body: await next.json() }));`,
      });
      // Assess
      expect(stderr).toBe('');
      const [hono, next] = printedJson<Answer>(stdout);
      await expectTheReadmesPut(hono!);
      await expectTheReadmesPut(next!);
    });

    it("profiles: each profile's rules and prefix, the caller's id in the avatar's key, and a body without a profile refused", async () => {
      // Act
      const { stdout, stderr } = await runBlock(readmeBlockWith('export const profiles = {'), {
        before: VERIFY_JWT,
        after: `const ask = async (body) => {
  const response = await POST(new Request('http://127.0.0.1/api/presign', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer token-of-u-42' },
    body: JSON.stringify(body),
  }));
  console.log(JSON.stringify({ status: response.status, origin: null, body: await response.json() }));
};
await ask({ ...${JSON.stringify(SAMPLE_REQUEST)}, profile: 'avatar' });
await ask({ fileName: 'cv.pdf', contentType: 'application/pdf', size: 1000, profile: 'document' });
await ask(${JSON.stringify(SAMPLE_REQUEST)});`,
        env: { PRESIGN_SECRET: 'a-readme-secret-of-32-characters-or-more' },
      });
      // Assess
      expect(stderr).toBe('');
      const [avatar, document, none] = printedJson<Answer & { body: { error?: { code: string } } }>(stdout);
      await expectTheReadmesPut(avatar!, 'avatars/u-42/');
      expect(document).toMatchObject({ status: 200, body: { method: 'POST' } });
      expect(document!.body.key.startsWith('documents/')).toBe(true);
      expect(none).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_PROFILE' } } });
    });
  },
);
