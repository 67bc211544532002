import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  type CORSRule,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBucketCors } from '../../src/doctor/index.js';
import { ensureBucket, rgw, rgwClient } from '../helpers/s3.js';

// A scratch bucket of its own: the shared test bucket's CORS is what the browser tests rely on.
const BUCKET = `upload-presigner-doctor-cors-${randomBytes(4).toString('hex')}`;
const ORIGIN = 'http://127.0.0.1:5173';
const OTHER_ORIGIN = 'https://other.example';
const storage = rgwClient();
const check = (options: { apply?: boolean; headers?: string[] } = {}) =>
  checkBucketCors({
    client: storage,
    bucket: BUCKET,
    origin: ORIGIN,
    headers: ['content-type', 'x-amz-meta-*'],
    ...options,
  });

async function setRules(rules: CORSRule[] | undefined) {
  if (rules) await storage.send(new PutBucketCorsCommand({ Bucket: BUCKET, CORSConfiguration: { CORSRules: rules } }));
  else await storage.send(new DeleteBucketCorsCommand({ Bucket: BUCKET }));
}

async function storedRules(): Promise<CORSRule[]> {
  const rules = (await storage.send(new GetBucketCorsCommand({ Bucket: BUCKET }))).CORSRules ?? [];
  return rules.map(comparable);
}

/** A rule as RGW gives it back: without an ID, and each list sorted (RGW keeps them as sets). */
function comparable({ ID, ...rule }: CORSRule): CORSRule {
  const sorted = (list?: string[]) => list && [...list].sort();
  return {
    ...rule,
    AllowedOrigins: sorted(rule.AllowedOrigins)!,
    AllowedMethods: sorted(rule.AllowedMethods)!,
    AllowedHeaders: sorted(rule.AllowedHeaders),
    ExposeHeaders: sorted(rule.ExposeHeaders),
  };
}

/** A preflight as a browser sends it, independent of the doctor's own. */
async function preflight(origin: string, method: string, headers: string[]) {
  const response = await fetch(`${rgw.endpoint}/${BUCKET}/any-key`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(headers.length > 0 && { 'access-control-request-headers': headers.join(',') }),
    },
  });
  await response.arrayBuffer();
  return {
    status: response.status,
    allowOrigin: response.headers.get('access-control-allow-origin'),
    allowMethods: response.headers.get('access-control-allow-methods'),
    allowHeaders: response.headers.get('access-control-allow-headers'),
  };
}

const codes = (report: Awaited<ReturnType<typeof check>>) => report.problems.map((problem) => problem.code);

beforeAll(() => ensureBucket(BUCKET));
afterAll(async () => {
  await storage.send(new DeleteBucketCommand({ Bucket: BUCKET }));
});

