import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import * as v from 'valibot';
import { PresignError } from '../errors.js';
import { PresignerOptionsSchema, PresignRequestSchema } from '../schemas.js';
import type { KeyInput, Presigner, PresignerOptions, PresignResult } from '../types.js';
import { isTypeAllowed, isTypePattern, parseContentType } from './content-type.js';
import { assertSafeKey, nameBudget, toSafeName } from './keys.js';

type ResolvedOptions = v.InferOutput<typeof PresignerOptionsSchema> & Pick<PresignerOptions, 'client' | 'key'>;

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
  const client = config.client ?? createClient(config);

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

      const expiresIn = await clampToCredentials(client, config.expiresIn);
      const signed = { key, expiresIn, contentType: contentType.value, size };
      try {
        return config.method === 'POST' ? await signPost(client, config, signed) : await signPut(client, config, signed);
      } catch (cause) {
        throw new PresignError('SIGNING_FAILED', `Could not sign the upload: ${(cause as Error)?.message ?? cause}`, { cause });
      }
    },
  };
}

interface Signed {
  key: string;
  expiresIn: number;
  contentType: string;
  size: number | undefined;
}

async function signPut(client: S3Client, config: ResolvedOptions, signed: Signed): Promise<PresignResult> {
  const command = new PutObjectCommand({
    Bucket: config.bucket,
    Key: signed.key,
    ContentType: signed.contentType,
    ContentLength: signed.size,
  });
  command.middlewareStack.addRelativeTo(stripChecksumHeaders, {
    name: 'uploadPresignerStripChecksum',
    relation: 'before',
    toMiddleware: 'presignInterceptMiddleware',
  });
  const headers: Record<string, string> = { 'content-type': signed.contentType };
  if (signed.size !== undefined) headers['content-length'] = String(signed.size);
  const expiresAt = expiry(signed.expiresIn);
  const uploadUrl = await getSignedUrl(client, command, {
    expiresIn: signed.expiresIn,
    signableHeaders: new Set(Object.keys(headers)),
  });
  return { method: 'PUT', uploadUrl, key: signed.key, headers, expiresAt, expiresIn: signed.expiresIn };
}

async function signPost(client: S3Client, config: ResolvedOptions, signed: Signed): Promise<PresignResult> {
  const range: [number, number] | undefined =
    signed.size !== undefined ? [signed.size, signed.size] : config.maxSize !== undefined ? [0, config.maxSize] : undefined;
  const expiresAt = expiry(signed.expiresIn);
  const { url, fields } = await createPresignedPost(client, {
    Bucket: config.bucket,
    Key: signed.key,
    Fields: { 'Content-Type': signed.contentType },
    Conditions: [{ 'Content-Type': signed.contentType }, ...(range ? [['content-length-range', ...range] as ['content-length-range', number, number]] : [])],
    Expires: signed.expiresIn,
  });
  return { method: 'POST', uploadUrl: url, key: signed.key, fields, expiresAt, expiresIn: signed.expiresIn };
}

/**
 * The SDK (≥3.729, default `requestChecksumCalculation`) adds a CRC32 of the empty body to every
 * presigned PUT, which AWS and most S3-compatible servers then reject against the real bytes.
 * Removing the headers before the presigner hoists them into the query keeps URLs clean even with
 * an injected client on the SDK's defaults.
 */
const stripChecksumHeaders =
  <Args extends { request?: unknown }, Output>(next: (args: Args) => Promise<Output>) =>
  (args: Args) => {
    const headers = (args.request as { headers: Record<string, string> }).headers;
    for (const name of Object.keys(headers)) {
      if (/^x-amz-(?:sdk-)?checksum-/i.test(name)) delete headers[name];
    }
    return next(args);
  };

/** A URL dies with the session token that signed it: never promise more than the credentials have. */
async function clampToCredentials(client: S3Client, expiresIn: number): Promise<number> {
  let expiration: Date | undefined;
  try {
    expiration = (await client.config.credentials())?.expiration;
  } catch (cause) {
    throw new PresignError('SIGNING_FAILED', `Could not load credentials: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  if (!expiration) return expiresIn;
  const remaining = Math.floor((expiration.getTime() - Date.now()) / 1000);
  if (remaining < 1) throw new PresignError('SIGNING_FAILED', 'The signing credentials have expired.');
  return Math.min(expiresIn, remaining);
}

const expiry = (seconds: number) => new Date(Math.floor(Date.now() / 1000) * 1000 + seconds * 1000).toISOString();

function createClient(config: ResolvedOptions): S3Client {
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials as PresignerOptions['credentials'],
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

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
