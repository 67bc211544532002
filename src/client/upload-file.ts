import { isUploadError, storageFailure, UploadError } from './errors.js';
import { MAX_SINGLE_UPLOAD_SIZE, type ChecksumAlgorithm, type PresignBody, type ProfileChoice } from '../protocol.js';
import { DEFAULT_CHECKSUM, hashBlob } from './hash.js';
import { limitedSend, type Limiter } from './limiter.js';
import { EXPIRY_MARGIN_MS } from './part-urls.js';
import { endpointOf, requestPresign, type EndpointHeaders, type PresignedUpload } from './request-presign.js';
import { withRetries } from './retry.js';
import type { SendResponse, UploadProgress } from './send-with-progress.js';
import { uploadMultipart } from './upload-multipart.js';

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  /** URL of the presign endpoint, e.g. `/api/presign`. */
  endpoint: string;
  /**
   * Extra headers for the presign endpoint only (never sent to the storage), e.g. an
   * `authorization`; or a function, possibly async, called before each request to the endpoint, so
   * that a multipart upload that outlives a token sends a fresh one.
   */
  headers?: EndpointHeaders;
  /**
   * On an endpoint with profiles, the one this upload is for, e.g. `avatar`. With the type of the
   * server's profiles, `uploadFile<typeof profiles>(…)`, only their names compile.
   */
  profile?: string | undefined;
  /** Aborts the presign request, the upload and any wait between retries; `uploadFile` then rejects with its reason. */
  signal?: AbortSignal;
  /**
   * Called as bytes leave the browser; reaches `percent: 100` before `uploadFile` resolves. A
   * multipart upload's progress adds up its parts, never goes back when a part is sent again, and
   * reports 100 once, when the storage has put the parts together.
   */
  onProgress?: (progress: UploadProgress) => void;
  /**
   * How many times to try again after a transient failure (no response, 408, 429, 5xx), waiting
   * `retryDelay` doubled each time (at most 15 s, with jitter): the default rides out a storage or
   * endpoint gone for 15 s (at most 30 s). While the browser is offline, failures wait for the
   * network and do not count.
   * @default 6
   */
  retries?: number;
  /** First wait before trying again, in ms; doubles each time, with jitter. Default 500. */
  retryDelay?: number;
  /** The name sent to the presign endpoint; default `file.name`, needed for a bare `Blob`. */
  fileName?: string;
  /** The type sent to the presign endpoint; default `file.type`. */
  contentType?: string;
  /**
   * Files of this many bytes or more go as a multipart upload (the endpoint's presigner needs
   * `secret`; if it has none, a file of up to 5 GiB goes in one request instead).
   * Default 100 MiB, as Uppy's; `Infinity` sends every file in one request.
   */
  multipartThreshold?: number;
  /** How many parts of a multipart upload are sent at once. Default 4. */
  partConcurrency?: number;
  /**
   * The digest hashed from the file (each part of a multipart upload) and sent with the presign
   * request, which signs it: the storage then refuses bytes that differ from those hashed. Must be
   * the presigner's `checksum` algorithm; `none` hashes nothing. From 4 MiB on, hashing runs in a
   * Web Worker (on the page's thread where none can start, e.g. under a CSP without `worker-src blob:`).
   * @default 'md5'
   */
  checksum?: ChecksumAlgorithm | 'none';
  /**
   * Whether a multipart upload interrupted by a reload, a crash or a closed tab resumes when the
   * same file is picked again: its token and a fingerprint of the file are kept in IndexedDB until
   * it completes or fails, and only the parts the storage lacks are sent. Needs IndexedDB and Web
   * Crypto (a secure origin); without them the upload starts over. `clearResumableUploads()`
   * forgets every kept upload.
   * @default true
   */
  resume?: boolean;
}

/** What {@link uploadFile} resolves with. */
export interface UploadResult {
  /** The object's key in the bucket, chosen by the server. */
  key: string;
  /** Where the object lives (readable only if the bucket or a presigned GET allows it). */
  location: string;
  /** The storage's ETag: of a single upload when its CORS rules expose the header; of a multipart upload as the server read it. */
  etag: string | undefined;
  /** The Content-Type stored with the object, as signed. */
  contentType: string;
  size: number;
  /** How the bytes were sent: one request (`PUT`, `POST`) or parts (`MULTIPART`). */
  method: 'PUT' | 'POST' | 'MULTIPART';
  /**
   * When the server has a `secret`: send it back as `{"action":"verify","receipt":…}` to verify the
   * upload. A `POST` upload is stored under `key` only once verified.
   */
  receipt?: string;
}

/** Backoff from 500 ms gives 15-30 s in all: a storage restart, not a user left waiting on a dead endpoint. */
const DEFAULT_RETRIES = 6;
const DEFAULT_RETRY_DELAY = 500;
/** Uppy's default: below it, one request is simpler and as fast. */
export const DEFAULT_MULTIPART_THRESHOLD = 100 * 1024 ** 2;

