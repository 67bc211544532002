import { readErrorXmlWithDom } from '../doctor/error-xml-dom.js';
import { explainFailure, type Diagnosis } from '../doctor/explain-failure.js';
import type { SendResponse } from './send-with-progress.js';
import type { ErrorCode } from '../protocol.js';

/**
 * Where an upload failed: asking the presign endpoint (for a multipart upload also to start, sign,
 * complete or abort it), or sending the bytes to the storage.
 */
export type UploadStage = 'presign' | 'upload';

/**
 * Codes the client gives an {@link UploadError} of its own, with status 0:
 * - `INVALID_RESPONSE`: the endpoint answered 200 without what the call needs (is it the presign endpoint?);
 * - `PART_SIZE_MISMATCH`: `presignForUppy`'s `partSize` is not the presigner's;
 * - `UNKNOWN_UPLOAD`: Uppy named a multipart upload `presignForUppy` did not start in this page;
 * - `UNSUPPORTED_REQUEST`: Uppy asked `presignForUppy` to sign a request it does not sign;
 * - `HEADERS_FAILED`: the `headers` function threw (or rejected) instead of giving the request's headers.
 */
export type ClientErrorCode =
  'INVALID_RESPONSE' | 'PART_SIZE_MISMATCH' | 'UNKNOWN_UPLOAD' | 'UNSUPPORTED_REQUEST' | 'HEADERS_FAILED';

/**
 * What {@link UploadError.code} holds: at stage `presign` one of the server's codes ({@link ErrorCode},
 * e.g. `TOO_LARGE`) or the client's own ({@link ClientErrorCode}); at stage `upload` the storage's
 * XML `<Code>`, any string (e.g. `SignatureDoesNotMatch`, `PreconditionFailed`).
 *
 * @example
 * ```ts
 * const tooLarge = (code: UploadErrorCode | undefined) => code === 'TOO_LARGE' || code === 'EntityTooLarge';
 * ```
 */
// `string & {}` keeps the named codes in editors' completions while admitting the storage's.
export type UploadErrorCode = ErrorCode | ClientErrorCode | (string & {});

/** What {@link UploadError}'s constructor takes besides the message. */
export interface UploadErrorOptions {
  stage: UploadStage;
  /** The HTTP status; 0 when the browser got no readable response (network or CORS). */
  status: number;
  /** The presign endpoint's error code (`TOO_LARGE`), the client's own, or the storage's XML `<Code>` (`SignatureDoesNotMatch`). */
  code?: UploadErrorCode | undefined;
  /** The server's or the storage's own message, without the stage and status around it. */
  detail?: string | undefined;
  /** What most likely went wrong, when the response alone cannot tell (status 0). */
  hint?: string | undefined;
  /** Whether trying again could succeed: network errors before a response, 408, 429 and 5xx. */
  retryable?: boolean;
  /** The doctor's reading of a storage error the browser could read (`diagnose` from `upload-presigner/doctor`). */
  diagnosis?: Diagnosis | undefined;
  cause?: unknown;
}

/**
 * The one error `uploadFile` rejects with (besides the `AbortSignal`'s reason). It says which stage
 * failed, with the status and error code when the browser could read them, and a `hint` when it
 * could not: browsers hide every response that lacks CORS headers behind status 0.
 *
 * @example
 * ```ts
 * try {
 *   await uploadFile(file, { endpoint: '/api/presign' });
 * } catch (error) {
 *   if (isUploadError(error) && error.stage === 'presign' && error.code === 'TOO_LARGE') {
 *     showMessage(error.detail); // "The file is 11.4 MiB (12,000,000 bytes), 6.4 MiB (6,757,120 bytes) over the limit of 5 MiB."
 *   }
 * }
 * ```
 */
export class UploadError extends Error {
  override name = 'UploadError' as const;
  readonly stage: UploadStage;
  readonly status: number;
  /** See {@link UploadErrorCode}; `undefined` when the browser could read none (status 0). */
  readonly code: UploadErrorCode | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly diagnosis: Diagnosis | undefined;

  constructor(message: string, options: UploadErrorOptions) {
    super(message, { cause: options.cause });
    this.stage = options.stage;
    this.status = options.status;
    this.code = options.code;
    this.detail = options.detail;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
    this.diagnosis = options.diagnosis;
  }
}

/**
 * Tells whether `error` is an {@link UploadError}, also across bundles and realms.
 *
 * @example
 * ```ts
 * if (isUploadError(error) && error.stage === 'upload') console.warn(error.code, error.hint);
 * ```
 */
export function isUploadError(error: unknown): error is UploadError {
  return error instanceof UploadError || (error instanceof Error && error.name === 'UploadError');
}

/**
 * 408 and 429 ask to come back later and 5xx may pass; every other 4xx will fail the same way again.
 *
 * @example
 * ```ts
 * isTransientStatus(503); // true
 * isTransientStatus(403); // false
 * ```
 */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Status 0 before the presign endpoint answered: the browser hides the reason. */
