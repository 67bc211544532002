import { GetBucketCorsCommand, GetObjectCommand, PutBucketCorsCommand, S3Client, type CORSRule, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Where the bucket is and as whom to read (and, with `apply`, write) its CORS rules. */
export interface CheckBucketCorsOptions {
  bucket: string;
  /** The page's origin, e.g. `https://app.example.com`. */
  origin: string;
  /** The upload method. Default `PUT`. */
  method?: 'PUT' | 'POST';
  /** Request headers the browser sends; `x-amz-meta-*` stands for any metadata header. Default `["content-type"]`. */
  headers?: readonly string[];
  /** Write the corrected rules (PutBucketCors) when something is missing. Default false. */
  apply?: boolean;
  /** An S3Client of your own, instead of `endpoint`, `region`, `credentials` and `forcePathStyle`. */
  client?: S3Client;
  endpoint?: string;
  region?: string;
  credentials?: S3ClientConfig['credentials'];
  forcePathStyle?: boolean;
}

/** One thing a browser upload from `origin` would trip over. */
export interface CorsProblem {
  code: 'NO_CORS_RULES' | 'ORIGIN_NOT_ALLOWED' | 'METHOD_NOT_ALLOWED' | 'HEADER_NOT_ALLOWED' | 'ETAG_NOT_EXPOSED' | 'PREFLIGHT_REFUSED';
  message: string;
}

/** What the storage answered to a real preflight. */
export interface PreflightResult {
  url: string;
  status: number;
  allowOrigin?: string;
  allowMethods?: string;
  allowHeaders?: string;
  exposeHeaders?: string;
}

/** The outcome of {@link checkBucketCors}. */
export interface CorsReport {
  /** True when the rules and the preflight both allow the upload and expose ETag. */
  ok: boolean;
  problems: CorsProblem[];
  /** The bucket's rules as they were read. */
  rules: CORSRule[];
  /** The rules that fix every problem: the current ones, amended or extended. Equal to `rules` when `ok`. */
  correctedRules: CORSRule[];
  preflight: PreflightResult;
  /** Whether `correctedRules` were written; the preflight then shows the result. */
  applied: boolean;
}

// Any metadata header stands for the whole family in a preflight, which must name real headers.
const SAMPLE_META_HEADER = 'x-amz-meta-upload-presigner-check';
const PREFLIGHT_KEY = 'upload-presigner-cors-check';

/**
 * Checks that a browser on `origin` can upload to `bucket`: reads the bucket's CORS rules, sends
 * a real preflight (OPTIONS with Origin and Access-Control-Request-Method/Headers) to an object
 * URL of the bucket, and reports what is missing — the origin, the method, `content-type`,
 * `x-amz-meta-*`, or `ETag` among the exposed headers (Uppy's multipart uploads need it). It returns the
 * corrected rules, and with `apply: true` writes them and checks again.
 *
 * @example
 * ```ts
 * import { checkBucketCors } from 'upload-presigner/doctor';
 *
 * const report = await checkBucketCors({ bucket: 'my-uploads', region: 'eu-west-1', origin: 'https://app.example.com' });
 * for (const problem of report.problems) console.log(problem.message);
 * if (!report.ok) console.log(JSON.stringify(report.correctedRules, null, 2)); // or pass apply: true
 * ```
 */
export async function checkBucketCors(options: CheckBucketCorsOptions): Promise<CorsReport> {
  const client =
    options.client ??
    new S3Client({ endpoint: options.endpoint, region: options.region, credentials: options.credentials, forcePathStyle: options.forcePathStyle });
  const method = options.method ?? 'PUT';
  const headers = (options.headers ?? ['content-type']).map((name) => name.toLowerCase());
  const need = { origin: options.origin, method, headers };

  const rules = await readRules(client, options.bucket);
  // Signing a GET resolves the object URL the way uploads will (endpoint, region, path or virtual-hosted style).
  const objectUrl = new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: options.bucket, Key: PREFLIGHT_KEY }), { expiresIn: 60 }));
  const url = `${objectUrl.origin}${objectUrl.pathname}`;

  let preflight = await sendPreflight(url, need);
  const problems = [...ruleProblems(rules, need), ...preflightProblems(preflight, need)];
  const correctedRules = problems.length === 0 ? rules : correctRules(rules, need);
  let applied = false;
  if (options.apply && problems.length > 0) {
    await client.send(new PutBucketCorsCommand({ Bucket: options.bucket, CORSConfiguration: { CORSRules: correctedRules } }));
    applied = true;
    preflight = await sendPreflight(url, need);
  }
  const okNow = applied ? preflightProblems(preflight, need).length === 0 : problems.length === 0;
  return { ok: okNow, problems, rules, correctedRules, preflight, applied };
}

interface Need {
  origin: string;
  method: string;
  headers: string[];
}

async function readRules(client: S3Client, bucket: string): Promise<CORSRule[]> {
  try {
    return (await client.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];
  } catch (error) {
    if ((error as Error).name === 'NoSuchCORSConfiguration') return [];
    throw error;
  }
}

