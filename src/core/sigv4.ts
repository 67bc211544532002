import { nodeCrypto, toHex, utf8Base64, webHmac, webHmacKey, webSha256 } from './hmac.js';

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
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password)
    return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  return { protocol: url.protocol, host: url.host, basePath: `${path}/${escapeUri(bucket)}` };
}

/** RFC 3986 encoding, as SigV4 and the SDK's URL builder do it. */
function escapeUri(value: string): string {
  if (UNRESERVED.test(value)) return value;
  const encoded = encodeURIComponent(value);
  return SUB_DELIMS.test(encoded)
    ? encoded.replace(SUB_DELIMS_ALL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : encoded;
}
// Most keys and values need no escaping at all: checking costs less than encoding.
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const SUB_DELIMS = /[!'()*]/;
const SUB_DELIMS_ALL = /[!'()*]/g;

// Where node:crypto is (nodeCrypto), signing is synchronous; elsewhere it is Web Crypto's promise.
const hmac = (key: string | Buffer, data: string) =>
  nodeCrypto!.createHmac('sha256', key).update(data, 'utf8').digest();
// One-shot hashing (Node 20.12 on) skips the Hash object that createHash makes and drops.
const sha256Hex: (data: string) => string =
  typeof nodeCrypto?.hash === 'function'
    ? (data) => nodeCrypto!.hash('sha256', data, 'hex')
    : (data) => nodeCrypto!.createHash('sha256').update(data, 'utf8').digest('hex');

// Deriving the signing key costs four HMACs; it changes only with the day, region or secret.
let cachedKey: { secretAccessKey: string; shortDate: string; region: string; key: Buffer } | undefined;
export function signingKey(secretAccessKey: string, shortDate: string, region: string): Buffer {
  const cached = cachedKey;
  if (cached?.shortDate === shortDate && cached.region === region && cached.secretAccessKey === secretAccessKey)
    return cached.key;
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, shortDate), region), 's3'), 'aws4_request');
  cachedKey = { secretAccessKey, shortDate, region, key };
  return key;
}
export const sign = (key: Buffer, data: string) =>
  nodeCrypto!.createHmac('sha256', key).update(data, 'utf8').digest('hex');

// The same key for Web Crypto, imported once per day, region and secret. Only a settled key is
// kept: a Worker must not share a pending promise between requests.
let cachedWebKey: { secretAccessKey: string; shortDate: string; region: string; key: CryptoKey } | undefined;
async function webSigningKey(secretAccessKey: string, shortDate: string, region: string): Promise<CryptoKey> {
  const cached = cachedWebKey;
  if (cached?.shortDate === shortDate && cached.region === region && cached.secretAccessKey === secretAccessKey)
    return cached.key;
  let key = await webHmac(await webHmacKey(`AWS4${secretAccessKey}`), shortDate);
  for (const part of [region, 's3', 'aws4_request']) key = await webHmac(await webHmacKey(key), part);
  const imported = await webHmacKey(key);
  cachedWebKey = { secretAccessKey, shortDate, region, key: imported };
  return imported;
}

/** The signature of `stringToSign` (for a PUT, with the canonical request's hash still to append) with Web Crypto. */
export async function webSignature(
  secretAccessKey: string,
  { shortDate }: SigningDate,
  region: string,
  stringToSign: string,
  canonicalRequest?: string,
): Promise<string> {
  const hashed = canonicalRequest === undefined ? '' : toHex(await webSha256(canonicalRequest));
  return toHex(await webHmac(await webSigningKey(secretAccessKey, shortDate, region), stringToSign + hashed));
}

// A role's session token is hundreds of characters, the same for hours: escape it once.
let lastToken: { token: string; escaped: string } | undefined;
function escapedToken(token: string): string {
  if (lastToken?.token !== token) lastToken = { token, escaped: escapeUri(token) };
  return lastToken.escaped;
}

/** `20261128T093000Z` and `20261128`, formatted once per second rather than once per URL. */
export interface SigningDate {
  second: number;
  longDate: string;
  shortDate: string;
}
let lastDate: SigningDate = { second: Number.NaN, longDate: '', shortDate: '' };
export function formatDate(date: Date): SigningDate {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastDate.second) {
    const iso = date.toISOString(); // 2026-11-28T09:30:00.000Z; throws for an invalid date
    const shortDate = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10);
    lastDate = {
      second,
      longDate: `${shortDate}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`,
      shortDate,
    };
  }
  return lastDate;
}

// The query before the signature depends only on the credentials, the second, the region and the
// expiry: every URL signed in the same second shares it, session token and all.
let lastQuery:
  | {
      accessKeyId: string;
      sessionToken: string | undefined;
      region: string;
      longDate: string;
      expiresIn: number;
      query: string;
    }
  | undefined;
