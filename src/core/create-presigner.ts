import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { PresignError } from '../errors.js';
import { MAX_SINGLE_UPLOAD_SIZE, PresignRequestSchema } from '../schemas.js';
import type { Presigner, PresignerOptions, PresignResult, UploadMethod } from '../types.js';
import { parseOptions, parseRequest } from './config.js';
import type { MultipartOperations } from './multipart.js';
import { registerProfileBinder } from './profiles.js';
import type { DeclaredChecksum } from './checksum.js';
import { configFingerprint, seal } from './receipt.js';
import type { S3Calls } from './s3-calls.js';
import type { SignRequest } from './sdk-signer.js';
import { sdkPath } from './sdk-path.js';
import {
  clampToCredentials,
  directSigner,
  loadCredentials,
  loadPostSigning,
  loadSdkSigner,
  signUpload,
  withoutSdk,
} from './signer.js';
import { stagingKeyOf } from './staging.js';
import { admitUpload } from './upload-request.js';

/** What a receipt carries besides the key: a POST's staging key and disposition, and the declared digest. */
interface Carried {
  stagingKey?: string;
  contentDisposition?: string | undefined;
  checksum?: DeclaredChecksum | undefined;
}

/** How long a receipt outlives the URL it came with. */
const RECEIPT_GRACE_SECONDS = 3600;

/** Without a secret there are no receipts, and a browser cannot prove which upload is its own. */
export const receiptsDisabled = () =>
  new PresignError(
    'RECEIPTS_DISABLED',
    'This endpoint cannot verify uploads for a browser: its presigner has no "secret" (PRESIGN_SECRET for the Lambda handler), so it issues no receipts.',
  );

/** Every multipart step after the first opens a token sealed with the secret. */
export const multipartDisabled = () =>
  new PresignError(
    'MULTIPART_DISABLED',
    'This endpoint does not accept multipart uploads: its presigner has no "secret" (PRESIGN_SECRET for the Lambda handler; formerly "multipartSecret").',
  );

// The code of verify and of the multipart steps, loaded on first use. Only createPresigner names
// it, so that a bundle of createPresignOnlyPresigner holds none of it (nor an XML parser): a bundler
// inlines a lazy import() into a Worker's one file as soon as any code that is kept names it.
const UPLOAD_ACTIONS = {
  fetchCalls: () => import('./s3-fetch.js'),
  multipart: () => import('./multipart.js'),
  verifyUpload: () => import('./verify-upload.js'),
};

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
export function createPresigner<Context = unknown, Method extends UploadMethod = 'PUT'>(
  options: PresignerOptions<Context, Method>,
): Presigner<Context, Method> {
  return buildPresigner(options, UPLOAD_ACTIONS);
}

/** Options of {@link createPresignOnlyPresigner}: those of `createPresigner` but `secret`. */
export type PresignOnlyOptions<Context = unknown, Method extends UploadMethod = 'PUT'> = Omit<
  PresignerOptions<Context, Method>,
  'secret' | 'multipartSecret'
>;

/**
 * Creates a presigner as {@link createPresigner} does without a `secret`, but whose code holds
 * nothing else: no receipts, so `verify` answers `RECEIPTS_DISABLED` and the multipart steps
 * `MULTIPART_DISABLED`, and neither they nor the S3 calls and XML parser behind them are in a
 * bundle that uses it. For a Cloudflare Worker or an Edge function that only presigns: its bundle
 * is about half the size.
 *
 * @throws PresignError `INVALID_OPTIONS` as `createPresigner` does, and when given a `secret`.
 * @example
 * ```ts
 * import { createPresignOnlyPresigner } from 'upload-presigner';
 * import { toFetchHandler } from 'upload-presigner/fetch';
 *
 * const presigner = createPresignOnlyPresigner({
 *   bucket: 'my-uploads',
 *   region: 'auto',
 *   endpoint: 'https://ACCOUNT_ID.r2.cloudflarestorage.com',
 *   credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
 *   allowedTypes: ['image/*'],
 *   maxSize: 10 * 1024 * 1024,
 * });
 * export default { fetch: toFetchHandler(presigner) };
 * ```
 */
