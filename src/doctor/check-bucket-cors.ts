import {
  GetBucketCorsCommand,
  GetObjectCommand,
  PutBucketCorsCommand,
  S3Client,
  type CORSRule,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Where the bucket is and as whom to read (and, with `apply`, write) its CORS rules. */
export interface CheckBucketCorsOptions {
  bucket: string;
  /** The page's origin, e.g. `https://app.example.com`. */
  origin: string;
  /** The upload method. Default `PUT`. */
  method?: 'PUT' | 'POST';
  /**
   * Request headers the browser sends; `x-amz-meta-*` stands for any metadata header. Default: what
   * a presigned PUT signs, `["content-type", "content-disposition", "if-none-match"]`.
   */
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
  code:
    | 'NO_CORS_RULES'
    | 'ORIGIN_NOT_ALLOWED'
    | 'METHOD_NOT_ALLOWED'
    | 'HEADER_NOT_ALLOWED'
    | 'ETAG_NOT_EXPOSED'
    | 'PREFLIGHT_REFUSED';
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
    new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle,
    });
  const method = options.method ?? 'PUT';
  const headers = [...new Set((options.headers ?? SIGNED_PUT_HEADERS).map((name) => name.trim().toLowerCase()))];
  const need = { origin: options.origin, method, headers };

  const rules = await readRules(client, options.bucket);
  // Signing a GET resolves the object URL the way uploads will (endpoint, region, path or virtual-hosted style).
  const objectUrl = new URL(
    await getSignedUrl(client, new GetObjectCommand({ Bucket: options.bucket, Key: PREFLIGHT_KEY }), { expiresIn: 60 }),
  );
  const url = `${objectUrl.origin}${objectUrl.pathname}`;

  let preflight = await sendPreflight(url, need);
  const problems = [...ruleProblems(rules, need), ...preflightProblems(preflight, need)];
  const correctedRules = problems.length === 0 ? rules : correctRules(rules, need);
  let applied = false;
  if (options.apply && problems.length > 0) {
    await client.send(
      new PutBucketCorsCommand({ Bucket: options.bucket, CORSConfiguration: { CORSRules: correctedRules } }),
    );
    applied = true;
    preflight = await sendPreflight(url, need);
  }
  const okNow = applied
    ? [...ruleProblems(correctedRules, need), ...preflightProblems(preflight, need)].length === 0
    : problems.length === 0;
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

const concreteHeader = (name: string) =>
  name.includes('*') ? name.replace('*', SAMPLE_META_HEADER.slice('x-amz-meta-'.length)) : name;
const allowsOrigin = (rule: CORSRule, origin: string) =>
  (rule.AllowedOrigins ?? []).some((pattern) => matches(pattern, origin));
const allowsMethod = (rule: CORSRule, method: string) =>
  (rule.AllowedMethods ?? []).some((allowed) => allowed.toUpperCase() === method);
/** What a page sends with a presigned PUT besides Content-Length, which the browser sets itself. */
const SIGNED_PUT_HEADERS = ['content-type', 'content-disposition', 'if-none-match'];
const allowsHeader = (rule: CORSRule, header: string) =>
  (rule.AllowedHeaders ?? []).some((pattern) => matches(pattern, concreteHeader(header)));
const exposesEtag = (rule: CORSRule) => (rule.ExposeHeaders ?? []).some((name) => name.toLowerCase() === 'etag');

function ruleProblems(rules: CORSRule[], need: Need): CorsProblem[] {
  if (rules.length === 0) {
    return [
      {
        code: 'NO_CORS_RULES',
        message: 'The bucket has no CORS rules, so browsers may not upload to it from any page.',
      },
    ];
  }
  // AWS answers with the first rule that allows origin, method and headers; Ceph RGW with the first
  // rule that allows the origin, refusing when that one lacks the method or a header. Rules that
  // pass under RGW's choice pass under AWS's too, so the first rule for the origin is the one to judge.
  const rule = rules.find((candidate) => allowsOrigin(candidate, need.origin));
  if (!rule) return [{ code: 'ORIGIN_NOT_ALLOWED', message: `No rule allows the origin ${need.origin}.` }];
  const which = `The first rule for ${need.origin} (storages such as Ceph RGW answer with it and ignore later ones)`;
  const problems: CorsProblem[] = [];
  if (!allowsMethod(rule, need.method))
    problems.push({ code: 'METHOD_NOT_ALLOWED', message: `${which} does not allow the method ${need.method}.` });
  for (const header of need.headers.filter((name) => !allowsHeader(rule, name))) {
    problems.push({ code: 'HEADER_NOT_ALLOWED', message: `${which} does not allow the request header ${header}.` });
  }
  if (!exposesEtag(rule)) {
    problems.push({
      code: 'ETAG_NOT_EXPOSED',
      message: `${which} does not expose ETag, so the page cannot read it (Uppy's multipart uploads need it for every part, and a single upload's result reports it).`,
    });
  }
  return problems;
}

