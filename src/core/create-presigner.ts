import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import * as v from 'valibot';
import { PresignError } from '../errors.js';
import { PresignerOptionsSchema, PresignRequestSchema } from '../schemas.js';
import type { KeyInput, PresignedPost, PresignedPut, Presigner, PresignerOptions } from '../types.js';
import { isTypeAllowed, isTypePattern, parseContentType } from './content-type.js';
import { assertSafeKey, nameBudget, toSafeName } from './keys.js';
import type { SdkSigner, SignRequest } from './sdk-signer.js';
import { presignPost, presignPut, resolveLocation, type Credentials, type S3Location } from './sigv4.js';

type ResolvedOptions = v.InferOutput<typeof PresignerOptionsSchema> & Pick<PresignerOptions, 'client' | 'key' | 'onUploadComplete'>;

/**
 * Creates a presigner: validates `options` once, then signs uploads whose limits the storage
 * itself enforces. Content-Type is always signed; with `maxSize`, so is the size (Content-Length
 * for PUT, a `content-length-range` condition for POST); keys are random, safe and inside `prefix`.
 *
 * @throws PresignError `INVALID_OPTIONS`, naming the option, when `options` are wrong.
 * @example
 * ```ts
 * import { createPresigner } from 'upload-presigner';
 *
 * const presigner = createPresigner({
 *   bucket: 'my-uploads',
 *   allowedTypes: ['image/*', 'application/pdf'],
 *   maxSize: 10 * 1024 * 1024,
 * });
 * const { uploadUrl, key, headers } = await presigner.presign({
 *   fileName: 'sample.jpg',
 *   contentType: 'image/jpeg',
 *   size: 48_213,
 * });
 * await fetch(uploadUrl, { method: 'PUT', headers, body: file });
 * ```
 */
export function createPresigner<Context = unknown>(options: PresignerOptions<Context>): Presigner<Context> {
  const config = parseOptions(options);
  // The SDK client is made (and the SDK imported) only for what needs one: verification, or signing
  // that the direct signer does not cover.
  let clientPromise: Promise<S3Client> | undefined;
  const client = () =>
    (clientPromise ??= config.client
      ? Promise.resolve(config.client as S3Client)
      : import('./sdk-signer.js').then(({ createS3Client }) =>
          createS3Client({ region: config.region, endpoint: config.endpoint, forcePathStyle: config.forcePathStyle, credentials: config.credentials as S3ClientConfig['credentials'] }),
        ));
  const signerPromise = createSigner(config, client);
  // Surfaces when presign awaits it; this only keeps an unused presigner from an unhandled rejection.
  signerPromise.catch(() => {});

  return {
    async presign(input, context) {
      const request = parseRequest(input);
      const contentType = parseContentType(request.contentType);
      if (!contentType) {
        throw new PresignError('INVALID_REQUEST', `"${request.contentType}" is not a media type such as "image/jpeg".`);
      }
      if (!isTypeAllowed(contentType.essence, config.allowedTypes)) {
        throw new PresignError('TYPE_NOT_ALLOWED', `Uploads of type ${contentType.essence} are not allowed.`);
      }
      const { size } = request;
      if (config.maxSize !== undefined) {
        if (size === undefined && config.method === 'PUT') {
          throw new PresignError(
            'SIZE_REQUIRED',
            'The request must declare "size" in bytes: uploads are limited in size, and the limit is signed into the URL.',
          );
        }
        if (size !== undefined && size > config.maxSize) {
          throw new PresignError('TOO_LARGE', `The file is ${size} bytes; the limit is ${config.maxSize} bytes.`);
        }
      }

      const id = crypto.randomUUID();
      const safeName = toSafeName(request.fileName, contentType.essence, nameBudget(config.prefix, id));
      const keyInput: KeyInput<Context> = { prefix: config.prefix, id, safeName, contentType: contentType.value, size, context: context as Context };
      const key = config.key ? config.key(keyInput) : `${config.prefix}${id}-${safeName}`;
      assertSafeKey(key, config.prefix, contentType.essence);

      const signer = await signerPromise;
      const credentials = await loadCredentials(signer);
      const expiresIn = clampToCredentials(credentials, config.expiresIn);
      const upload: SignRequest = { bucket: config.bucket, key, contentType: contentType.value, size, expiresIn };
      try {
        if (config.method === 'PUT') return await signPut(signer, credentials, upload);
        // A declared size is pinned exactly; otherwise the policy allows anything up to maxSize.
        upload.range = size !== undefined ? [size, size] : config.maxSize !== undefined ? [0, config.maxSize] : undefined;
        return await signPost(signer, credentials, upload);
      } catch (cause) {
        throw new PresignError('SIGNING_FAILED', `Could not sign the upload: ${(cause as Error)?.message ?? cause}`, { cause });
      }
    },

    async verify(key, context) {
      assertSafeKey(key, config.prefix, '');
      const { verifyObject } = await import('./verify.js');
      const upload = await verifyObject(await client(), config, key);
      await config.onUploadComplete?.(upload, context as Context);
      return upload;
    },
  };
}

/** Signs directly (`location` known) or through the SDK, loaded on first use. */
interface Signer {
  location?: S3Location;
  region?: string;
  credentials(): Credentials | Promise<Credentials>;
  sdk?: SdkSigner;
}

