import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { MAX_SINGLE_UPLOAD_SIZE, PresignRequestSchema } from '../schemas.js';
import type { Presigner, PresignerOptions } from '../types.js';
import { parseOptions, parseRequest } from './config.js';
import { assertSafeKey } from './keys.js';
import { multipartOperations } from './multipart.js';
import type { SignRequest } from './sdk-signer.js';
import { clampToCredentials, directSigner, loadCredentials, loadSdkSigner, signUpload } from './signer.js';
import { admitUpload } from './upload-request.js';

/**
 * Creates a presigner: validates `options` once, then signs uploads whose limits the storage
 * itself enforces. Content-Type is always signed; with `maxSize`, so is the size (Content-Length
 * for PUT, a `content-length-range` condition for POST, each part's length for multipart); keys
 * are random, safe and inside `prefix`.
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
  // The SDK client is made (and the SDK imported) only for what needs one: verification, multipart
  // steps, or signing that the direct signer does not cover.
  let clientPromise: Promise<S3Client> | undefined;
  const client = () =>
    (clientPromise ??= config.client
      ? Promise.resolve(config.client as S3Client)
      : import('./sdk-signer.js').then(({ createS3Client }) =>
          createS3Client({ region: config.region, endpoint: config.endpoint, forcePathStyle: config.forcePathStyle, credentials: config.credentials as S3ClientConfig['credentials'] }),
        ));
  const direct = directSigner(config);
  // The SDK is imported now, while nothing waits for it, when the direct signer cannot sign.
  const viaSdk = direct ? undefined : loadSdkSigner(client);
  // Surfaces when presign awaits it; this only keeps an unused presigner from an unhandled rejection.
  viaSdk?.catch(() => {});

  return {
    async presign(input, context) {
      const request = parseRequest(PresignRequestSchema, input, 'presign request');
      const { key, contentType, size, contentDisposition } = admitUpload(config, request, context as Context, false);
      // Static credentials and the direct signer are used without an await: suspending the function
      // even for a value at hand costs ~0.4 µs, a tenth of a presign.
      const signer = direct ?? (await viaSdk!);
      const credentials = signer.staticCredentials ?? (await loadCredentials(signer));
      const expiresIn = clampToCredentials(credentials, config.expiresIn);
      const upload: SignRequest = { bucket: config.bucket, key, contentType, size, expiresIn, contentDisposition, overwrite: config.overwrite };
      // A declared size is pinned exactly; otherwise the policy allows anything up to maxSize.
      if (config.method === 'POST') upload.range = size !== undefined ? [size, size] : config.maxSize !== undefined ? [0, Math.min(config.maxSize, MAX_SINGLE_UPLOAD_SIZE)] : undefined;
      return signUpload(signer, credentials, upload, config.method);
    },

    async verify(key, context) {
      assertSafeKey(key, config.prefix, '');
      const { verifyObject } = await import('./verify.js');
      const upload = await verifyObject(await client(), config, key);
      await config.onUploadComplete?.(upload, context);
      return upload;
    },

    ...multipartOperations<Context>(config, client, direct ?? viaSdk!),
  };
}