/**
 * The lower-case items of a comma-separated header the storage sent (`PUT, POST`), in linear time:
 * a split on commas, then a trim of each item (a pattern such as `\s*,\s*` backtracks
 * quadratically on a long run of spaces).
 *
 * @example
 * ```ts
 * headerList(' PUT ,POST'); // ['put', 'post']
 * ```
 */
export function headerList(value: string | undefined): string[] {
  return (value ?? '')
    .toLowerCase()
    .split(',')
    .map((item) => item.trim());
}

function preflightProblems(preflight: PreflightResult, need: Need): CorsProblem[] {
  const allowedHeaders = headerList(preflight.allowHeaders);
  const allowed =
    preflight.status >= 200 &&
    preflight.status < 300 &&
    (preflight.allowOrigin === need.origin || preflight.allowOrigin === '*') &&
    headerList(preflight.allowMethods).includes(need.method.toLowerCase()) &&
    (allowedHeaders.includes('*') || need.headers.every((header) => allowedHeaders.includes(concreteHeader(header))));
  return allowed
    ? []
    : [
        {
          code: 'PREFLIGHT_REFUSED',
          message: `The storage refused a real preflight from ${need.origin} for ${need.method} (status ${preflight.status}): the browser would block the upload.`,
        },
      ];
}

/**
 * Makes the first rule for the origin allow the upload, so it passes whether the storage picks the
 * first rule for the origin (Ceph RGW) or the first that allows the whole request (AWS). A rule
 * for this origin alone is amended; a rule shared with other origins is left as it is, and a copy
 * of it for this origin, amended, goes before it, so no other origin gains anything. Later rules for
 * this origin alone that the amended rule covers are dropped as duplicates; every other rule stays,
 * in its order.
 */
function correctRules(rules: CORSRule[], need: Need): CORSRule[] {
  const first = rules.findIndex((rule) => allowsOrigin(rule, need.origin));
  if (first < 0)
    return [
      ...rules,
      { ...allowing({ AllowedOrigins: [need.origin], AllowedMethods: [] }, need), MaxAgeSeconds: 3000 },
    ];
  const onlyThisOrigin = (rule: CORSRule) =>
    (rule.AllowedOrigins ?? []).length > 0 && rule.AllowedOrigins!.every((origin) => origin === need.origin);
  const base = rules[first]!;
  const { ID: _sharedRuleId, ...shared } = base;
  const amended = onlyThisOrigin(base)
    ? allowing(base, need)
    : { ...allowing(shared, need), AllowedOrigins: [need.origin] };
  const kept = onlyThisOrigin(base) ? [] : [base];
  const later = rules.slice(first + 1).filter((rule) => !(onlyThisOrigin(rule) && covers(amended, rule)));
  return [...rules.slice(0, first), amended, ...kept, ...later];
}

/** `rule` with the method, the headers and ETag it lacks added, each once. */
function allowing(rule: CORSRule, need: Need): CORSRule {
  const headers = [...(rule.AllowedHeaders ?? []), ...need.headers.filter((header) => !allowsHeader(rule, header))];
  return {
    ...rule,
    AllowedMethods: allowsMethod(rule, need.method)
      ? rule.AllowedMethods
      : [...(rule.AllowedMethods ?? []), need.method],
    ...(headers.length > 0 && { AllowedHeaders: headers }),
    ExposeHeaders: exposesEtag(rule) ? rule.ExposeHeaders : [...(rule.ExposeHeaders ?? []), 'ETag'],
  };
}

/** Whether every request `narrower` admits, `wider` admits and answers at least as openly. */
function covers(wider: CORSRule, narrower: CORSRule): boolean {
  const within = (patterns: string[] | undefined, values: string[] | undefined) =>
    (values ?? []).every((value) => (patterns ?? []).some((pattern) => matches(pattern, value)));
  return (
    within(wider.AllowedMethods, narrower.AllowedMethods) &&
    within(wider.AllowedHeaders, narrower.AllowedHeaders) &&
    (narrower.ExposeHeaders ?? []).every((name) =>
      (wider.ExposeHeaders ?? []).some((exposed) => exposed.toLowerCase() === name.toLowerCase()),
    )
  );
}
