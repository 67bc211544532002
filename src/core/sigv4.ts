import { createHash, createHmac } from 'node:crypto';

// A direct SigV4 presigner for the one request shape this library signs: PutObject (URL) and a
// POST policy, on plain S3 endpoints. Its output is byte-identical to @aws-sdk/s3-request-presigner
// and @aws-sdk/s3-presigned-post for the same inputs and clock (a property test holds it to that),
// at a fraction of their cost; any configuration it does not know falls back to the SDK.

/** Credentials as the SDK resolves them. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Where a bucket's objects are addressed: `${protocol}//${host}${basePath}/${key}`. */
export interface S3Location {
  protocol: 'http:' | 'https:';
  /** Hostname, with the port when it is not the scheme's default. */
  host: string;
  /** `""` (virtual-hosted) or `/bucket` (path-style), after any path of a custom endpoint. */
  basePath: string;
}

// Regions of the standard `aws` partition, whose S3 endpoints are `s3.<region>.amazonaws.com`.
// Other partitions (China, GovCloud, ISO) have their own rules: the SDK handles them.
const AWS_REGION = /^(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d{1,2}$/;
// A bucket that is one DNS label can be virtual-hosted under TLS; dots break the certificate.
const DNS_LABEL_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const IPV4_LIKE = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * Where the SDK would send requests for `bucket`, or `undefined` when that takes rules this
 * module does not carry (access point ARNs, S3 Express directory buckets, other partitions,
 * virtual-hosted custom endpoints, FIPS or dual-stack): the caller then signs with the SDK.
 */
export function resolveLocation(options: {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
}): S3Location | undefined {
  const { bucket, region, endpoint, forcePathStyle } = options;
  if (bucket.startsWith('arn:') || bucket.endsWith('--x-s3') || bucket.endsWith('--ol-s3')) return undefined;
  if (endpoint === undefined) {
    if (!AWS_REGION.test(region)) return undefined;
    const domain = `s3.${region}.amazonaws.com`;
    return forcePathStyle || !DNS_LABEL_BUCKET.test(bucket) || bucket.includes('--') || IPV4_LIKE.test(bucket)
      ? undefined
      : { protocol: 'https:', host: `${bucket}.${domain}`, basePath: '' };
  }
  if (!forcePathStyle) return undefined;
  const url = new URL(endpoint);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  return { protocol: url.protocol, host: url.host, basePath: `${path}/${escapeUri(bucket)}` };
}

/** RFC 3986 encoding, as SigV4 and the SDK's URL builder do it. */
function escapeUri(value: string): string {
  if (UNRESERVED.test(value)) return value;
  const encoded = encodeURIComponent(value);
  return SUB_DELIMS.test(encoded) ? encoded.replace(SUB_DELIMS_ALL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
}
// Most keys and values need no escaping at all: checking costs less than encoding.
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const SUB_DELIMS = /[!'()*]/;
const SUB_DELIMS_ALL = /[!'()*]/g;

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

// Deriving the signing key costs four HMACs; it changes only with the day, region or secret.
let cachedKey: { id: string; key: Buffer } | undefined;
function signingKey(secretAccessKey: string, shortDate: string, region: string): Buffer {
  const id = `${shortDate}/${region}/${secretAccessKey}`;
  if (cachedKey?.id !== id) {
    const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, shortDate), region), 's3'), 'aws4_request');
    cachedKey = { id, key };
  }
  return cachedKey.key;
}

// A role's session token is hundreds of characters, the same for hours: escape it once.
let lastToken: { token: string; escaped: string } | undefined;
function escapedToken(token: string): string {
  if (lastToken?.token !== token) lastToken = { token, escaped: escapeUri(token) };
  return lastToken.escaped;
}

