import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_MS } from '../helpers/bounds.js';
import { jpegBytes, rgw, rgwClient, TEST_BUCKET } from '../helpers/s3.js';
import {
  installExample,
  makeWorkDir,
  packLibrary,
  removeWorkDir,
  run,
  runScript,
  scriptCommand,
} from './example-project.js';

// examples/cloudflare-workers as a user gets it, run by `npm run dev` (wrangler dev: the Worker in
// workerd, both from npm) with Ceph RGW standing in for R2's S3 API. wrangler 4 needs Node 22.12
// or later: the official binary from the npm registry, in the folder scripts/test-nodes.sh uses.
const NODE_22 = join(
  process.env.NODE_BINARIES_DIR ?? join(process.env.TMPDIR ?? tmpdir(), 'upload-presigner-node'),
  '22',
  'node_modules',
  `node-${process.platform}-${process.arch}`,
  'bin',
  'node',
);
const ORIGIN = 'https://app.example.com';
const PRESIGN_SECRET = 'cloudflare-workers-example-receipt-secret-0123';

let workDir: string | undefined;
let dir: string;
let origin: string;
let stop: (() => Promise<void>) | undefined;
let output = '';

beforeAll(async () => {
  if (!existsSync(NODE_22)) {
    const prefix = dirname(dirname(dirname(dirname(NODE_22))));
    await mkdir(prefix, { recursive: true });
    const spec = `node-${process.platform}-${process.arch}@22`;
    await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, spec], { cwd: prefix });
  }
  workDir = await makeWorkDir('cloudflare-workers-example');
  dir = await installExample('cloudflare-workers', workDir, await packLibrary());
  // Secrets as `wrangler dev` reads them locally; deployed, `wrangler secret put` sets them.
  await writeFile(
    join(dir, '.dev.vars'),
    `R2_ACCESS_KEY_ID=${rgw.credentials.accessKeyId}\nR2_SECRET_ACCESS_KEY=${rgw.credentials.secretAccessKey}\nPRESIGN_SECRET=${PRESIGN_SECRET}\n`,
  );
  const vars = { R2_ENDPOINT: rgw.endpoint, R2_BUCKET: TEST_BUCKET, R2_REGION: rgw.region, ALLOWED_ORIGINS: ORIGIN };
  const args = [
    '--ip',
    '127.0.0.1',
    '--port',
    '0',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const child = spawn(...scriptCommand(dir, 'dev', args), {
    cwd: dir,
    env: {
      ...process.env,
      PATH: `${dirname(NODE_22)}:${process.env.PATH}`,
      // Nothing but loopback: no metrics, and no download of the `request.cf` sample.
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      CI: 'true',
    },
    // Its own process group, so that stopping it reaches wrangler and workerd too.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  };
  origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev was not ready within 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited with ${code}:\n${output}`));
    });
  });
}, 600_000);

afterAll(async () => {
  await stop?.();
  await removeWorkDir(workDir);
});

const presign = (body: object, headers: Record<string, string> = {}) =>
  fetch(origin, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('examples/cloudflare-workers, in workerd through wrangler dev, with RGW as the S3 API', () => {
  it('typechecks against the packed library and the Workers types', async () => {
    await runScript(dir, 'typecheck');
  }, 180_000);

  // Three exchanges (presign, upload, HEAD), the first a cold route's: one step's bound each.
  it(
    'presigns from its vars and secrets, and the storage accepts the upload',
    async () => {
      // Prepare
      const bytes = jpegBytes(1000);

      // Act
      const response = await presign(
        { fileName: 'photo.jpg', contentType: 'image/jpeg', size: bytes.byteLength },
        { origin: ORIGIN },
      );
      const result = (await response.json()) as { uploadUrl: string; key: string; headers: Record<string, string> };
      const upload = await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body: bytes });

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(result.uploadUrl.startsWith(`${rgw.endpoint}/${TEST_BUCKET}/uploads/`)).toBe(true);
      expect(upload.status).toBe(200);
      const stored = await rgwClient().send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: result.key }));
      expect([stored.ContentLength, stored.ContentType]).toEqual([bytes.byteLength, 'image/jpeg']);
    },
    3 * STEP_MS,
  );

  // Its S3 calls go over fetch, with no AWS SDK in the bundle: a verify and a multipart upload.
  it(
    'verifies an upload with its receipt, and runs a multipart upload to completion',
    async () => {
      const bytes = jpegBytes(1000);
      const signed = (await (
        await presign({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: bytes.byteLength })
      ).json()) as { uploadUrl: string; key: string; headers: Record<string, string>; receipt: string };
      await fetch(signed.uploadUrl, { method: 'PUT', headers: signed.headers, body: bytes });
      const verified = await presign({ action: 'verify', receipt: signed.receipt });

      const file = new Uint8Array(6 * 1024 * 1024);
      file.set(jpegBytes());
      const created = (await (
        await presign({
          action: 'createMultipart',
          fileName: 'large.jpg',
          contentType: 'image/jpeg',
          size: file.length,
        })
      ).json()) as { token: string; key: string; partCount: number };
      const { parts } = (await (
        await presign({ action: 'signParts', token: created.token, partNumbers: [1] })
      ).json()) as {
        parts: { url: string; headers: Record<string, string> }[];
      };
      const part = await fetch(parts[0]!.url, { method: 'PUT', headers: parts[0]!.headers, body: file });
      const completed = await presign({
        action: 'completeMultipart',
        token: created.token,
        parts: [{ partNumber: 1, etag: part.headers.get('etag')! }],
      });

      expect([verified.status, await verified.json()]).toEqual([
        200,
        expect.objectContaining({ key: signed.key, size: bytes.byteLength, detectedType: 'image/jpeg' }),
      ]);
      expect([created.partCount, part.status]).toEqual([1, 200]);
      expect([completed.status, await completed.json()]).toEqual([
        200,
        expect.objectContaining({ key: created.key, size: file.length }),
      ]);
    },
    8 * STEP_MS,
  );

  it('refuses a type it does not allow, and a file over its limit, with JSON errors', async () => {
    const html = await presign({ fileName: 'page.html', contentType: 'text/html', size: 100 });
    const large = await presign({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: 10 * 1024 * 1024 + 1 });

    expect([html.status, ((await html.json()) as { error: { code: string } }).error.code]).toEqual([
      415,
      'TYPE_NOT_ALLOWED',
    ]);
    expect([large.status, ((await large.json()) as { error: { code: string } }).error.code]).toEqual([
      413,
      'TOO_LARGE',
    ]);
  });

  it('needs no nodejs_compat: the Worker that just presigned has no compatibility flags', async () => {
    const config = await readFile(join(dir, 'wrangler.jsonc'), 'utf8');

    expect(config).not.toMatch(/compatibility_flags|nodejs_compat/);
  });
});
