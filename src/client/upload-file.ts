import { diagnose } from '../doctor/diagnose.js';
import { CORS_REFUSED_HINT, HIDDEN_ERROR_HINT, isTransientStatus, isUploadError, parseStorageError, UploadError } from './errors.js';
import { requestPresign, type PresignedUpload } from './request-presign.js';
import { sendWithProgress, type SendResponse, type UploadProgress } from './send-with-progress.js';

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  /** URL of the presign endpoint, e.g. `/api/presign`. */
  endpoint: string;
  /** Extra headers for the presign request only (never sent to the storage), e.g. an `authorization`. */
  headers?: Record<string, string>;
  /** Aborts the presign request, the upload and any wait between retries; `uploadFile` then rejects with its reason. */
  signal?: AbortSignal;
  /** Called as bytes leave the browser; reaches `percent: 100` before `uploadFile` resolves. */
  onProgress?: (progress: UploadProgress) => void;
  /** How many times to try again after a transient failure (no response from the presign endpoint, 408, 429, 5xx). Default 2. */
  retries?: number;
  /** First wait before trying again, in ms; doubles each time, with jitter. Default 500. */
  retryDelay?: number;
  /** The name sent to the presign endpoint; default `file.name`, needed for a bare `Blob`. */
  fileName?: string;
  /** The type sent to the presign endpoint; default `file.type`. */
  contentType?: string;
}

/** What {@link uploadFile} resolves with. */
export interface UploadResult {
  /** The object's key in the bucket, chosen by the server. */
  key: string;
  /** Where the object lives (readable only if the bucket or a presigned GET allows it). */
  location: string;
  /** The storage's ETag, when its CORS rules expose the header. */
  etag: string | undefined;
  /** The Content-Type stored with the object, as signed. */
  contentType: string;
  size: number;
  /** How the bytes were sent. */
  method: 'PUT' | 'POST';
}

const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_DELAY = 500;
const MAX_RETRY_DELAY = 15_000;
/** Re-presign rather than start an upload that could outlive its URL. */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * Uploads a file in two steps: asks the presign endpoint for a URL, then sends the bytes straight
 * to the storage with exactly the method, headers or form fields the endpoint signed. Transient
 * failures are tried again with exponential backoff; a 4xx never is, since it would fail the same way.
 *
 * @throws UploadError saying which stage failed, with status, code and (for status 0) a hint.
 * @example
 * ```ts
 * import { uploadFile } from 'upload-presigner/client';
 *
 * const controller = new AbortController();
 * const { key } = await uploadFile(input.files[0], {
 *   endpoint: '/api/presign',
 *   signal: controller.signal,
 *   onProgress: ({ percent }) => (progressBar.value = percent),
 * });
 * ```
 */
export async function uploadFile(file: Blob, options: UploadFileOptions): Promise<UploadResult> {
  const { signal, onProgress } = options;
  const retries = options.retries ?? DEFAULT_RETRIES;
  const body = {
    fileName: options.fileName ?? (file as Partial<File>).name ?? 'upload',
    contentType: options.contentType ?? (file.type || 'application/octet-stream'),
    size: file.size,
  };
  let presigned: PresignedUpload | undefined;
  let lastPercent = -1;
  const reportProgress = (progress: UploadProgress) => {
    lastPercent = progress.percent;
    onProgress?.(progress);
  };

  for (let attempt = 0; ; attempt++) {
    try {
      if (!presigned || Date.parse(presigned.expiresAt) - Date.now() < EXPIRY_MARGIN_MS) {
        presigned = await requestPresign({ endpoint: options.endpoint, headers: options.headers, signal }, body);
      }
      const result = await send(presigned, file, signal, reportProgress);
      if (onProgress && lastPercent !== 100) onProgress({ loaded: file.size, total: file.size, percent: 100 });
      return result;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!isUploadError(error) || !error.retryable || attempt >= retries) throw error;
      await sleep(backoff(attempt, options.retryDelay ?? DEFAULT_RETRY_DELAY), signal);
    }
  }
}

async function send(
  presigned: PresignedUpload,
  file: Blob,
  signal: AbortSignal | undefined,
  onProgress: (progress: UploadProgress) => void,
): Promise<UploadResult> {
  const common = { url: presigned.uploadUrl, fileSize: file.size, signal, onProgress };
  let response: SendResponse;
  let contentType: string;
  if (presigned.method === 'PUT') {
    contentType = headerValue(presigned.headers, 'content-type') ?? file.type;
    response = await sendWithProgress({ ...common, method: 'PUT', headers: presigned.headers, body: file });
  } else {
    contentType = headerValue(presigned.fields, 'content-type') ?? file.type;
    const form = new FormData();
    for (const [name, value] of Object.entries(presigned.fields)) form.append(name, value);
    // S3 ignores every field after the file, so it must come last.
    form.append('file', file);
    response = await sendWithProgress({ ...common, method: 'POST', body: form });
  }
  if (response.status >= 200 && response.status < 300) {
    return {
      key: presigned.key,
      location: objectLocation(presigned),
      etag: response.header('etag') ?? undefined,
      contentType,
      size: file.size,
      method: presigned.method,
    };
  }
  throw uploadFailure(response, presigned, file.size);
}

function uploadFailure(response: SendResponse, presigned: PresignedUpload, size: number): UploadError {
  if (response.status === 0) {
    const hint = response.bodySent ? HIDDEN_ERROR_HINT : CORS_REFUSED_HINT;
    return new UploadError(`Upload failed: no readable response from the storage. ${hint}`, { stage: 'upload', status: 0, hint });
  }
  const storage = parseStorageError(response.body);
  const code = response.header('x-amz-error-code') ?? storage.code;
  const label = [response.status, code].filter(Boolean).join(' ');
  const diagnosis = isTransientStatus(response.status) ? undefined : diagnoseUpload(response, presigned, size);
  return new UploadError(`Upload failed (${label})${storage.message ? `: ${storage.message}` : '.'}`, {
    stage: 'upload',
    status: response.status,
    code,
    detail: storage.message,
    retryable: isTransientStatus(response.status),
    diagnosis,
  });
}

/** What the doctor makes of a storage error: the client knows exactly what it signed and sent. */
function diagnoseUpload(response: SendResponse, presigned: PresignedUpload, size: number) {
  if (presigned.method === 'POST') return diagnose({ status: response.status, body: response.body, url: presigned.uploadUrl });
  // The browser sends every returned header but Content-Length, which it sets to the body's size.
  const sentHeaders = { ...presigned.headers, 'content-length': String(size) };
  return diagnose({ status: response.status, body: response.body, url: presigned.uploadUrl, sentHeaders, expectedHeaders: presigned.headers });
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}

function objectLocation(presigned: PresignedUpload): string {
  if (presigned.method === 'PUT') return presigned.uploadUrl.split('?')[0]!;
  const encodedKey = presigned.key.split('/').map(encodeURIComponent).join('/');
  return `${presigned.uploadUrl.replace(/\/$/, '')}/${encodedKey}`;
}

/** Exponential backoff with jitter, so that many clients failing together do not retry together. */
function backoff(attempt: number, baseDelay: number): number {
  const exponential = Math.min(MAX_RETRY_DELAY, baseDelay * 2 ** attempt);
  return exponential / 2 + Math.random() * (exponential / 2);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
