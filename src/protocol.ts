/**
 * The presign endpoint's protocol, shared by the server and the browser client: action names, the
 * JSON each action takes and answers, the limits, the part-size rule and the error codes. It imports
 * nothing, so the client bundle can take it whole without pulling in server code.
 *
 * @example
 * ```ts
 * import { partSizeFor, type PresignResult } from 'upload-presigner/client';
 *
 * const partSize = partSizeFor(file.size); // what the presigner will cut, e.g. 8 MiB
 * ```
 *
 * @module
 */

const MIB = 1024 ** 2;

/** Seven days: the longest a SigV4 presigned URL may live. */
export const MAX_EXPIRES_IN = 604_800;
/** Five GiB: the largest object a single PUT or POST may create. */
export const MAX_SINGLE_UPLOAD_SIZE = 5 * 1024 ** 3;
/** Five TiB: the largest object S3 stores, reachable only by a multipart upload. */
export const MAX_OBJECT_SIZE = 5 * 1024 ** 4;
/** S3's smallest part (all but the last): 5 MiB. */
export const MIN_PART_SIZE = 5 * MIB;
/** S3's most parts in one multipart upload. */
export const MAX_PARTS = 10_000;
/** The most part URLs one `signParts` call signs. */
export const MAX_PARTS_PER_REQUEST = 100;
/** The most files one `presignBatch` call presigns; more answer `TOO_MANY_FILES`. */
export const MAX_BATCH_FILES = 100;
/** The presigner's part size unless its `partSize` option says otherwise: 8 MiB. */
export const DEFAULT_PART_SIZE = 8 * MIB;

/**
 * The part size of a multipart upload of `size` bytes: `partSize`, grown in whole MiB when the file
 * would need more than {@link MAX_PARTS} parts. The server cuts by this rule and a client that cuts
 * the file itself (Uppy) must cut by the same.
 *
 * @example
 * ```ts
 * partSizeFor(100 * 1024 ** 2); // 8388608: 13 parts of 8 MiB
 * partSizeFor(100 * 1024 ** 3); // 11534336: 11 MiB, since 8 MiB parts would be 12,800
 * ```
 */
export function partSizeFor(size: number, partSize: number = DEFAULT_PART_SIZE): number {
  const smallest = Math.ceil(size / MAX_PARTS);
  return smallest <= partSize ? partSize : Math.ceil(smallest / MIB) * MIB;
}

/**
 * The actions of the presign endpoint, each named by a body's `action` field; a body without one
 * is a `presign`, the original contract.
 *
 * @example
 * ```ts
 * const body = { action: 'signParts' satisfies Action, token, partNumbers: [1, 2] };
 * ```
 */
export const ACTIONS = [
  'presign',
  'verify',
  'createMultipart',
  'signParts',
  'listParts',
  'completeMultipart',
  'abortMultipart',
  'presignBatch',
] as const;

/** One of {@link ACTIONS}. */
export type Action = (typeof ACTIONS)[number];

/**
 * The digests a presigner can sign into an upload (its `checksum` option): Content-MD5, or one of
 * S3's `x-amz-checksum-*` algorithms. The storage then refuses bytes with another digest.
 */
export const CHECKSUM_ALGORITHMS = ['md5', 'sha256', 'crc32', 'crc64nvme'] as const;

/** One of {@link CHECKSUM_ALGORITHMS}. */
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** What a client sends to be given an upload (the body of a `presign`, and of a `createMultipart` with `size`). */
export interface PresignBody {
  fileName: string;
  contentType: string;
  /** Bytes; required by a presigner with `maxSize` and by a multipart upload. */
  size?: number;
  /** A single upload's digest in the presigner's algorithm, base64 (e.g. 24 characters for MD5); signed into it. */
  checksum?: string;
}

/** What a client sends for part URLs. */
export interface SignPartsBody {
  token: string;
  partNumbers: number[];
  /** Each part's digest in the presigner's algorithm, base64, in the order of `partNumbers`; signed into its URL. */
  checksums?: string[];
}

