import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { InferInput, InferOutput } from 'valibot';
import type {
  CompleteMultipartSchema,
  CreateMultipartSchema,
  SignPartsSchema,
  UploadTokenSchema,
  VerifyRequestSchema,
} from './action-schemas.js';
import type { PresignRequestSchema } from './schemas.js';
import type {
  AbortedUpload,
  ChecksumAlgorithm,
  CompletedUpload,
  MultipartUpload,
  PartList,
  PresignedPost,
  PresignedPut,
  PresignResult,
  SignedParts,
  VerifiedUpload,
} from './protocol.js';

// The wire shapes live in the protocol the browser client shares; re-exported for the server's code.
export type {
  AbortedUpload,
  CompletedUpload,
  MultipartUpload,
  PartList,
  PresignedPost,
  PresignedPut,
  PresignResult,
  SignedPart,
  SignedParts,
  StoredPart,
  VerifiedUpload,
} from './protocol.js';

/** What a client asks for: `{ fileName, contentType, size? }`, as validated by `PresignRequestSchema`. */
export type PresignRequest = InferOutput<typeof PresignRequestSchema>;

/**
 * What `presign` takes from code: `{ fileName, contentType, size? }`, typed from `PresignRequestSchema`,
 * which still checks it at run time (and every body the HTTP endpoint reads).
 */
export type PresignInput = InferInput<typeof PresignRequestSchema>;
/** What `createMultipart` takes: a presign request whose `size` is required. */
export type CreateMultipartInput = InferInput<typeof CreateMultipartSchema>;
/** What `signParts` takes: `{ token, partNumbers }`. */
export type SignPartsInput = InferInput<typeof SignPartsSchema>;
/** What `completeMultipart` takes: `{ token, parts? }`. */
export type CompleteMultipartInput = InferInput<typeof CompleteMultipartSchema>;
/** What `listParts` and `abortMultipart` take: `{ token }`. */
export type UploadTokenInput = InferInput<typeof UploadTokenSchema>;

/** How a presigner's uploads are sent: a presigned PUT URL, or a presigned POST form. */
export type UploadMethod = 'PUT' | 'POST';

/**
 * What `presign` returns for a presigner of `Method`: {@link PresignedPut} for `PUT` (the default),
 * {@link PresignedPost} for `POST`, either when the method is only known at run time.
 */
export type PresignResultFor<Method extends UploadMethod> = Method extends 'POST' ? PresignedPost : PresignedPut;

/**
 * What `verify` takes: `{ receipt }` (what `presign` or `createMultipart` returned, bound to its
 * caller; the only form the HTTP endpoint accepts) or, from trusted server code, `{ key }`.
 */
export type VerifyRequest = InferInput<typeof VerifyRequestSchema>;

/** What a custom `key` function receives. */
export interface KeyInput<Context = unknown> {
  /** The configured prefix, e.g. `uploads/`; the returned key must start with it. */
  prefix: string;
  /** A fresh random UUID: keep it in the key so that no two requests can write the same object. */
  id: string;
  /** The file name made safe: basename only, no control or path characters, extension matching the type. */
  safeName: string;
  /** The normalised, signed content type. */
  contentType: string;
  /** The declared size in bytes, when the request gave one. */
  size?: number;
  /** What `authorize` returned (or what was passed to `presign`), e.g. the user's id. */
  context: Context;
}