export const PRESIGN_NETWORK_HINT =
  'The presign endpoint could not be reached or did not allow this page: check the endpoint URL and that the server is up; ' +
  'if it is on another origin, its CORS must allow this origin (e.g. the handler option allowedOrigins).';

/** Status 0 before any byte left: the preflight was refused, or the storage could not be reached. */
export const CORS_REFUSED_HINT =
  "The browser refused to send the file to the storage. Likely cause: the bucket's CORS rules do not allow this origin, " +
  "method or headers (AllowedOrigins must list this page's origin, AllowedMethods PUT and POST, AllowedHeaders *); " +
  'otherwise the storage URL is unreachable from this browser. The network panel shows the refused preflight (OPTIONS).';

/** Status 0 after the whole file was sent: the storage answered something the browser hid. */
export const HIDDEN_ERROR_HINT =
  "The file was sent, but the browser hid the storage's answer. Likely cause: the storage refused the upload with an " +
  'error response that carries no CORS headers (S3 and Ceph RGW send none on errors), e.g. an expired URL or a signature ' +
  'mismatch (a Content-Type other than the signed one, a clock skew, wrong credentials); or the connection dropped ' +
  'before the answer. The network panel shows the real status and body.';

/** Status 0 on a part after earlier parts got through: CORS admits the page, so the connection failed. */
export const PART_NETWORK_HINT =
  'The connection to the storage failed before it answered (the network dropped or the storage went away); ' +
  'earlier parts of this upload got through, so CORS is not the cause.';

/** A request to the storage, as {@link storageFailure} needs it to explain a failure. */
export interface StorageRequest {
  method: 'PUT' | 'POST';
  url: string;
  /** The headers (PUT) or form fields (POST) that were signed. */
  signed: Record<string, string>;
  /** Bytes of the file in the body. */
  size: number;
  /** The part's number, when the request sent one part of a multipart upload. */
  partNumber?: number;
  /**
   * Whether an earlier request of this upload got through, so that status 0 means a dropped
   * connection (worth another try) rather than CORS refusing the page.
   */
  corsProven?: boolean;
}

/**
 * The {@link UploadError} for a storage answer that is not 2xx: the storage's code and message when
 * the browser could read them (with the doctor's diagnosis of a 4xx), a hint when it could not.
 *
 * @example
 * ```ts
 * const response = await sendWithProgress({ method: 'PUT', url, headers, body: file, fileSize: file.size });
 * if (response.status !== 200) throw storageFailure(response, { method: 'PUT', url, signed: headers, size: file.size });
 * ```
 */
export function storageFailure(response: SendResponse, request: StorageRequest): UploadError {
  const what = request.partNumber === undefined ? 'Upload' : `Upload of part ${request.partNumber}`;
  if (response.status === 0) {
    const hint =
      request.corsProven && !response.bodySent
        ? PART_NETWORK_HINT
        : response.bodySent
          ? HIDDEN_ERROR_HINT
          : CORS_REFUSED_HINT;
    return new UploadError(`${what} failed: no readable response from the storage. ${hint}`, {
      stage: 'upload',
      status: 0,
      hint,
      retryable: request.corsProven === true,
    });
  }
  const storage = parseStorageError(response.body);
  const code = response.header('x-amz-error-code') ?? storage.code;
  const label = [response.status, code].filter(Boolean).join(' ');
  const retryable = isTransientStatus(response.status);
  return new UploadError(`${what} failed (${label})${storage.message ? `: ${storage.message}` : '.'}`, {
    stage: 'upload',
    status: response.status,
    code,
    detail: storage.message,
    retryable,
    diagnosis: retryable ? undefined : diagnoseUpload(response, request),
  });
}

/** What the doctor makes of a storage error: the client knows exactly what it signed and sent. */
function diagnoseUpload(response: SendResponse, request: StorageRequest): Diagnosis {
  const error = readErrorXmlWithDom(response.body);
  if (request.method === 'POST')
    return explainFailure({ status: response.status, body: response.body, url: request.url }, error);
  // The browser sends every signed header but Content-Length, which it sets to the body's size.
  const sentHeaders = { ...request.signed, 'content-length': String(request.size) };
  return explainFailure(
    { status: response.status, body: response.body, url: request.url, sentHeaders, expectedHeaders: request.signed },
    error,
  );
}

/**
 * The `<Code>` and `<Message>` of an S3 error document, read with the browser's DOMParser (none in
 * a Web Worker: there only the status is known).
 *
 * @example
 * ```ts
 * parseStorageError('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
 * // { code: 'AccessDenied', message: 'Request has expired' }
 * ```
 */
export function parseStorageError(body: string): { code?: string; message?: string } {
  const { code, fields } = readErrorXmlWithDom(body);
  return { code: code || undefined, message: fields.Message || undefined };
}