async function sendPreflight(url: string, need: Need): Promise<PreflightResult> {
  const requestHeaders = need.headers.map(concreteHeader).join(',');
  const response = await fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin: need.origin,
      'access-control-request-method': need.method,
      ...(requestHeaders && { 'access-control-request-headers': requestHeaders }),
    },
  });
  await response.arrayBuffer();
  const header = (name: string) => response.headers.get(name) ?? undefined;
  return {
    url,
    status: response.status,
    allowOrigin: header('access-control-allow-origin'),
    allowMethods: header('access-control-allow-methods'),
    allowHeaders: header('access-control-allow-headers'),
    exposeHeaders: header('access-control-expose-headers'),
  };
}

/** S3's CORS matching: one `*` wildcard per pattern, header names case-insensitive. */
function matches(pattern: string, value: string): boolean {
  const [head, ...rest] = pattern.toLowerCase().split('*');
  if (rest.length === 0) return head === value.toLowerCase();
  const tail = rest.join('*');
  const lower = value.toLowerCase();
  return lower.length >= head!.length + tail.length && lower.startsWith(head!) && lower.endsWith(tail);
}

const concreteHeader = (name: string) => (name.includes('*') ? name.replace('*', SAMPLE_META_HEADER.slice('x-amz-meta-'.length)) : name);
const allowsOrigin = (rule: CORSRule, origin: string) => (rule.AllowedOrigins ?? []).some((pattern) => matches(pattern, origin));
const allowsMethod = (rule: CORSRule, method: string) => (rule.AllowedMethods ?? []).some((allowed) => allowed.toUpperCase() === method);
const allowsHeader = (rule: CORSRule, header: string) => (rule.AllowedHeaders ?? []).some((pattern) => matches(pattern, concreteHeader(header)));
const exposesEtag = (rule: CORSRule) => (rule.ExposeHeaders ?? []).some((name) => name.toLowerCase() === 'etag');
const fullMatch = (rule: CORSRule, need: Need) =>
  allowsOrigin(rule, need.origin) && allowsMethod(rule, need.method) && need.headers.every((header) => allowsHeader(rule, header));

function ruleProblems(rules: CORSRule[], need: Need): CorsProblem[] {
  if (rules.length === 0) {
    return [{ code: 'NO_CORS_RULES', message: 'The bucket has no CORS rules, so browsers may not upload to it from any page.' }];
  }
  // The storage answers a preflight with the first rule that allows origin, method and every header.
  const rule = rules.find((candidate) => fullMatch(candidate, need));
  if (rule) {
    return exposesEtag(rule)
      ? []
      : [{ code: 'ETAG_NOT_EXPOSED', message: "The matching rule does not expose ETag, so the page cannot read it (Uppy's multipart uploads need it for every part, and a single upload's result reports it)." }];
  }
  const forOrigin = rules.filter((candidate) => allowsOrigin(candidate, need.origin));
  if (forOrigin.length === 0) return [{ code: 'ORIGIN_NOT_ALLOWED', message: `No rule allows the origin ${need.origin}.` }];
  const forMethod = forOrigin.filter((candidate) => allowsMethod(candidate, need.method));
  if (forMethod.length === 0) return [{ code: 'METHOD_NOT_ALLOWED', message: `No rule for ${need.origin} allows the method ${need.method}.` }];
  const best = forMethod[0]!;
  return need.headers
    .filter((header) => !allowsHeader(best, header))
    .map((header) => ({ code: 'HEADER_NOT_ALLOWED' as const, message: `The rule for ${need.origin} and ${need.method} does not allow the request header ${header}.` }));
}

function preflightProblems(preflight: PreflightResult, need: Need): CorsProblem[] {
  const allowed =
    preflight.status >= 200 &&
    preflight.status < 300 &&
    (preflight.allowOrigin === need.origin || preflight.allowOrigin === '*') &&
    (preflight.allowMethods ?? '').toUpperCase().split(/\s*,\s*/).includes(need.method);
  return allowed
    ? []
    : [{ code: 'PREFLIGHT_REFUSED', message: `The storage refused a real preflight from ${need.origin} for ${need.method} (status ${preflight.status}): the browser would block the upload.` }];
}

/**
 * The smallest change that fixes the problems: add ETag to the rule that already matches, or
 * append a rule for exactly this origin, method and headers (earlier rules keep their meaning).
 */
function correctRules(rules: CORSRule[], need: Need): CORSRule[] {
  const index = rules.findIndex((rule) => fullMatch(rule, need));
  if (index >= 0) {
    return rules.map((rule, i) => (i === index ? { ...rule, ExposeHeaders: [...(rule.ExposeHeaders ?? []), 'ETag'] } : rule));
  }
  const rule: CORSRule = {
    AllowedOrigins: [need.origin],
    AllowedMethods: [need.method],
    AllowedHeaders: need.headers,
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: 3000,
  };
  return [...rules, rule];
}