/** Options of {@link createPresigner}. Validated once, when the presigner is created. */
export interface PresignerOptions<Context = unknown, Method extends UploadMethod = UploadMethod> {
  /** The bucket uploads go to. */
  bucket: string;
  /**
   * Every key starts with it. Must end with `/`.
   * @default 'uploads/'
   */
  prefix?: string;
  /**
   * Content types that get a URL: exact (`application/pdf`) or wildcards (`image/*`). A wildcard
   * never admits SVG, HTML, XML or JavaScript types: name those explicitly if you really mean them.
   */
  allowedTypes: readonly string[];
  /**
   * Largest upload in bytes, enforced by the storage (signed Content-Length, a POST policy, or each
   * part's signed length). Up to 5 TiB; a single PUT or POST still stops at 5 GiB, beyond which
   * only a multipart upload goes.
   */
  maxSize?: number;
  /**
   * Seconds a URL lives: at most 604800 (7 days), never beyond the signing credentials.
   * @default 300
   */
  expiresIn?: number;
  /**
   * `PUT`: a presigned URL. `POST`: a presigned POST policy with form fields. The presigner's
   * `presign` is typed by it: {@link PresignedPut} or {@link PresignedPost}.
   * @default 'PUT'
   */
  method?: Method;
  /**
   * Whether opening the stored object downloads it or shows it. `attachment` signs
   * `Content-Disposition: attachment; filename=…` (the safe file name) into every upload: the storage
   * refuses an upload without it and serves the object as a download, never as a page on the
   * bucket's origin. `inline` signs none. `auto` is `attachment` for every type but plain images,
   * audio and video (SVG and other XML types are attachments).
   * @default 'auto'
   */
  contentDisposition?: 'attachment' | 'inline' | 'auto';
  /**
   * Lets a presigned PUT replace an object already stored under its key. Otherwise every PUT URL
   * signs `If-None-Match: *`, so the storage refuses (412) to overwrite an object, even through the
   * same URL while it lives. Set it for storages that reject conditional writes.
   * @default false
   */
  overwrite?: boolean;
  /**
   * The digest of the bytes a client may declare (`checksum` in a presign, `checksums` for parts),
   * which is then signed into the upload so that the storage refuses any other bytes: `md5` signs
   * Content-MD5 (verified by AWS S3 and Ceph RGW on a PUT and on each part); `sha256`, `crc32` and
   * `crc64nvme` sign `x-amz-checksum-*` into the URL (verified by AWS S3; ignored by Ceph RGW 16).
   * A POST form carries it as a field, which Ceph RGW 16 ignores: `verify` then compares the
   * stored ETag with a declared MD5 before it promotes the upload. `{ algorithm, required: true }`
   * refuses a request without a digest (`CHECKSUM_REQUIRED`); `none` signs none.
   * @default 'md5' (a digest is optional)
   */
  checksum?: ChecksumAlgorithm | 'none' | { algorithm: ChecksumAlgorithm; required?: boolean };
  /** AWS region; defaults to the SDK's resolution (`AWS_REGION`, profile). */
  region?: string;
  /** Endpoint of an S3-compatible server (Ceph RGW, MinIO, R2, …). */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Credentials, or a provider of them; defaults to the SDK's provider chain. */
  credentials?: S3ClientConfig['credentials'];
  /** An S3Client of your own, instead of `region`, `endpoint`, `forcePathStyle` and `credentials`. */
  client?: S3Client;
  /**
   * Builds the key; its result is validated like the default one.
   * @default ({ prefix, id, safeName }) => `${prefix}${id}-${safeName}`
   */
  key?: (input: KeyInput<Context>) => string;
  /**
   * `verify` moves refused objects under this prefix instead of deleting them. Must end with `/`.
   * An object that cannot be copied there (over CopyObject's 5 GiB) is deleted all the same.
   */
  quarantinePrefix?: string;
  /**
   * Runs once an upload has passed `verify`, e.g. to record it; never for a refused one. `context`
   * is the one `verify` was given: `undefined` from an S3 event or a call without one.
   */
  onUploadComplete?: (upload: VerifiedUpload, context: Context | undefined) => void | Promise<void>;
  /**
   * A secret of 32 or more characters that signs receipts and multipart tokens, so that any
   * instance of the service (every Lambda) can check, without storing anything, what an upload
   * declared and which caller it was issued to. Enables multipart uploads and `verify` over HTTP.
   * Keep it stable across deployments and out of the code (e.g. from Secrets Manager).
   */
  secret?: string;
  /** @deprecated The former name of `secret`, still accepted. */
  multipartSecret?: string;
  /**
   * Bytes per part of a multipart upload (8 MiB), at least 5 MiB; grown when a file would need over
   * 10,000 parts (`partSizeFor`).
   * @default 8388608
   */
  partSize?: number;
}

/**
 * A configured presigner. `Method` is the configured `method`, which types what `presign` returns;
 * a `Presigner<Context>` is either.
 */
