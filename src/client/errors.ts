import { readErrorXml, type Diagnosis } from '../doctor/diagnose.js';

/** Where an upload failed: asking the presign endpoint, or sending the bytes to the storage. */
export type UploadStage = 'presign' | 'upload';

/** What {@link UploadError}'s constructor takes besides the message. */
export interface UploadErrorOptions {
  stage: UploadStage;
  /** The HTTP status; 0 when the browser got no readable response (network or CORS). */
  status: number;
  /** The presign endpoint's error code (`TOO_LARGE`) or the storage's XML `<Code>` (`SignatureDoesNotMatch`). */
  code?: string | undefined;
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
 *     showMessage(error.detail); // "The file is 12000000 bytes; the limit is 5242880 bytes."
 *   }
 * }
 * ```
 */
export class UploadError extends Error {
  override name = 'UploadError' as const;
  readonly stage: UploadStage;
  readonly status: number;
  readonly code: string | undefined;
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
  'method or headers (AllowedOrigins must list this page\'s origin, AllowedMethods PUT and POST, AllowedHeaders *); ' +
  'otherwise the storage URL is unreachable from this browser. The network panel shows the refused preflight (OPTIONS).';

/** Status 0 after the whole file was sent: the storage answered something the browser hid. */
export const HIDDEN_ERROR_HINT =
  'The file was sent, but the browser hid the storage\'s answer. Likely cause: the storage refused the upload with an ' +
  'error response that carries no CORS headers (S3 and Ceph RGW send none on errors), e.g. an expired URL or a signature ' +
  'mismatch (a Content-Type other than the signed one, a clock skew, wrong credentials); or the connection dropped ' +
  'before the answer. The network panel shows the real status and body.';

/**
 * The `<Code>` and `<Message>` of an S3 error document, read as the doctor reads it.
 *
 * @example
 * ```ts
 * parseStorageError('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
 * // { code: 'AccessDenied', message: 'Request has expired' }
 * ```
 */
export function parseStorageError(body: string): { code?: string; message?: string } {
  const { code, fields } = readErrorXml(body);
  return { code: code || undefined, message: fields.Message || undefined };
}