/**
 * Uploads a file in two steps: asks the presign endpoint for a URL, then sends the bytes straight
 * to the storage with exactly the method, headers or form fields the endpoint signed. Transient
 * failures are tried again with exponential backoff; a 4xx never is, since it would fail the same way.
 *
 * A file of `multipartThreshold` bytes or more (default 100 MiB) goes as a multipart upload instead:
 * `partConcurrency` parts at a time, each part retried on its own, and the upload aborted in the
 * storage when it fails or the signal aborts, so that no parts are left behind.
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
export function uploadFile<Profiles = never>(
  file: Blob,
  options: UploadFileOptions & ProfileChoice<Profiles>,
): Promise<UploadResult> {
  return uploadInQueue(file, options);
}

/** What `uploadFiles` adds to {@link UploadFileOptions} for each of its files. */
export interface QueuedUploadOptions extends UploadFileOptions {
  /** The connection budget every request that carries bytes waits for. */
  limiter?: Limiter;
  /** A presign made ahead (in a batch), used unless it is about to expire. */
  presigned?: PresignedUpload | undefined;
  /**
   * Digests of whole files hashed already by the queue, by the very Blob hashed: a file found here
   * is signed with its digest again, not read again (a file changed since fails the storage's check
   * of that digest), and one hashed here is added.
   */
  digests?: WeakMap<Blob, string>;
}

/**
 * {@link uploadFile} as `uploadFiles` runs it for each file: its bytes wait for the shared limiter,
 * and a single upload may start from a URL presigned in a batch.
 *
 * @example
 * ```ts
 * const result = await uploadInQueue(file, { endpoint: '/api/presign', limiter: createLimiter(4) });
 * ```
 */
export async function uploadInQueue(file: Blob, options: QueuedUploadOptions): Promise<UploadResult> {
  const { signal, onProgress } = options;
  const retry = {
    retries: options.retries ?? DEFAULT_RETRIES,
    retryDelay: options.retryDelay ?? DEFAULT_RETRY_DELAY,
    signal,
  };
  const body: PresignBody = {
    fileName: options.fileName ?? (file as Partial<File>).name ?? 'upload',
    contentType: options.contentType ?? (file.type || 'application/octet-stream'),
    size: file.size,
  };
  // An empty file has no part to send.
  if (file.size > 0 && file.size >= (options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD)) {
    try {
      return await uploadMultipart(file, body, { ...options, retry });
    } catch (error) {
      // An endpoint without multipart still takes what fits in one request: nothing was sent yet.
      if (!(isUploadError(error) && error.code === 'MULTIPART_DISABLED' && file.size <= MAX_SINGLE_UPLOAD_SIZE))
        throw error;
    }
  }
  let presigned = options.presigned;
  const checksum = options.checksum ?? DEFAULT_CHECKSUM;
  let sentUrl: string | undefined;
  let lastPercent = -1;
  const reportProgress = (progress: UploadProgress) => {
    lastPercent = progress.percent;
    onProgress?.(progress);
  };

  return withRetries(async () => {
    if (!presigned || Date.parse(presigned.expiresAt) - Date.now() < EXPIRY_MARGIN_MS) {
      // Hashed once, before the first presign, which signs the digest into the URL.
      if (checksum !== 'none' && body.checksum === undefined) {
        body.checksum = options.digests?.get(file) ?? (await hashBlob(file, checksum, { signal }));
        options.digests?.set(file, body.checksum);
      }
      presigned = await requestPresign({ ...endpointOf(options), signal }, body);
    }
    const retryOfSameUrl = sentUrl === presigned.uploadUrl;
    sentUrl = presigned.uploadUrl;
    const result = await send(presigned, file, signal, reportProgress, retryOfSameUrl, options.limiter);
    if (onProgress && lastPercent !== 100) onProgress({ loaded: file.size, total: file.size, percent: 100 });
    return result;
  }, retry);
}

async function send(
  presigned: PresignedUpload,
  file: Blob,
  signal: AbortSignal | undefined,
  onProgress: (progress: UploadProgress) => void,
  retryOfSameUrl: boolean,
  limiter: Limiter | undefined,
): Promise<UploadResult> {
  const sendWithProgress = limitedSend(limiter);
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
      ...(presigned.receipt !== undefined && { receipt: presigned.receipt }),
    };
  }
  if (response.status === 412 && presigned.method === 'PUT') throw objectExists(presigned.key, retryOfSameUrl);
  const signed = presigned.method === 'PUT' ? presigned.headers : presigned.fields;
  throw storageFailure(response, { method: presigned.method, url: presigned.uploadUrl, signed, size: file.size });
}

/**
 * A signed `If-None-Match: *` met an object under the key. On a retry of the same URL the object
 * may well be this very file, stored by an attempt whose answer was lost; but only a key that no one
 * else could write makes that certain, and the client cannot see how the server builds keys (a
 * custom `key` may be the same for every upload of a user). So it says so rather than succeed.
 */
function objectExists(key: string, retryOfSameUrl: boolean): UploadError {
  const detail = retryOfSameUrl
    ? `An object already exists under ${key}. An earlier attempt of this upload may have stored this file before its answer was lost; the storage never lets an upload replace an object, so check what it holds before uploading again.`
    : `An object already exists under ${key}, and the storage never lets an upload replace one.`;
  return new UploadError(`Upload failed (412 PreconditionFailed): ${detail}`, {
    stage: 'upload',
    status: 412,
    code: 'PreconditionFailed',
    detail,
  });
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