function queryBeforeSignature(credentials: Credentials, region: string, date: SigningDate, expiresIn: number): string {
  const { accessKeyId, sessionToken } = credentials;
  const cached = lastQuery;
  if (
    cached?.longDate === date.longDate &&
    cached.expiresIn === expiresIn &&
    cached.region === region &&
    cached.accessKeyId === accessKeyId &&
    cached.sessionToken === sessionToken
  )
    return cached.query;
  // The SDK sorts the query by name; these are in that order, with the signature to go between
  // the security token and SignedHeaders.
  const query =
    `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD` +
    `&X-Amz-Credential=${escapeUri(`${accessKeyId}/${date.shortDate}/${region}/s3/aws4_request`)}&X-Amz-Date=${date.longDate}&X-Amz-Expires=${expiresIn}` +
    (sessionToken ? `&X-Amz-Security-Token=${escapedToken(sessionToken)}` : '');
  lastQuery = { accessKeyId, sessionToken, region, longDate: date.longDate, expiresIn, query };
  return query;
}

// What the SDK does to a header value before signing it (and what S3 does on its side).
const canonicalHeaderValue = (value: string) =>
  /[\r\n\t]| {2}|^ | $/.test(value)
    ? value
        .replace(/[\r\n]/g, ' ')
        .replace(/[ \t]+/g, ' ')
        .replace(/^ | $/g, '')
    : value;

// The same few sets of header names are signed over and over: each is sorted, with host, and
// escaped once.
let lastLayout: { names: string[]; sorted: string[]; signedHeaders: string; escapedSignedHeaders: string } | undefined;
function headerLayout(names: string[]) {
  const cached = lastLayout;
  if (cached?.names.length === names.length && names.every((name, i) => name === cached.names[i])) return cached;
  const sorted = (names.includes('host') ? [...names] : [...names, 'host']).sort();
  const signedHeaders = sorted.join(';');
  lastLayout = { names, sorted, signedHeaders, escapedSignedHeaders: escapeUri(signedHeaders) };
  return lastLayout;
}

// Keys are mostly unreserved characters and slashes, which the path keeps as they are.
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;
const escapePath = (key: string) => (PLAIN_PATH.test(key) ? key : key.split('/').map(escapeUri).join('/'));

/** The parts of a PutObject URL. */
export interface PutParameters {
  location: S3Location;
  region: string;
  credentials: Credentials;
  key: string;
  /** Signed headers other than host, lower-case names: content-type, content-length, content-disposition, if-none-match. */
  headers: Record<string, string>;
  expiresIn: number;
  date: Date;
  /** Sign an UploadPart of this multipart upload instead of a PutObject. */
  part?: { uploadId: string; partNumber: number };
  /** An `x-amz-checksum-*` header, which the SDK moves into the query, as does this signer; its value is base64. */
  hoisted?: { name: string; value: string } | undefined;
}

/**
 * Presigns a PutObject URL, as `getSignedUrl(client, new PutObjectCommand(...), { signableHeaders })`
 * would with checksums off; with `part`, an UploadPart URL, as `UploadPartCommand` would.
 * Synchronous where node:crypto is; a promise with Web Crypto.
 */
export function presignPut({
  location,
  region,
  credentials,
  key,
  headers,
  expiresIn,
  date,
  part,
  hoisted,
}: PutParameters): string | Promise<string> {
  const signingDate = formatDate(date);
  const before = queryBeforeSignature(credentials, region, signingDate, expiresIn);
  const path = `${location.basePath}/${escapePath(key)}`;
  const { sorted, signedHeaders, escapedSignedHeaders } = headerLayout(Object.keys(headers));
  let canonicalHeaders = '';
  for (const name of sorted)
    canonicalHeaders += `${name}:${Object.hasOwn(headers, name) ? canonicalHeaderValue(headers[name]!) : location.host}\n`;

  // In the SDK's order: partNumber, uploadId, then x-amz-checksum-*, then x-id.
  const after =
    `X-Amz-SignedHeaders=${escapedSignedHeaders}` +
    (part ? `&partNumber=${part.partNumber}&uploadId=${escapeUri(part.uploadId)}` : '') +
    // Base64 holds none of the characters (!'()*) escapeUri escapes beyond encodeURIComponent and
    // always some (+/=) its unreserved check sends on: encodeURIComponent alone gives the same, sooner.
    (hoisted ? `&${hoisted.name}=${encodeURIComponent(hoisted.value)}` : '') +
    (part ? '&x-id=UploadPart' : '&x-id=PutObject');
  const canonicalRequest = `PUT\n${path}\n${before}&${after}\n${canonicalHeaders}\n${signedHeaders}\nUNSIGNED-PAYLOAD`;
  const { longDate, shortDate } = signingDate;
  const scope = `AWS4-HMAC-SHA256\n${longDate}\n${shortDate}/${region}/s3/aws4_request\n`;
  const url = `${location.protocol}//${location.host}${path}?${before}&X-Amz-Signature=`;
  if (!nodeCrypto)
    return webSignature(credentials.secretAccessKey, signingDate, region, scope, canonicalRequest).then(
      (signature) => `${url}${signature}&${after}`,
    );
  const signature = sign(
    signingKey(credentials.secretAccessKey, shortDate, region),
    scope + sha256Hex(canonicalRequest),
  );
  return `${url}${signature}&${after}`;
}