/** What `createMultipart` takes: a presign body whose `size` is required (each part URL signs its length). */
export interface MultipartBody extends PresignBody {
  size: number;
}

/** Fields shared by both kinds of presign answer. */
interface PresignResultBase {
  /** The object key the upload will create. */
  key: string;
  /** When the URL stops working (ISO 8601). */
  expiresAt: string;
  /**
   * With a `secret`: proof for `verify` that this caller was given this upload. Send it back as
   * `{"action":"verify","receipt":…}`; it is accepted only with the same `authorize` context.
   */
  receipt?: string;
  /** Seconds the URL lives; less than `options.expiresIn` when the credentials expire sooner. */
  expiresIn: number;
}

/** A presigned PUT: send the file as the body, with exactly `headers`. */
export interface PresignedPut extends PresignResultBase {
  method: 'PUT';
  uploadUrl: string;
  /**
   * The headers the request must carry for the signature to hold: Content-Type, Content-Length when
   * the size is signed, Content-Disposition when one is, and `If-None-Match: *` unless `overwrite`.
   */
  headers: Record<string, string>;
}

/** A presigned POST: send a multipart form with `fields` first and the file last, under the name `file`. */
export interface PresignedPost extends PresignResultBase {
  method: 'POST';
  uploadUrl: string;
  fields: Record<string, string>;
}

/** What a `presign` answers. */
export type PresignResult = PresignedPut | PresignedPost;

/**
 * A started multipart upload: cut the file into `partCount` parts of `partSize` bytes (the last
 * one smaller), send each to a URL from `signParts`, then `completeMultipart`.
 */
export interface MultipartUpload {
  method: 'MULTIPART';
  /** The object key the upload will create. */
  key: string;
  uploadId: string;
  /** Names this upload in `signParts`, `listParts`, `completeMultipart` and `abortMultipart`; signed, so it cannot be altered. */
  token: string;
  /** Proof for `verify` once the upload is complete, as for a single upload. */
  receipt: string;
  /** The declared total size in bytes: the storage refuses any part of another length. */
  size: number;
  contentType: string;
  partSize: number;
  partCount: number;
  /** When the token stops being accepted (ISO 8601); part URLs live `expiresIn` each. */
  expiresAt: string;
}

/** One presigned part: PUT its bytes to `url` with exactly these headers (Content-MD5 when its digest is signed). */
export interface SignedPart {
  partNumber: number;
  url: string;
  headers: { 'content-length': string; 'content-md5'?: string };
}

/** What a `signParts` answers. */
export interface SignedParts {
  parts: SignedPart[];
  /** When these URLs stop working (ISO 8601). */
  expiresAt: string;
  expiresIn: number;
}

/** A part the storage holds. */
export interface StoredPart {
  partNumber: number;
  size: number;
  etag: string;
}

/** What a `listParts` answers. */
export interface PartList {
  key: string;
  parts: StoredPart[];
}

/** What a `completeMultipart` answers: the object as stored. */
export interface CompletedUpload {
  key: string;
  size: number;
  contentType: string;
  etag?: string;
}

/** What an `abortMultipart` answers. */
export interface AbortedUpload {
  key: string;
  aborted: true;
}

/** What a `verify` answers: what was found in the storage. */
export interface VerifiedUpload {
  key: string;
  /** Bytes stored. */
  size: number;
  /** The Content-Type stored with the object (the signed one). */
  contentType: string;
  /** The type the first bytes show, when they show one. */
  detectedType?: string;
  etag?: string;
  lastModified?: string;
}

/**
 * Every error code the server answers with (`{"error":{"code":…}}`); the server's `ERROR_STATUS`
 * maps each to its HTTP status.
 */
