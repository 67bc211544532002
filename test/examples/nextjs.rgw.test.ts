import { spawn } from 'node:child_process';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_MS } from '../helpers/bounds.js';
import { jpegBytes, rgw, rgwClient, TEST_BUCKET } from '../helpers/s3.js';
import {
  installExample,
  makeWorkDir,
  packLibrary,
  removeWorkDir,
  rgwEnv,
  run,
  runScript,
  scriptCommand,
} from './example-project.js';

// examples/nextjs as a user gets it: copied out of the repo, installed with the packed library,
// built with `next build` in a network namespace of its own (no network at all, so nothing the
// build needs may come from the internet), then served by `next start` on 127.0.0.1.
let workDir: string | undefined;
let dir: string;
let origin: string;
let stop: (() => Promise<void>) | undefined;
let output = '';

const offline = { NEXT_TELEMETRY_DISABLED: '1' };

beforeAll(async () => {
  workDir = await makeWorkDir('nextjs-example');
  dir = await installExample('nextjs', workDir, await packLibrary());
  // `unshare -rn`: a user and network namespace with only a loopback that is down.
  await runScript(dir, 'build', [], { prefix: ['unshare', '-rn'], env: { ...process.env, ...offline } });
  const child = spawn(...scriptCommand(dir, 'start', ['-H', '127.0.0.1', '-p', '0']), {
    cwd: dir,
    env: rgwEnv({ ...offline, PRESIGN_ALLOWED_TYPES: 'image/*', PRESIGN_MAX_SIZE: '100000' }),
    // Its own process group, so that stopping it reaches the shell's child (next) too.
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
    const timer = setTimeout(() => reject(new Error(`next start was not ready within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url && output.includes('Ready')) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`next start exited with ${code}:\n${output}`));
    });
  });
}, 600_000);

afterAll(async () => {
  await stop?.();
  await removeWorkDir(workDir);
});

const presign = (body: object) =>
  fetch(`${origin}/api/presign`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('examples/nextjs, built offline and served by next start', () => {
  it('serves the page with the upload form, rendered at build time', async () => {
    const response = await fetch(`${origin}/`);

    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<form><input type="file"[^>]* name="file"/);
  });

  // Three exchanges (presign, upload, HEAD), the first a cold route's: one step's bound each.
  it(
    'presigns through app/api/presign, and the storage accepts the upload',
    async () => {
      // Prepare
      const bytes = jpegBytes(1000);

      // Act
      const response = await presign({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: bytes.byteLength });
      const result = (await response.json()) as { uploadUrl: string; key: string; headers: Record<string, string> };
      const upload = await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body: bytes });

      // Assess
      expect(response.status).toBe(200);
      expect(result.uploadUrl.startsWith(`${rgw.endpoint}/${TEST_BUCKET}/uploads/`)).toBe(true);
      expect(upload.status).toBe(200);
      const stored = await rgwClient().send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: result.key }));
      expect([stored.ContentLength, stored.ContentType]).toEqual([bytes.byteLength, 'image/jpeg']);
    },
    3 * STEP_MS,
  );

  it('refuses what its environment does not allow, with the JSON errors of every adapter', async () => {
    const pdf = await presign({ fileName: 'report.pdf', contentType: 'application/pdf', size: 100 });
    const large = await presign({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: 100_001 });

    expect([pdf.status, ((await pdf.json()) as { error: { code: string } }).error.code]).toEqual([
      415,
      'TYPE_NOT_ALLOWED',
    ]);
    expect([large.status, ((await large.json()) as { error: { code: string } }).error.code]).toEqual([
      413,
      'TOO_LARGE',
    ]);
  });

  it('bundles the client the page imports from the packed library', async () => {
    const chunks = await run('grep', ['-rl', 'UploadError', '.next/static/chunks'], { cwd: dir });

    expect(chunks.trim()).not.toBe('');
  });
});
