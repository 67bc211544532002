import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand, type CORSRule } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkBucketCors } from '../../src/doctor/index.js';
import { ensureBucket, rgw, rgwClient } from '../helpers/s3.js';

// A bucket of its own: the shared test bucket's CORS is what the browser tests rely on.
const BUCKET = 'upload-presigner-doctor-cors';
const ORIGIN = 'http://127.0.0.1:5173';
const storage = rgwClient();
const check = (options: { apply?: boolean; headers?: string[] } = {}) =>
  checkBucketCors({ client: storage, bucket: BUCKET, origin: ORIGIN, headers: ['content-type', 'x-amz-meta-*'], ...options });

async function setRules(rules: CORSRule[] | undefined) {
  if (rules) await storage.send(new PutBucketCorsCommand({ Bucket: BUCKET, CORSConfiguration: { CORSRules: rules } }));
  else await storage.send(new DeleteBucketCorsCommand({ Bucket: BUCKET }));
}

const codes = (report: Awaited<ReturnType<typeof check>>) => report.problems.map((problem) => problem.code);

beforeAll(() => ensureBucket(BUCKET));

describe('checkBucketCors against Ceph RGW', () => {
  it('reports a bucket without CORS rules, and the preflight RGW refuses', async () => {
    await setRules(undefined);
    const report = await check();
    expect(codes(report)).toEqual(['NO_CORS_RULES', 'PREFLIGHT_REFUSED']);
    expect(report.preflight.status).toBe(403);
    expect(report.correctedRules).toEqual([
      { AllowedOrigins: [ORIGIN], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type', 'x-amz-meta-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 },
    ]);
  });

  it('reports another origin only', async () => {
    await setRules([{ AllowedOrigins: ['https://other.example'], AllowedMethods: ['PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] }]);
    const report = await check();
    expect(codes(report)).toEqual(['ORIGIN_NOT_ALLOWED', 'PREFLIGHT_REFUSED']);
    expect(report.correctedRules).toHaveLength(2);
  });

  it('reports a missing method', async () => {
    await setRules([{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] }]);
    expect(codes(await check())).toEqual(['METHOD_NOT_ALLOWED', 'PREFLIGHT_REFUSED']);
  });

  it('reports metadata headers that are not allowed, naming them', async () => {
    await setRules([{ AllowedOrigins: ['http://127.0.0.1:*'], AllowedMethods: ['PUT'], AllowedHeaders: ['Content-Type'], ExposeHeaders: ['ETag'] }]);
    const report = await check();
    expect(codes(report)).toEqual(['HEADER_NOT_ALLOWED', 'PREFLIGHT_REFUSED']);
    expect(report.problems[0]!.message).toContain('x-amz-meta-*');
  });

  it('reports an unexposed ETag even though the preflight passes, and fixes that rule in place', async () => {
    await setRules([{ AllowedOrigins: [ORIGIN], AllowedMethods: ['PUT', 'POST'], AllowedHeaders: ['*'] }]);
    const report = await check();
    expect(codes(report)).toEqual(['ETAG_NOT_EXPOSED']);
    expect(report.preflight).toMatchObject({ status: 200, allowOrigin: ORIGIN });
    expect(report.correctedRules).toEqual([{ ...report.rules[0], ExposeHeaders: ['ETag'] }]);
  });

  it('with apply, writes the corrected rules, and the preflight then passes', async () => {
    const broken: CORSRule[] = [{ AllowedOrigins: ['https://other.example'], AllowedMethods: ['GET'], AllowedHeaders: ['*'] }];
    await setRules(broken);
    const report = await check({ apply: true });
    expect(report).toMatchObject({ ok: true, applied: true, preflight: { status: 200, allowOrigin: ORIGIN } });
    expect(report.preflight.allowMethods).toBe('PUT');

    const stored = (await storage.send(new GetBucketCorsCommand({ Bucket: BUCKET }))).CORSRules!;
    expect(stored.map(({ ID, ...rule }) => rule)).toEqual(report.correctedRules);
    const again = await check();
    expect(again).toMatchObject({ ok: true, problems: [], applied: false });
  });
});

describe('upload-presigner doctor cors (the CLI)', () => {
  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'doctor', 'cors', '--bucket', BUCKET, '--origin', ORIGIN, '--endpoint', rgw.endpoint, '--path-style', ...args], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey },
    }).then(
      ({ stdout }) => ({ status: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ status: error.code, stdout: error.stdout }),
    );

  it('exits 1 naming the problem and printing the rules, then fixes them with --apply', async () => {
    await setRules([{ AllowedOrigins: ['https://other.example'], AllowedMethods: ['PUT'], AllowedHeaders: ['*'] }]);
    const broken = await cli();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('ORIGIN_NOT_ALLOWED');
    expect(broken.stdout).toContain('"AllowedOrigins"');

    const applied = await cli('--apply');
    expect(applied).toMatchObject({ status: 0, stdout: expect.stringContaining('the preflight now passes') });
    expect(await cli()).toMatchObject({ status: 0, stdout: expect.stringContaining(`OK: ${ORIGIN} can PUT to ${BUCKET}`) });
  });

  it('exits 2 on bad usage', async () => {
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'doctor', 'cors']).catch((error: { code: number; stderr: string }) => error);
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: upload-presigner doctor cors') });
  });
});