export interface Presigner<Context = unknown, Method extends UploadMethod = UploadMethod> {
  /**
   * Validates `request` (any JSON value) and signs an upload for it.
   * @throws PresignError with a code and status for every bad request.
   */
  presign(request: PresignInput, context?: Context): Promise<PresignResultFor<Method>>;
  /**
   * Checks what was really stored for an upload — type allowed, size within `maxSize`, and the
   * first bytes matching the stored type (magic numbers; SVGs without script) — then runs
   * `onUploadComplete` with `context`. A refused object is deleted (or quarantined) before it
   * throws. With `method: 'POST'`, the checked object is promoted from its staging key to its key,
   * which nothing can overwrite afterwards.
   *
   * `{ receipt }` is what a browser sends back: accepted only with the context it was issued to.
   * `{ key }` (or the key alone, the former signature) is for trusted server code, such as an S3
   * event handler.
   * @throws PresignError `VERIFICATION_FAILED`, `NOT_FOUND`, `INVALID_KEY`, `INVALID_TOKEN` or `FORBIDDEN` (a receipt of another caller).
   */
  verify(request: VerifyRequest, context?: Context): Promise<VerifiedUpload>;
  /** @deprecated Pass `{ key }`: `verify({ key })`, the shape of every other method. The bare key still works. */
  verify(key: string, context?: Context): Promise<VerifiedUpload>;
  /**
   * Starts a multipart upload for `request` (`{ fileName, contentType, size }`, checked like
   * `presign`'s, with `size` required), for files too large for one request.
   * @throws PresignError as `presign` does; `MULTIPART_DISABLED` without `multipartSecret`.
   */
  createMultipart(request: CreateMultipartInput, context?: Context): Promise<MultipartUpload>;
  /**
   * Presigns the parts `{ token, partNumbers }` names (at most 100 at a time), each signed with its
   * exact length.
   * @throws PresignError `INVALID_TOKEN`, or `INVALID_REQUEST` for a part number beyond the upload.
   */
  signParts(request: SignPartsInput, context?: Context): Promise<SignedParts>;
  /** The parts the storage holds for `{ token }`, to resume an interrupted upload. */
  listParts(request: UploadTokenInput, context?: Context): Promise<PartList>;
  /**
   * Completes `{ token, parts? }` once the storage holds every part at its exact length (and, for
   * each part the client lists with an ETag, that very part), so the object has the declared size.
   * @throws PresignError `INCOMPLETE_UPLOAD` naming what is missing, `NOT_FOUND` for an upload no longer there.
   */
  completeMultipart(request: CompleteMultipartInput, context?: Context): Promise<CompletedUpload>;
  /** Aborts `{ token }`: the storage drops every part. Aborting twice is not an error. */
  abortMultipart(request: UploadTokenInput, context?: Context): Promise<AbortedUpload>;
}

/**
 * A runtime's request, reduced to what the presign endpoint needs. `Raw` is the runtime's own
 * request, which each adapter binds: the Lambda event, Express's `req`, the fetch `Request`.
 */
export interface HttpRequest<Raw = unknown> {
  /** The HTTP method, any case. */
  method: string;
  /** Headers with lower-cased names. */
  headers: Readonly<Record<string, string | undefined>>;
  /**
   * The body as text or bytes (parsed here), or a value a framework already parsed from JSON
   * (Express after `express.json()`). `undefined` when there was none.
   */
  body?: unknown;
  /** The runtime's own request (Lambda event, Express `req`, fetch `Request`), for `authorize`; every adapter sets it. */
  raw?: Raw;
  /** On an endpoint with profiles, the one the body names, e.g. `"avatar"`: set before `authorize` runs. */
  profile?: string;
}

/** What an adapter writes back. `body` is JSON, or empty for a preflight. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Options every adapter accepts; `Raw` is the adapter's own request type, which `authorize` sees as `request.raw`. */
export interface HandlerOptions<Context = unknown, Raw = unknown> {
  /**
   * Origins allowed to call the endpoint from a browser, e.g. `["https://app.example.com"]`;
   * `["*"]` allows any (not together with `allowCredentials`). Default: none, so no CORS headers.
   */
  allowedOrigins?: readonly string[];
  /**
   * Answer `Access-Control-Allow-Credentials: true`, for cookies.
   * @default false
   */
  allowCredentials?: boolean;
  /**
   * Request headers a browser may send.
   * @default ['content-type', 'authorization']
   */
  allowedHeaders?: readonly string[];
  /**
   * Largest request body in bytes (16 KiB).
   * @default 16384
   */
  maxBodySize?: number;
  /**
   * Runs before presigning. Return a context (e.g. `{ userId }`), which reaches the `key` function
   * and `onPresign`; throw to refuse: a `PresignError` with `UNAUTHORIZED` or `FORBIDDEN` keeps its
   * message, anything else answers 401.
   */
  authorize?: (request: HttpRequest<Raw>) => Context | Promise<Context>;
  /** Runs after an upload is signed (or a multipart upload started) and before it is returned, e.g. to record metadata. */
  onPresign?: (result: PresignResult | MultipartUpload, context: Context) => void | Promise<void>;
  /** Where unexpected (5xx) errors are reported. Default: one `console.error` line, no stack. */
  onError?: (error: unknown) => void;
}
