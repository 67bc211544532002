import type { BaseIssue } from 'valibot';
import type { ErrorBody, ErrorCode, ErrorIssue } from './protocol.js';

/**
 * Every error code upload-presigner produces, mapped to the HTTP status the HTTP handler answers
 * with. The table is the whole contract: adapters never pick a status of their own.
 */
export const ERROR_STATUS = {
  /** The presigner was created with bad options (a programming error, thrown at creation). */
  INVALID_OPTIONS: 500,
  /** The request body is not JSON. */
  INVALID_JSON: 400,
  /** The request does not match `PresignRequestSchema`. */
  INVALID_REQUEST: 400,
  /** `maxSize` is configured with `method: "PUT"`, so the request must declare `size`. */
  SIZE_REQUIRED: 400,
  /** The presigner's `checksum` option requires a digest (`checksum`, or `checksums` for parts) and the request has none. */
  CHECKSUM_REQUIRED: 400,
  /** The file name's extension belongs to another type than the declared `contentType`. */
  EXTENSION_MISMATCH: 400,
  /** An endpoint with profiles got a request naming none, or one it does not serve (or one without profiles got a `profile`). */
  UNKNOWN_PROFILE: 400,
  /** A multipart action reached a presigner without `secret`: a single upload still works up to 5 GiB. */
  MULTIPART_DISABLED: 400,
  /** A verify request reached the HTTP endpoint with a bare `key`: a browser must send the `receipt` it was given. */
  RECEIPT_REQUIRED: 400,
  /** A verify request reached an HTTP endpoint whose presigner has no `secret`, so it issues no receipts. */
  RECEIPTS_DISABLED: 400,
  /** The custom `key` function returned a key that is unsafe or outside the prefix. */
  INVALID_KEY: 400,
  /** Missing or rejected credentials in the `authorize` hook. */
  UNAUTHORIZED: 401,
  /** The `authorize` hook recognised the caller but refused the upload, or a receipt or token was issued to another caller. */
  FORBIDDEN: 403,
  /** A multipart token or receipt was altered, forged, issued by another configuration, or has expired. */
  INVALID_TOKEN: 403,
  /** `verify` found no object under the key, or a multipart upload no longer exists. */
  NOT_FOUND: 404,
  /** The presign endpoint was called with another method than POST. */
  METHOD_NOT_ALLOWED: 405,
  /** `completeMultipart` before the storage holds every part at its length. */
  INCOMPLETE_UPLOAD: 409,
  /** `abortMultipart` of an upload that was completed: the object stays. */
  UPLOAD_COMPLETED: 409,
  /** A POST upload changed while `verify` promoted it, or a concurrent verify promoted it first: verify again. */
  VERIFY_CONFLICT: 409,
  /** The declared `size` is over `maxSize`. */
  TOO_LARGE: 413,
  /** The presign request body itself is over the handler's `maxBodySize`. */
  BODY_TOO_LARGE: 413,
  /** A `presignBatch` request names more files than one batch may (100): split it. */
  TOO_MANY_FILES: 413,
  /** `contentType` is not in `allowedTypes`. */
  TYPE_NOT_ALLOWED: 415,
  /** The request body is not declared `application/json`: what a cross-site form or no-cors fetch sends. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** `verify` refused what was stored (type, size or content) and removed it. */
  VERIFICATION_FAILED: 422,
  /** `verify` found stored bytes whose digest (the ETag's MD5, or the stored checksum) is not the one declared, and removed them. */
  CHECKSUM_MISMATCH: 422,
  /** The storage failed or refused a call the server made (a multipart step, a HeadObject); the log says which. */
  STORAGE_ERROR: 502,
  /** The URL could not be signed: credentials or region could not be resolved. */
  SIGNING_FAILED: 500,
  /** Anything unexpected; the message never carries its details. */
  INTERNAL_ERROR: 500,
} as const satisfies Record<ErrorCode, number>;

/** A code from {@link ERROR_STATUS}: the protocol's {@link ErrorCode}. */
export type PresignErrorCode = ErrorCode;

/**
 * What an error keeps of a validation issue: where (`"credentials.accessKeyId"`) and what, never
 * the value, which may be a secret (valibot's issues hold the whole input).
 *
 * @example
 * ```ts
 * if (isPresignError(error)) for (const { path, message } of error.issues ?? []) console.log(path, message);
 * ```
 */
export type PresignIssue = ErrorIssue;

/** The JSON body every failed request answers with. */
export type PresignErrorBody = ErrorBody;

/**
 * The one error class of upload-presigner. `status` is looked up from the code, so it can never
 * disagree with the table.
 *
 * @example
 * ```ts
 * try {
 *   await presigner.presign({ fileName: 'a.exe', contentType: 'application/x-msdownload' });
 * } catch (error) {
 *   if (isPresignError(error)) console.log(error.code, error.status); // TYPE_NOT_ALLOWED 415
 * }
 * ```
 */
export class PresignError extends Error {
  override name = 'PresignError' as const;
  readonly code: PresignErrorCode;
  readonly status: number;
  /** The path and message of each of valibot's issues, when the error comes from schema validation. */
  readonly issues?: readonly PresignIssue[];

  constructor(
    code: PresignErrorCode,
    message: string,
    options?: { cause?: unknown; issues?: readonly BaseIssue<unknown>[] },
  ) {
    super(message, { cause: options?.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    // Printed uncaught or logged by a logger that walks everything, a kept input would show it.
    this.issues = options?.issues?.map((issue) => ({
      path: issue.path?.map((item) => String(item.key)).join('.') || undefined,
      message: issue.message,
    }));
  }

  /** The response body: code, message and the issues' paths, never a stack or a cause. */
  toJSON(): PresignErrorBody {
    const issues = this.issues?.map(({ path, message }) => ({ path, message }));
    return { error: { code: this.code, message: this.message, ...(issues && { issues }) } };
  }
}

/**
 * Tells whether `error` is a {@link PresignError}, also across module copies and realms.
 *
 * @example
 * ```ts
 * if (isPresignError(error) && error.code === 'TOO_LARGE') showTooLarge();
 * ```
 */
export function isPresignError(error: unknown): error is PresignError {
  return error instanceof PresignError || (error instanceof Error && error.name === 'PresignError');
}
