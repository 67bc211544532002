// POST policies: a module of their own, loaded only by presigners whose method is POST, so that a
// function that presigns PUT URLs never parses them.
import { checksumField } from './checksum.js';
import { nodeCrypto, utf8Base64 } from './hmac.js';
import type { SignRequest } from './sdk-signer.js';
import {
  formatDate,
  sign,
  signingKey,
  webSignature,
  type Credentials,
  type S3Location,
  type SigningDate,
} from './sigv4.js';

/** The parts of a POST policy: the one form this library signs. */
export interface PostParameters {
  location: S3Location;
  region: string;
  credentials: Credentials;
  bucket: string;
  key: string;
  /** Sent as the `Content-Type` field, and required to be exactly that. */
  contentType: string;
  /** Sent as the `Content-Disposition` field, and required to be exactly that. */
  contentDisposition?: string | undefined;
  /** A `content-length-range` condition, when the size is limited. */
  range?: readonly [min: number, max: number] | undefined;
  /** A digest field (`Content-MD5`, `x-amz-checksum-*`), sent and required to be exactly that. */
  checksum?: { field: string; value: string } | undefined;
  expiresIn: number;
  date: Date;
}

/**
 * Presigns a POST policy (synchronously where node:crypto is, else a promise), as `createPresignedPost` would with `Fields: { 'Content-Type',
 * 'Content-Disposition'?, [digest]? }` and `Conditions: [{ 'Content-Type' }, { 'Content-Disposition' }?,
 * { [digest] }?, ['content-length-range', min, max]?]`: the SDK lists the given conditions, then one per field
 * (those of the given fields already listed), then the key.
 */
export function presignPost({
  location,
  region,
  credentials,
  bucket,
  key,
  contentType,
  contentDisposition,
  range,
  checksum,
  expiresIn,
  date,
}: PostParameters): SignedPost | Promise<SignedPost> {
  const signingDate = formatDate(date);
  const signing = signingFields(bucket, credentials, region, signingDate);
  const policyText =
    `{"expiration":${expiration(date.getTime() + expiresIn * 1000)},"conditions":[{"Content-Type":${JSON.stringify(contentType)}},` +
    (contentDisposition !== undefined ? `{"Content-Disposition":${JSON.stringify(contentDisposition)}},` : '') +
    (checksum ? `{${JSON.stringify(checksum.field)}:${JSON.stringify(checksum.value)}},` : '') +
    (range ? `["content-length-range",${range[0]},${range[1]}],` : '') +
    `${signing.conditions},{"key":${JSON.stringify(key)}}]}`;
  // btoa encodes Latin-1, which is UTF-8 only for ASCII, and some 5× faster than a Buffer round
  // trip; only the key, type and disposition can be anything else, and checking them beats scanning the policy.
  const ascii =
    signing.ascii &&
    ASCII.test(contentType) &&
    ASCII.test(key) &&
    (contentDisposition === undefined || ASCII.test(contentDisposition));
  const policy = ascii ? btoa(policyText) : utf8Base64(policyText);
  const given: Record<string, string> =
    contentDisposition === undefined
      ? { 'Content-Type': contentType }
      : { 'Content-Type': contentType, 'Content-Disposition': contentDisposition };
  if (checksum) given[checksum.field] = checksum.value;
  const url = `${location.protocol}//${location.host}${location.basePath || '/'}`;
  if (!nodeCrypto)
    return webSignature(credentials.secretAccessKey, signingDate, region, policy).then((signature) => ({
      url,
      fields: Object.assign(given, signing.fields, { key, Policy: policy, 'X-Amz-Signature': signature }),
    }));
  const signature = sign(signingKey(credentials.secretAccessKey, signingDate.shortDate, region), policy);
  return { url, fields: Object.assign(given, signing.fields, { key, Policy: policy, 'X-Amz-Signature': signature }) };
}

/**
 * Presigns the POST form of one upload: {@link presignPost} with the request's fields, where and as
 * whom `signing` says (the direct signer's location, or the SDK's endpoint for the key).
 */
export function presignUploadPost(
  { bucket, key, contentType, contentDisposition, range, checksum, expiresIn }: SignRequest,
  signing: Pick<PostParameters, 'location' | 'region' | 'credentials' | 'date'>,
): SignedPost | Promise<SignedPost> {
  return presignPost({
    ...signing,
    bucket,
    key,
    contentType,
    contentDisposition,
    range,
    checksum: checksum && { field: checksumField(checksum.algorithm), value: checksum.value },
    expiresIn,
  });
}

/** A signed POST form: where to send it and the fields to send with the file. */
export interface SignedPost {
  url: string;
  fields: Record<string, string>;
}

// The fields a POST policy adds, and their conditions, are the same for every policy signed in the
// same second with the same credentials; the session token alone takes ~1 µs to quote as JSON.
let lastFields:
  | {
      bucket: string;
      accessKeyId: string;
      sessionToken: string | undefined;
      region: string;
      longDate: string;
      fields: Record<string, string>;
      conditions: string;
      ascii: boolean;
    }
  | undefined;
function signingFields(bucket: string, credentials: Credentials, region: string, date: SigningDate) {
  const { accessKeyId, sessionToken } = credentials;
  const cached = lastFields;
  if (
    cached?.longDate === date.longDate &&
    cached.bucket === bucket &&
    cached.region === region &&
    cached.accessKeyId === accessKeyId &&
    cached.sessionToken === sessionToken
  )
    return cached;
  const fields: Record<string, string> = {
    bucket,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${accessKeyId}/${date.shortDate}/${region}/s3/aws4_request`,
    'X-Amz-Date': date.longDate,
    ...(sessionToken ? { 'X-Amz-Security-Token': sessionToken } : {}),
  };
  const conditions = Object.entries(fields)
    .map(([name, value]) => JSON.stringify({ [name]: value }))
    .join(',');
  lastFields = {
    bucket,
    accessKeyId,
    sessionToken,
    region,
    longDate: date.longDate,
    fields,
    conditions,
    ascii: ASCII.test(conditions),
  };
  return lastFields;
}

/** The policy's `"expiration"`, as JSON: whole seconds, once per second. */
let lastExpiration = { second: Number.NaN, json: '' };
function expiration(time: number): string {
  const second = Math.floor(time / 1000);
  if (second !== lastExpiration.second) {
    lastExpiration = { second, json: JSON.stringify(new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z')) };
  }
  return lastExpiration.json;
}

const ASCII = /^[\x00-\x7f]*$/;