/** `20261128T093000Z` and `20261128`. */
function formatDate(date: Date): { longDate: string; shortDate: string } {
  const iso = date.toISOString(); // 2026-11-28T09:30:00.000Z
  const shortDate = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10);
  return { longDate: `${shortDate}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, shortDate };
}

// What the SDK does to a header value before signing it (and what S3 does on its side).
const canonicalHeaderValue = (value: string) =>
  /[\r\n\t]| {2}|^ | $/.test(value) ? value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '') : value;

/** The parts of a PutObject URL. */
export interface PutParameters {
  location: S3Location;
  region: string;
  credentials: Credentials;
  key: string;
  /** Signed headers other than host, lower-case names: content-type, and content-length when known. */
  headers: Record<string, string>;
  expiresIn: number;
  date: Date;
  /** Sign an UploadPart of this multipart upload instead of a PutObject. */
  part?: { uploadId: string; partNumber: number };
}

/**
 * Presigns a PutObject URL, as `getSignedUrl(client, new PutObjectCommand(...), { signableHeaders })`
 * would with checksums off; with `part`, an UploadPart URL, as `UploadPartCommand` would.
 */
export function presignPut({ location, region, credentials, key, headers, expiresIn, date, part }: PutParameters): string {
  const { longDate, shortDate } = formatDate(date);
  const scope = `${shortDate}/${region}/s3/aws4_request`;
  const path = `${location.basePath}/${key.split('/').map(escapeUri).join('/')}`;
  const signed: Record<string, string> = { host: location.host };
  for (const name in headers) signed[name] = canonicalHeaderValue(headers[name]!);
  const names = Object.keys(signed).sort();
  let canonicalHeaders = '';
  for (const name of names) canonicalHeaders += `${name}:${signed[name]}\n`;
  const signedHeaders = names.join(';');

  // The SDK sorts the query by name; these are in that order, with the signature to go between
  // the security token and SignedHeaders.
  const before =
    `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD` +
    `&X-Amz-Credential=${escapeUri(`${credentials.accessKeyId}/${scope}`)}&X-Amz-Date=${longDate}&X-Amz-Expires=${expiresIn}` +
    (credentials.sessionToken ? `&X-Amz-Security-Token=${escapedToken(credentials.sessionToken)}` : '');
  const after =
    `X-Amz-SignedHeaders=${escapeUri(signedHeaders)}` +
    (part ? `&partNumber=${part.partNumber}&uploadId=${escapeUri(part.uploadId)}&x-id=UploadPart` : '&x-id=PutObject');
  const canonicalRequest = `PUT\n${path}\n${before}&${after}\n${canonicalHeaders}\n${signedHeaders}\nUNSIGNED-PAYLOAD`;
  const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, shortDate, region)).update(stringToSign, 'utf8').digest('hex');
  return `${location.protocol}//${location.host}${path}?${before}&X-Amz-Signature=${signature}&${after}`;
}

/** The parts of a POST policy. */
export interface PostParameters {
  location: S3Location;
  region: string;
  credentials: Credentials;
  bucket: string;
  key: string;
  fields: Record<string, string>;
  conditions: unknown[];
  expiresIn: number;
  date: Date;
}

/** Presigns a POST policy, as `createPresignedPost(client, ...)` would. */
export function presignPost(parameters: PostParameters): { url: string; fields: Record<string, string> } {
  const { location, region, credentials, bucket, key, expiresIn, date } = parameters;
  const { longDate, shortDate } = formatDate(date);
  const fields: Record<string, string> = {
    ...parameters.fields,
    bucket,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${shortDate}/${region}/s3/aws4_request`,
    'X-Amz-Date': longDate,
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
  };
  // The SDK lists each condition once, in this order, compared by its JSON text.
  const conditions = new Set(parameters.conditions.map((condition) => JSON.stringify(condition)));
  for (const [name, value] of Object.entries(fields)) conditions.add(JSON.stringify({ [name]: value }));
  conditions.add(JSON.stringify({ key }));
  const expiration = new Date(date.getTime() + expiresIn * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const policy = Buffer.from(`{"expiration":${JSON.stringify(expiration)},"conditions":[${[...conditions].join(',')}]}`, 'utf8').toString('base64');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, shortDate, region)).update(policy, 'utf8').digest('hex');
  return {
    url: `${location.protocol}//${location.host}${location.basePath || '/'}`,
    fields: { ...fields, key, Policy: policy, 'X-Amz-Signature': signature },
  };
}
