import type { S3Client } from '@aws-sdk/client-s3';
import { PresignError } from '../errors.js';
import type { PresignedPost, PresignedPut, PresignResult } from '../types.js';
import { checksumHeader, type DeclaredChecksum } from './checksum.js';
import type { ResolvedOptions } from './config.js';
import type { SdkSigner, SignRequest } from './sdk-signer.js';
import { sdkPath } from './sdk-path.js';
import { presignPut, resolveLocation, type Credentials, type S3Location } from './sigv4.js';

type PostSigning = typeof import('./sigv4-post.js');
let postSigning: PostSigning | undefined;
let postSigningLoad: Promise<PostSigning> | undefined;
/**
 * Loads the POST policy signer: a presigner whose method is POST calls this when it is created,
 * so that its first presign rarely waits; PUT presigners never load it.
 */
export const loadPostSigning = (): Promise<PostSigning> =>
  (postSigningLoad ??= import('./sigv4-post.js').then((module) => (postSigning = module)));

/** Signs directly (`location` known) or through the SDK, loaded on first use. */
export type Signer = DirectSigner | SdkBackedSigner;

interface SignerCredentials {
  /** Credentials that do not change (passed in, or Lambda's environment): nothing to wait for. */
  staticCredentials?: Credentials;
  credentials(): Credentials | Promise<Credentials>;
}

/** Signs with this package's SigV4: a plain regional (or custom) endpoint. */
interface DirectSigner extends SignerCredentials {
  location: S3Location;
  region: string;
  sdk?: undefined;
}

/** Signs through the SDK: whatever the direct signer does not cover. */
interface SdkBackedSigner extends SignerCredentials {
  sdk: SdkSigner;
}

// Settings under which the SDK would not use the plain regional endpoint the direct signer assumes.
const SDK_ONLY_ENVIRONMENT = [
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
];

/**
 * The direct signer, chosen once when the presigner is created: it needs a region, a plain
 * endpoint and credentials it can see (passed in, or the `AWS_*` variables Lambda sets). Anything
 * else — an injected client, access points, FIPS, a profile — is `undefined`: use `loadSdkSigner`.
 */
export function directSigner(config: ResolvedOptions): DirectSigner | undefined {
  const env = globalThis.process?.env ?? {};
  const region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const credentials = config.credentials ?? credentialsFromEnv(env);
  const sdkOnly = config.client || SDK_ONLY_ENVIRONMENT.some((name) => env[name] && env[name] !== 'false');
  const location =
    region && credentials && !sdkOnly
      ? resolveLocation({
          bucket: config.bucket,
          region,
          endpoint: config.endpoint,
          forcePathStyle: config.forcePathStyle,
        })
      : undefined;
  if (!location || !region || !credentials) return undefined;
  if (typeof credentials === 'function')
    return { location, region, credentials: credentials as () => Promise<Credentials> };
  return {
    location,
    region,
    staticCredentials: credentials as Credentials,
    credentials: () => credentials as Credentials,
  };
}

/** The signer of whatever the direct one does not cover: the SDK's, imported only then. */
export async function loadSdkSigner(client: () => Promise<S3Client>): Promise<Signer> {
  const { sdkSigner } = await sdkPath!.signer();
  const sdk = sdkSigner(await client());
  return { sdk, credentials: sdk.credentials };
}

/**
 * What the build without the SDK (the workerd, worker and browser conditions) throws at creation
 * for options only the SDK can sign for.
 *
 * @example
 * ```ts
 * if (!direct && !sdkPath) throw withoutSdk();
 * ```
 */
export const withoutSdk = () =>
  new PresignError(
    'INVALID_OPTIONS',
    'This build of upload-presigner (the workerd, worker and browser export conditions: Cloudflare Workers, Edge runtimes) has no AWS SDK and signs with its own signer only: pass "region" and "credentials", and for a storage other than AWS S3 "endpoint" with "forcePathStyle: true". An S3Client ("client"), access points, FIPS or dual-stack endpoints need the Node build.',
  );

/** The SDK's first provider, `fromEnv`, read the same way. */
function credentialsFromEnv(env: Record<string, string | undefined>): Credentials | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
    ...(env.AWS_CREDENTIAL_EXPIRATION && { expiration: new Date(env.AWS_CREDENTIAL_EXPIRATION) }),
  };
}