export type ErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_JSON'
  | 'INVALID_REQUEST'
  | 'CHECKSUM_REQUIRED'
  | 'SIZE_REQUIRED'
  | 'EXTENSION_MISMATCH'
  | 'UNKNOWN_PROFILE'
  | 'MULTIPART_DISABLED'
  | 'RECEIPT_REQUIRED'
  | 'RECEIPTS_DISABLED'
  | 'INVALID_KEY'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'INVALID_TOKEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'INCOMPLETE_UPLOAD'
  | 'UPLOAD_COMPLETED'
  | 'VERIFY_CONFLICT'
  | 'TOO_LARGE'
  | 'BODY_TOO_LARGE'
  | 'TOO_MANY_FILES'
  | 'TYPE_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'VERIFICATION_FAILED'
  | 'CHECKSUM_MISMATCH'
  | 'STORAGE_ERROR'
  | 'SIGNING_FAILED'
  | 'INTERNAL_ERROR';

/** What a validation issue says: where (`"credentials.accessKeyId"`) and what, never the value. */
export interface ErrorIssue {
  path?: string;
  message: string;
}

/** The JSON body every failed request answers with. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: ErrorIssue[] };
}

/** One file's answer in a `presignBatch`: what its own `presign` answers, or its error with the status. */
export type PresignBatchItem = PresignResult | (ErrorBody & { status: number });

/**
 * The body each action takes, without its `action` field. The server's valibot schemas check
 * these shapes (a type test proves they agree); `checksum`, `checksums` and `profile` are optional
 * fields that not every endpoint uses.
 */
export interface ActionRequests {
  presign: PresignBody;
  verify: { receipt: string };
  createMultipart: MultipartBody;
  signParts: SignPartsBody;
  listParts: { token: string };
  completeMultipart: { token: string; parts?: { partNumber: number; etag?: string }[] };
  abortMultipart: { token: string };
  presignBatch: { files: PresignBody[] };
}

/** What each action answers with status 200. */
export interface ActionAnswers {
  presign: PresignResult;
  verify: VerifiedUpload;
  createMultipart: MultipartUpload;
  signParts: SignedParts;
  listParts: PartList;
  completeMultipart: CompletedUpload;
  abortMultipart: AbortedUpload;
  presignBatch: { results: PresignBatchItem[] };
}

/**
 * A request body as sent to the endpoint: `{ action, ...fields }`, or a bare presign body.
 *
 * @example
 * ```ts
 * const body: ActionBody = { action: 'listParts', token };
 * ```
 */
export type ActionBody = PresignBody | { [A in Action]: { action: A } & ActionRequests[A] }[Action];

/**
 * What any request body may add on an endpoint with profiles: the one it is for. The server answers
 * `UNKNOWN_PROFILE` (400) when an endpoint with profiles gets none or one it does not serve, and
 * when an endpoint of one presigner gets one.
 *
 * @example
 * ```ts
 * const body: ActionBody & ProfileField = { profile: 'avatar', fileName: 'me.jpg', contentType: 'image/jpeg', size: 48_213 };
 * ```
 */
export interface ProfileField {
  profile?: string;
}

/**
 * The profile names of an endpoint's profiles, from their type alone, e.g. `'avatar' | 'document'`
 * for `ProfileName<typeof profiles>`: the client imports the type, never the server code.
 *
 * @example
 * ```ts
 * const name: ProfileName<typeof profiles> = 'avatar';
 * ```
 */
export type ProfileName<Profiles> = Extract<keyof Profiles, string>;

/**
 * The `profile` option of a client call: with the type of the server's profiles (`uploadFile<typeof
 * profiles>(…)`) one of their names, required; without it, any name or none.
 *
 * @example
 * ```ts
 * const options: { endpoint: string } & ProfileChoice<typeof profiles> = { endpoint: '/api/presign', profile: 'avatar' };
 * ```
 */
export type ProfileChoice<Profiles> = [ProfileName<Profiles>] extends [never]
  ? { profile?: string | undefined }
  : string extends ProfileName<Profiles>
    ? { profile?: string | undefined }
    : { profile: ProfileName<Profiles> };