describe('checkBucketCors against Ceph RGW', () => {
  it('reports a bucket without CORS rules, and the preflight RGW refuses', async () => {
    await setRules(undefined);
    const report = await check();
    expect(codes(report)).toEqual(['NO_CORS_RULES', 'PREFLIGHT_REFUSED']);
    expect(report.preflight.status).toBe(403);
    expect(report.correctedRules).toEqual([
      {
        AllowedOrigins: [ORIGIN],
        AllowedMethods: ['PUT'],
        AllowedHeaders: ['content-type', 'x-amz-meta-*'],
        ExposeHeaders: ['ETag'],
        MaxAgeSeconds: 3000,
      },
    ]);
  });

  it('reports another origin only', async () => {
    await setRules([
      {
        AllowedOrigins: ['https://other.example'],
        AllowedMethods: ['PUT'],
        AllowedHeaders: ['*'],
        ExposeHeaders: ['ETag'],
      },
    ]);
    const report = await check();
    expect(codes(report)).toEqual(['ORIGIN_NOT_ALLOWED', 'PREFLIGHT_REFUSED']);
    expect(report.correctedRules).toHaveLength(2);
  });

  it('reports a missing method', async () => {
    await setRules([
      { AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] },
    ]);
    expect(codes(await check())).toEqual(['METHOD_NOT_ALLOWED', 'PREFLIGHT_REFUSED']);
  });

  it('reports metadata headers that are not allowed, naming them', async () => {
    await setRules([
      {
        AllowedOrigins: ['http://127.0.0.1:*'],
        AllowedMethods: ['PUT'],
        AllowedHeaders: ['Content-Type'],
        ExposeHeaders: ['ETag'],
      },
    ]);
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
    const broken: CORSRule[] = [
      { AllowedOrigins: ['https://other.example'], AllowedMethods: ['GET'], AllowedHeaders: ['*'] },
    ];
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

// What a PUT may carry once the presigner signs content-disposition and if-none-match too.
const HEADERS = ['content-type', 'content-disposition', 'if-none-match', 'x-amz-meta-*'];
const SENT = ['content-type', 'content-disposition', 'if-none-match', 'x-amz-meta-check'];
const FOR_CDN: CORSRule = { AllowedOrigins: ['https://cdn.example'], AllowedMethods: ['GET'] };
const ISSUE_14_PUT_RULE: CORSRule = {
  AllowedOrigins: [ORIGIN],
  AllowedMethods: ['PUT'],
  AllowedHeaders: HEADERS,
  ExposeHeaders: ['ETag'],
  MaxAgeSeconds: 3000,
};

/** S3's origin and header patterns: at most one `*`, case-insensitive. */
function glob(pattern: string, value: string): boolean {
  const [head, tail] = pattern.toLowerCase().split('*') as [string, string?];
  const lower = value.toLowerCase();
  return tail === undefined
    ? head === lower
    : lower.length >= head.length + tail.length && lower.startsWith(head) && lower.endsWith(tail);
}
const forOrigin = (rule: CORSRule) => (rule.AllowedOrigins ?? []).some((pattern) => glob(pattern, ORIGIN));
const allowsUpload = (rule: CORSRule) =>
  forOrigin(rule) &&
  (rule.AllowedMethods ?? []).includes('PUT') &&
  SENT.every((header) => (rule.AllowedHeaders ?? []).some((pattern) => glob(pattern, header)));
const hasDuplicates = (values: string[] = []) =>
  new Set(values.map((value) => value.toLowerCase())).size !== values.length;

/** How the storage answers everyone else: the other origins, and the origin's own GET. */
async function othersAnswers() {
  const answers: string[] = [];
  for (const origin of [OTHER_ORIGIN, 'https://cdn.example']) {
    for (const method of ['GET', 'PUT'])
      answers.push(`${origin} ${method} ${(await preflight(origin, method, [])).status}`);
  }
  return [...answers, `${ORIGIN} GET ${(await preflight(ORIGIN, 'GET', [])).status}`];
}

describe('checkBucketCors with apply, from any starting configuration (issue 14)', () => {
  const starts: [string, CORSRule[] | undefined, CORSRule[]?][] = [
    ['no CORS configuration', undefined],
    [
      'a GET-only rule for the origin',
      [FOR_CDN, { AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'], MaxAgeSeconds: 600 }],
    ],
    [
      'a GET-only rule, then the PUT rule an earlier --apply appended after it',
      [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'] }, ISSUE_14_PUT_RULE],
      [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: HEADERS, ExposeHeaders: ['ETag'] }],
    ],
    [
      'a wildcard origin rule',
      [
        { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'] },
        { AllowedOrigins: [OTHER_ORIGIN], AllowedMethods: ['PUT'], AllowedHeaders: ['*'] },
      ],
      [
        {
          AllowedOrigins: [ORIGIN],
          AllowedMethods: ['GET', 'HEAD', 'PUT'],
          AllowedHeaders: HEADERS,
          ExposeHeaders: ['ETag'],
        },
        { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'] },
        { AllowedOrigins: [OTHER_ORIGIN], AllowedMethods: ['PUT'], AllowedHeaders: ['*'] },
      ],
    ],
    [
      'several origins in one rule',
      [{ AllowedOrigins: [OTHER_ORIGIN, ORIGIN], AllowedMethods: ['GET'], AllowedHeaders: ['*'] }, FOR_CDN],
    ],
    [
      'a rule for the origin that already exposes ETag',
      [
        {
          AllowedOrigins: [ORIGIN],
          AllowedMethods: ['GET', 'HEAD'],
          AllowedHeaders: ['*'],
          ExposeHeaders: ['ETag', 'x-amz-request-id'],
          MaxAgeSeconds: 600,
        },
      ],
      [
        {
          AllowedOrigins: [ORIGIN],
          AllowedMethods: ['GET', 'HEAD', 'PUT'],
          AllowedHeaders: ['*'],
          ExposeHeaders: ['ETag', 'x-amz-request-id'],
          MaxAgeSeconds: 600,
        },
      ],
    ],
    [
      'a wildcard-port origin that already exposes ETag',
      [{ AllowedOrigins: ['http://127.0.0.1:*'], AllowedMethods: ['GET'], ExposeHeaders: ['ETag'] }],
    ],
    [
      'a rule whose AllowedHeaders miss one needed header',
      [{ ...ISSUE_14_PUT_RULE, AllowedHeaders: ['Content-Type', 'content-disposition', 'x-amz-meta-*'] }],
      [
        {
          ...ISSUE_14_PUT_RULE,
          AllowedHeaders: ['Content-Type', 'content-disposition', 'x-amz-meta-*', 'if-none-match'],
        },
      ],
    ],
  ];

  it.each(starts)(
    'from %s, leaves rules whose real preflight passes, with no duplicates',
    async (_start, rules, expected) => {
      // Prepare
      await setRules(rules);
      const othersBefore = await othersAnswers();

      // Act
      const report = await check({ apply: true, headers: HEADERS });

      // Assess: RGW answers the browser's preflight.
      expect(report).toMatchObject({ ok: true, applied: true });
      const answer = await preflight(ORIGIN, 'PUT', SENT);
      expect(answer).toMatchObject({ status: 200, allowOrigin: ORIGIN, allowMethods: 'PUT' });
      expect(answer.allowHeaders?.split(',')).toEqual(expect.arrayContaining(SENT));
      // The rules written are the ones reported, and AWS's choice is RGW's: the first rule for the origin.
      const stored = await storedRules();
      expect(stored).toEqual(report.correctedRules.map(comparable));
      if (expected) expect(report.correctedRules).toEqual(expected);
      const chosen = stored.find(forOrigin);
      expect(chosen).toBe(stored.find(allowsUpload));
      expect(chosen?.ExposeHeaders?.map((name) => name.toLowerCase())).toContain('etag');
      // No duplicate rule, and no name twice in any rule.
      expect(new Set(stored.map((rule) => JSON.stringify(rule))).size).toBe(stored.length);
      for (const rule of stored) {
        for (const list of [rule.AllowedOrigins, rule.AllowedMethods, rule.AllowedHeaders, rule.ExposeHeaders])
          expect(hasDuplicates(list), JSON.stringify(rule)).toBe(false);
      }
      // The rules for other origins are kept in their order, and everyone else is answered as before.
      expect(stored.filter((rule) => !forOrigin(rule))).toEqual(
        (rules ?? []).filter((rule) => !forOrigin(rule)).map(comparable),
      );
      expect(await othersAnswers()).toEqual(othersBefore);
      expect(await check({ headers: HEADERS })).toMatchObject({ ok: true, problems: [], applied: false });
    },
  );

  it('judges the first rule for the origin, as RGW does, even when a later one allows the upload', async () => {
    await setRules([{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'] }, ISSUE_14_PUT_RULE]);
    const report = await check({ headers: HEADERS });
    expect(codes(report)).toEqual([
      'METHOD_NOT_ALLOWED',
      ...HEADERS.map(() => 'HEADER_NOT_ALLOWED'),
      'ETAG_NOT_EXPOSED',
      'PREFLIGHT_REFUSED',
    ]);
    expect(report.problems[0]!.message).toContain(`The first rule for ${ORIGIN}`);
  });
});

describe('upload-presigner doctor cors (the CLI)', () => {
  const cli = (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'doctor',
        'cors',
        '--bucket',
        BUCKET,
        '--origin',
        ORIGIN,
        '--endpoint',
        rgw.endpoint,
        '--path-style',
        ...args,
      ],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
        },
      },
    ).then(
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
    expect(await cli()).toMatchObject({
      status: 0,
      stdout: expect.stringContaining(`OK: ${ORIGIN} can PUT to ${BUCKET}`),
    });
  });

  it('with --apply, fixes the rules issue 14 left: a GET-only rule for the origin, then a PUT rule', async () => {
    await setRules([{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'] }, ISSUE_14_PUT_RULE]);
    const applied = await cli('--apply', ...HEADERS.flatMap((header) => ['--header', header]));
    expect(applied).toMatchObject({ status: 0, stdout: expect.stringContaining('the preflight now passes') });
    expect(await preflight(ORIGIN, 'PUT', SENT)).toMatchObject({ status: 200, allowOrigin: ORIGIN });
    expect(await storedRules()).toHaveLength(1);
  });

  it('exits 2 on bad usage', async () => {
    const result = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'src/cli.ts',
      'doctor',
      'cors',
    ]).catch((error: { code: number; stderr: string }) => error);
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: upload-presigner doctor cors') });
  });
});

describe('checkBucketCors by default checks what a presigned PUT signs', () => {
  it('reports a rule that allows content-type alone: the page also sends content-disposition and if-none-match', async () => {
    await setRules([
      { AllowedOrigins: [ORIGIN], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type'], ExposeHeaders: ['ETag'] },
    ]);

    const report = await checkBucketCors({ client: storage, bucket: BUCKET, origin: ORIGIN });

    expect(report.ok).toBe(false);
    expect(
      report.problems
        .filter((problem) => problem.code === 'HEADER_NOT_ALLOWED')
        .map((problem) => problem.message.split(' ').at(-1)),
    ).toEqual(['content-disposition.', 'if-none-match.']);
    expect(await preflight(ORIGIN, 'PUT', ['content-type', 'if-none-match'])).toMatchObject({ status: 403 });
  });
});