export async function loadCredentials(signer: Signer): Promise<Credentials> {
  try {
    return await signer.credentials();
  } catch (cause) {
    throw new PresignError('SIGNING_FAILED', `Could not load credentials: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
  }
}

/** A URL dies with the session token that signed it: never promise more than the credentials have. */
export function clampToCredentials({ expiration }: Credentials, expiresIn: number): number {
  if (!expiration) return expiresIn;
  const remaining = Math.floor((expiration.getTime() - Date.now()) / 1000);
  if (remaining < 1) throw new PresignError('SIGNING_FAILED', 'The signing credentials have expired.');
  return Math.min(expiresIn, remaining);
}

// SigV4 dates have whole seconds: the URL expires `expiresIn` after the second it was signed in.
// Formatting a date costs more than the rest of the result, so it is done once per second.
let lastExpiry = { second: Number.NaN, seconds: Number.NaN, iso: '' };
export const expiry = (date: Date, seconds: number): string => {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastExpiry.second || seconds !== lastExpiry.seconds) {
    lastExpiry = { second, seconds, iso: new Date(second * 1000 + seconds * 1000).toISOString() };
  }
  return lastExpiry.iso;
};

const signingFailed = (cause: unknown) =>
  new PresignError('SIGNING_FAILED', `Could not sign the upload: ${(cause as Error)?.message ?? cause}`, { cause });

/** Wraps what the signer throws (a bad region, an SDK failure) as `SIGNING_FAILED`. */
export async function signing<T>(sign: () => T | Promise<T>): Promise<T> {
  try {
    return await sign();
  } catch (cause) {
    throw signingFailed(cause);
  }
}

/**
 * Signs one upload, as a PUT URL or a POST policy. The direct signer answers synchronously: a
 * presign takes a few microseconds, and waiting on a promise would add a tenth to them.
 */
export function signUpload(
  signer: Signer,
  credentials: Credentials,
  request: SignRequest,
  method: 'PUT' | 'POST',
): PresignResult | Promise<PresignResult> {
  try {
    const signed = method === 'PUT' ? signPut(signer, credentials, request) : signPost(signer, credentials, request);
    return signed instanceof Promise ? signing<PresignResult>(() => signed) : signed;
  } catch (cause) {
    throw signingFailed(cause);
  }
}

// No closures on the direct path: tsx (the benchmark and the tests run the source) names every
// closure it creates, which alone costs a twentieth of a presign.
function signPut(signer: Signer, credentials: Credentials, request: SignRequest): PresignedPut | Promise<PresignedPut> {
  const headers: Record<string, string> = { 'content-type': request.contentType };
  if (request.size !== undefined) headers['content-length'] = String(request.size);
  if (request.contentDisposition !== undefined) headers['content-disposition'] = request.contentDisposition;
  // The storage then refuses to replace an object, even through this URL while it lives.
  if (!request.overwrite) headers['if-none-match'] = '*';
  // Content-MD5 is a header the client sends; an x-amz-checksum-* value goes into the URL.
  const { checksum } = request;
  if (checksum?.algorithm === 'md5') headers['content-md5'] = checksum.value;
  const date = new Date();
  if (signer.sdk)
    return signer.sdk.put(request, headers).then((uploadUrl) => putResult(request, headers, date, uploadUrl));
  const uploadUrl = presignPut({
    location: signer.location,
    region: signer.region,
    credentials,
    key: request.key,
    headers,
    expiresIn: request.expiresIn,
    date,
    hoisted: hoistedChecksum(checksum),
  });
  // A string where node:crypto signs; Web Crypto answers a promise.
  return typeof uploadUrl === 'string'
    ? putResult(request, headers, date, uploadUrl)
    : uploadUrl.then((url) => putResult(request, headers, date, url));
}

/** An `x-amz-checksum-*` digest, which goes into the URL's query (Content-MD5 is a header). */
export const hoistedChecksum = (checksum: DeclaredChecksum | undefined) =>
  checksum && checksum.algorithm !== 'md5'
    ? { name: checksumHeader(checksum.algorithm), value: checksum.value }
    : undefined;

function putResult(
  { key, expiresIn }: SignRequest,
  headers: Record<string, string>,
  date: Date,
  uploadUrl: string,
): PresignedPut {
  return { method: 'PUT', uploadUrl, key, headers, expiresAt: expiry(date, expiresIn), expiresIn };
}

function signPost(
  signer: Signer,
  credentials: Credentials,
  request: SignRequest,
): PresignedPost | Promise<PresignedPost> {
  const date = new Date();
  if (signer.sdk) return signer.sdk.post(request).then((post) => postResult(request, date, post));
  if (!postSigning) return loadPostSigning().then(() => signPost(signer, credentials, request));
  const post = postSigning.presignUploadPost(request, {
    location: signer.location,
    region: signer.region,
    credentials,
    date,
  });
  return post instanceof Promise
    ? post.then((signed) => postResult(request, date, signed))
    : postResult(request, date, post);
}

function postResult(
  { key, expiresIn }: SignRequest,
  date: Date,
  { url, fields }: { url: string; fields: Record<string, string> },
): PresignedPost {
  return { method: 'POST', uploadUrl: url, key, fields, expiresAt: expiry(date, expiresIn), expiresIn };
}