export function createPresignOnlyPresigner<Context = unknown, Method extends UploadMethod = 'PUT'>(
  options: PresignOnlyOptions<Context, Method>,
): Presigner<Context, Method> {
  const untyped = options as PresignerOptions<Context, Method>;
  if (untyped.secret !== undefined || untyped.multipartSecret !== undefined) {
    throw new PresignError(
      'INVALID_OPTIONS',
      'Invalid presigner option "secret": a presign-only presigner issues no receipts; use createPresigner for receipts, verify and multipart uploads.',
    );
  }
  return buildPresigner(untyped, undefined);
}

function buildPresigner<Context, Method extends UploadMethod>(
  options: PresignerOptions<Context, Method>,
  actions: typeof UPLOAD_ACTIONS | undefined,
): Presigner<Context, Method> {
  const config = parseOptions(options);
  // The SDK client is made (and the SDK imported) only for what needs one: verification, multipart
  // steps, or signing that the direct signer does not cover.
  let clientPromise: Promise<S3Client> | undefined;
  const client = () =>
    (clientPromise ??= config.client
      ? Promise.resolve(config.client as S3Client)
      : sdkPath!.signer().then(({ createS3Client }) =>
          createS3Client({
            region: config.region,
            endpoint: config.endpoint,
            forcePathStyle: config.forcePathStyle,
            credentials: config.credentials as S3ClientConfig['credentials'],
          }),
        ));
  const direct = directSigner(config);
  if (!direct && !sdkPath) throw withoutSdk();
  // The S3 calls of verify and multipart: over fetch with the direct signer, else through the SDK.
  let callsPromise: Promise<S3Calls> | undefined;
  const s3 = () =>
    (callsPromise ??= direct
      ? actions!.fetchCalls().then(({ fetchCalls }) => fetchCalls({ bucket: config.bucket, ...direct }))
      : Promise.all([sdkPath!.calls(), client()]).then(([{ sdkCalls }, sdkClient]) =>
          sdkCalls(sdkClient, config.bucket),
        ));
  // The SDK is imported now, while nothing waits for it, when the direct signer cannot sign.
  const viaSdk = direct ? undefined : loadSdkSigner(client);
  // Surfaces when presign awaits it; this only keeps an unused presigner from an unhandled rejection.
  viaSdk?.catch(() => {});
  // Likewise the POST policy signer, which PUT presigners never load.
  if (direct && config.method === 'POST') loadPostSigning().catch(() => {});
  let fingerprint = configFingerprint(config);
  // Multipart steps are loaded on first use, like the SDK they call: a presign never parses them.
  let multipartSteps: Promise<MultipartOperations<Context>> | undefined;
  const multipart = () =>
    (multipartSteps ??= actions
      ? actions
          .multipart()
          .then(({ multipartOperations }) =>
            multipartOperations<Context>(config, s3, direct ?? viaSdk!, { fingerprint, receipt }),
          )
      : Promise.reject(multipartDisabled()));
  /** The receipt `verify` takes back from the caller it was issued to; none without a secret. */
  // A staged POST's receipt also carries the disposition the form was signed with, for the
  // promotion to set on the final object: Ceph RGW 16 checks a form's Content-Disposition but does
  // not store it. It carries the digest the client declared, for verify to compare with the stored one.
  const receipt = (key: string, context: unknown, expires: number, staged?: Carried) =>
    config.secret === undefined
      ? undefined
      : seal(
          config.secret,
          'receipt',
          { fingerprint, context },
          {
            bucket: config.bucket,
            expires,
            claims: [
              key,
              staged?.stagingKey ?? null,
              staged?.contentDisposition ?? null,
              staged?.checksum ? `${staged.checksum.algorithm}:${staged.checksum.value}` : null,
            ],
          },
        );

  /**
   * Tells the client the final key (a POST form names its staging key) and, with a secret, adds the
   * receipt, which outlives the URL by an hour: verification follows the upload. The result is this
   * call's own object: amending it costs less than a copy.
   */
  function finish(
    result: PresignResult,
    key: string,
    context: unknown,
    staged: Carried | undefined,
  ): PresignResult | Promise<PresignResult> {
    result.key = key;
    if (config.secret === undefined) return result;
    const sealed = receipt(
      key,
      context,
      Math.floor(Date.parse(result.expiresAt) / 1000) + RECEIPT_GRACE_SECONDS,
      staged,
    )!;
    // Sealed at once where node:crypto is; Web Crypto answers a promise.
    if (typeof sealed !== 'string') return sealed.then((string) => Object.assign(result, { receipt: string }));
    result.receipt = sealed;
    return result;
  }

  const presigner: Presigner<Context> = {
    async presign(input, context) {
      const request = parseRequest(PresignRequestSchema, input, 'presign request');
      const { key, contentType, size, contentDisposition, checksum } = admitUpload(
        config,
        request,
        context as Context,
        false,
      );
      // Static credentials and the direct signer are used without an await: suspending the function
      // even for a value at hand costs ~0.4 µs, a tenth of a presign.
      const signer = direct ?? (await viaSdk!);
      const credentials = signer.staticCredentials ?? (await loadCredentials(signer));
      const expiresIn = clampToCredentials(credentials, config.expiresIn);
      // A POST form goes to a staging key that verify promotes to `key` (see staging.ts).
      const stagingKey = config.method === 'POST' ? stagingKeyOf(config.prefix, key) : undefined;
      const upload: SignRequest = {
        bucket: config.bucket,
        key: stagingKey ?? key,
        contentType,
        size,
        expiresIn,
        contentDisposition,
        overwrite: config.overwrite,
        checksum,
      };
      // A declared size is pinned exactly; otherwise the policy allows anything up to maxSize.
      if (config.method === 'POST')
        upload.range =
          size !== undefined
            ? [size, size]
            : config.maxSize !== undefined
              ? [0, Math.min(config.maxSize, MAX_SINGLE_UPLOAD_SIZE)]
              : undefined;
      const signed = signUpload(signer, credentials, upload, config.method);
      if (stagingKey === undefined && config.secret === undefined) return signed;
      const staged: Carried | undefined =
        stagingKey === undefined ? checksum && { checksum } : { stagingKey, contentDisposition, checksum };
      return signed instanceof Promise
        ? signed.then((result) => finish(result, key, context, staged))
        : finish(signed, key, context, staged);
    },

    async verify(input, context) {
      // Verification is no part of a presign: its code loads when first needed.
      if (!actions) throw receiptsDisabled();
      const { verifyUpload } = await actions.verifyUpload();
      return verifyUpload({ config, fingerprint, s3 }, input, context);
    },

    createMultipart: (input, context) => multipart().then((steps) => steps.createMultipart(input, context)),
    signParts: (input, context) => multipart().then((steps) => steps.signParts(input, context)),
    listParts: (input, context) => multipart().then((steps) => steps.listParts(input, context)),
    completeMultipart: (input, context) => multipart().then((steps) => steps.completeMultipart(input, context)),
    abortMultipart: (input, context) => multipart().then((steps) => steps.abortMultipart(input, context)),
  };
  // Serving a profile, it seals for that profile alone (see profiles.ts); the multipart steps,
  // which hold the fingerprint, are loaded again.
  let profile: string | undefined;
  registerProfileBinder(presigner, (name) => {
    if (profile === undefined) {
      profile = name;
      fingerprint = configFingerprint(config, name);
      multipartSteps = undefined;
    }
    return profile;
  });
  // `presign` answers the configured method, and the options were typed by `Method`.
  return presigner as Presigner<Context, Method>;
}