async function signPut(signer: Signer, credentials: Credentials, request: SignRequest): Promise<PresignedPut> {
  const headers: Record<string, string> = { 'content-type': request.contentType };
  if (request.size !== undefined) headers['content-length'] = String(request.size);
  const date = new Date();
  const uploadUrl = signer.sdk
    ? await signer.sdk.put(request, headers)
    : presignPut({ location: signer.location!, region: signer.region!, credentials, key: request.key, headers, expiresIn: request.expiresIn, date });
  return { method: 'PUT', uploadUrl, key: request.key, headers, expiresAt: expiry(date, request.expiresIn), expiresIn: request.expiresIn };
}

async function signPost(signer: Signer, credentials: Credentials, request: SignRequest): Promise<PresignedPost> {
  const date = new Date();
  const { url, fields } = signer.sdk
    ? await signer.sdk.post(request)
    : presignPost({
        location: signer.location!,
        region: signer.region!,
        credentials,
        bucket: request.bucket,
        key: request.key,
        fields: { 'Content-Type': request.contentType },
        conditions: [{ 'Content-Type': request.contentType }, ...(request.range ? [['content-length-range', ...request.range]] : [])],
        expiresIn: request.expiresIn,
        date,
      });
  return { method: 'POST', uploadUrl: url, key: request.key, fields, expiresAt: expiry(date, request.expiresIn), expiresIn: request.expiresIn };
}

// Settings under which the SDK would not use the plain regional endpoint the direct signer assumes.
const SDK_ONLY_ENVIRONMENT = ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'];

/**
 * Chooses the signer once, when the presigner is created. The direct one needs a region, a plain
 * endpoint and credentials it can see (passed in, or the `AWS_*` variables Lambda sets); anything
 * else — an injected client, access points, FIPS, a profile — goes through the SDK, imported then.
 */
async function createSigner(config: ResolvedOptions, client: () => Promise<S3Client>): Promise<Signer> {
  const env = globalThis.process?.env ?? {};
  const region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const credentials = config.credentials ?? credentialsFromEnv(env);
  const sdkOnly = config.client || SDK_ONLY_ENVIRONMENT.some((name) => env[name] && env[name] !== 'false');
  const location = region && credentials && !sdkOnly
    ? resolveLocation({ bucket: config.bucket, region, endpoint: config.endpoint, forcePathStyle: config.forcePathStyle })
    : undefined;
  if (location && credentials) {
    const provide = typeof credentials === 'function' ? (credentials as () => Promise<Credentials>) : () => credentials as Credentials;
    return { location, region, credentials: provide };
  }
  const { sdkSigner } = await import('./sdk-signer.js');
  const sdk = sdkSigner(await client());
  return { sdk, credentials: sdk.credentials };
}

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

async function loadCredentials(signer: Signer): Promise<Credentials> {
  try {
    return await signer.credentials();
  } catch (cause) {
    throw new PresignError('SIGNING_FAILED', `Could not load credentials: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/** A URL dies with the session token that signed it: never promise more than the credentials have. */
function clampToCredentials({ expiration }: Credentials, expiresIn: number): number {
  if (!expiration) return expiresIn;
  const remaining = Math.floor((expiration.getTime() - Date.now()) / 1000);
  if (remaining < 1) throw new PresignError('SIGNING_FAILED', 'The signing credentials have expired.');
  return Math.min(expiresIn, remaining);
}

// SigV4 dates have whole seconds: the URL expires `expiresIn` after the second it was signed in.
const expiry = (date: Date, seconds: number) => new Date(Math.floor(date.getTime() / 1000) * 1000 + seconds * 1000).toISOString();

function parseOptions(options: PresignerOptions<any>): ResolvedOptions {
  const result = v.safeParse(PresignerOptionsSchema, options);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join('.') ?? 'options';
    const message = issue.path ? issue.message : 'must be an object';
    throw new PresignError('INVALID_OPTIONS', `Invalid presigner option "${path}": ${message}.`, { issues: result.issues });
  }
  const config = result.output as ResolvedOptions;
  const badType = config.allowedTypes.find((type) => !isTypePattern(type));
  if (badType !== undefined) {
    throw new PresignError(
      'INVALID_OPTIONS',
      `Invalid presigner option "allowedTypes": "${badType}" is neither a media type ("image/png") nor a wildcard ("image/*").`,
    );
  }
  if (config.client && (config.region || config.endpoint || config.credentials || config.forcePathStyle !== undefined)) {
    throw new PresignError(
      'INVALID_OPTIONS',
      'Invalid presigner option "client": pass either a client or region/endpoint/forcePathStyle/credentials, not both.',
    );
  }
  return { ...config, allowedTypes: config.allowedTypes.map((type) => type.toLowerCase()) };
}

function parseRequest(input: unknown) {
  const result = v.safeParse(PresignRequestSchema, input);
  if (!result.success) {
    const detail = input === null || typeof input !== 'object' ? 'must be a JSON object' : result.issues[0].message;
    throw new PresignError('INVALID_REQUEST', `Invalid presign request: ${detail}.`, { issues: result.issues });
  }
  return result.output;
}
