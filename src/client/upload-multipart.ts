import type { ChecksumAlgorithm } from '../protocol.js';
import { isUploadError, storageFailure } from './errors.js';
import {
  abortMultipart,
  completeMultipart,
  createMultipart,
  listParts,
  signParts,
  type StartedMultipart,
} from './multipart-endpoint.js';
import { DEFAULT_CHECKSUM, hashBlob } from './hash.js';
import { partUrls } from './part-urls.js';
import { endpointOf, type PresignBody } from './request-presign.js';
import { openResumable, type Resumable } from './resume.js';
import { withRetries, type RetryOptions } from './retry.js';
import { limitedSend } from './limiter.js';
import type { UploadProgress } from './send-with-progress.js';
import type { QueuedUploadOptions, UploadResult } from './upload-file.js';

const DEFAULT_PART_CONCURRENCY = 4;
/** Part URLs are signed this many rounds of `partConcurrency` ahead: few endpoint calls, fresh URLs. */
const SIGN_AHEAD_ROUNDS = 2;
/** A failed or cancelled upload waits at most this long for the server to drop its parts. */
const ABORT_TIMEOUT_MS = 10_000;

/**
 * The multipart path of `uploadFile`: starts the upload on the endpoint, sends `partConcurrency`
 * parts at a time (each `file.slice()` PUT to its own URL with exactly the signed headers, retried
 * on its own), and completes it. When it fails for good or the signal aborts, the parts in flight
 * are cancelled and the upload is aborted in the storage before the promise rejects.
 *
 * @example
 * ```ts
 * const result = await uploadMultipart(file, { fileName: file.name, contentType: file.type, size: file.size }, {
 *   endpoint: '/api/presign',
 *   retry: { retries: 2, retryDelay: 500 },
 * });
 * ```
 */
export async function uploadMultipart(
  file: Blob,
  body: PresignBody,
  options: QueuedUploadOptions & { retry: RetryOptions },
): Promise<UploadResult> {
  const { signal, retry } = options;
  const target = { ...endpointOf(options), signal };
  const resumable = options.resume === false ? undefined : await openResumable(file, body, options);
  const resumed = resumable && (await resumeUpload(resumable, options));
  const upload = resumed?.upload ?? (await startUpload(body, options));
  // Saved before any part goes, so that a page closed from now on can pick the upload up again.
  if (!resumed) await resumable?.save(upload).catch(() => undefined);
  // Stops every part once one fails for good, as the caller's signal stops them all.
  const stop = new AbortController();
  const forward = () => stop.abort(signal!.reason);
  signal?.addEventListener('abort', forward, { once: true });
  // The signal may have aborted after the endpoint answered, before the listener existed.
  if (signal?.aborted) forward();
  try {
    const location = await sendParts(file, upload, options, stop, resumed?.stored ?? new Set());
    const stored = await withRetries(() => completeMultipart(target, upload.token), retry);
    await resumable?.forget().catch(() => undefined);
    options.onProgress?.({ loaded: file.size, total: file.size, percent: 100 });
    const receipt = upload.receipt !== undefined ? { receipt: upload.receipt } : {};
    return {
      key: stored.key,
      location,
      etag: stored.etag,
      contentType: stored.contentType,
      size: stored.size,
      method: 'MULTIPART',
      ...receipt,
    };
  } catch (error) {
    stop.abort(error);
    // Parts are cancelled by now (sendParts returns only once none is in flight): drop what the
    // storage holds, so that neither a failure nor a cancel leaves parts behind.
    await dropUpload(upload, options);
    await resumable?.forget().catch(() => undefined);
    throw signal?.aborted ? signal.reason : error;
  } finally {
    signal?.removeEventListener('abort', forward);
  }
}

/**
 * Picks up the upload this file was interrupted in, when the browser kept one: the storage's list
 * of parts says which it holds at their full length, and only the others are sent. A record the
 * endpoint no longer accepts (another secret, an upload completed or aborted meanwhile) is
 * forgotten, its upload aborted as far as the endpoint still allows, and the file starts over.
 * A failure that may pass (the endpoint or the storage down, after the retries) fails the upload
 * and keeps the record: the next try resumes rather than sending again what the storage holds.
 */
async function resumeUpload(
  resumable: Resumable,
  options: QueuedUploadOptions & { retry: RetryOptions },
): Promise<{ upload: StartedMultipart; stored: Set<number> } | undefined> {
  const upload = await resumable.find().catch(() => undefined);
  if (!upload) return undefined;
  const target = { ...endpointOf(options), signal: options.signal };
  try {
    const { parts } = await withRetries(() => listParts(target, upload.token), options.retry);
    const complete = parts.filter(({ partNumber, size }) => size === partLength(upload, partNumber));
    return { upload, stored: new Set(complete.map(({ partNumber }) => partNumber)) };
  } catch (error) {
    if (isUploadError(error) && error.retryable) throw error;
    await dropUpload(upload, options);
    await resumable.forget().catch(() => undefined);
    if (options.signal?.aborted) throw options.signal.reason;
    return undefined;
  }
}

/** The signed length of a part: `partSize` but for the last one. */
function partLength({ partSize, partCount, size }: StartedMultipart, partNumber: number): number {
  return partNumber < partCount ? partSize : size - partSize * (partCount - 1);
}

/**
 * Starts the upload on the endpoint. The caller's signal does not cancel that request: the endpoint
 * may have made the upload already, and only its answer carries the token that can drop it. A cancel
 * still rejects at once; the upload is dropped when the answer arrives.
 */
function startUpload(
  body: PresignBody,
  options: QueuedUploadOptions & { retry: RetryOptions },
): Promise<StartedMultipart> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const starting = withRetries(() => createMultipart(endpointOf(options), body), options.retry);
  if (!signal) return starting;
  return new Promise((resolve, reject) => {
    const cancel = () => {
      reject(signal.reason);
      starting.then(
        (upload) => dropUpload(upload, options),
        () => undefined,
      );
    };
    signal.addEventListener('abort', cancel, { once: true });
    starting.then(resolve, reject).finally(() => signal.removeEventListener('abort', cancel));
  });
}

/** Aborts the upload in the storage, so that no part is left behind. Best effort, and bounded in time. */
function dropUpload(upload: StartedMultipart, options: QueuedUploadOptions): Promise<unknown> {
  const cleanup = { ...endpointOf(options), signal: AbortSignal.timeout(ABORT_TIMEOUT_MS) };
  // Tried again within the bound: the failure that ends an upload is often the storage's own.
  const retry = { retries: 3, retryDelay: 500, signal: cleanup.signal };
  return withRetries(() => abortMultipart(cleanup, upload.token), retry).catch(() => undefined);
}

/**
 * Sends every part the storage does not hold yet, `partConcurrency` at a time, and returns (the
 * object's location) only once none is in flight, or throws the first lasting failure.
 */
async function sendParts(
  file: Blob,
  upload: StartedMultipart,
  options: QueuedUploadOptions & { retry: RetryOptions },
  stop: AbortController,
  stored: ReadonlySet<number>,
): Promise<string> {
  const { partSize, partCount, token } = upload;
  const missing = Array.from({ length: partCount }, (_, index) => index + 1).filter((number) => !stored.has(number));
  const concurrency = Math.min(
    missing.length,
    Math.max(1, Math.floor(options.partConcurrency ?? DEFAULT_PART_CONCURRENCY) || 1),
  );
  const target = { ...endpointOf(options), signal: stop.signal };
  const signAhead = concurrency * SIGN_AHEAD_ROUNDS;
  const checksum = options.checksum ?? DEFAULT_CHECKSUM;
  const digests = checksum === 'none' ? undefined : partDigests(file, partSize, checksum, stop.signal);
  const urlFor = partUrls(
    async (numbers) => signParts(target, token, numbers, digests && (await Promise.all(numbers.map(digests.of)))),
    partCount,
    signAhead,
    digests?.known,
  );
  const retry = { ...options.retry, signal: stop.signal };
  const progress = partProgress(file.size, options.onProgress);
  for (const partNumber of stored) progress(partNumber, partLength(upload, partNumber));
  const sendWithProgress = limitedSend(options.limiter);
  let location = '';
  // Parts stored before a reload got through: CORS admits the page.
  let corsProven = stored.size > 0;

  const sendPart = (partNumber: number) => {
    // The parts next in line are hashed while this one is sent, so that their URLs sign at once.
    if (digests) for (const next of [partNumber, ...missing.slice(0, signAhead)]) void digests.of(next).catch(() => {});
    const start = (partNumber - 1) * partSize;
    // The server signed each part's exact length: every part is partSize bytes but the last.
    const body = file.slice(start, Math.min(start + partSize, file.size));
    return withRetries(async () => {
      const part = await urlFor(partNumber);
      const response = await sendWithProgress({
        method: 'PUT',
        url: part.url,
        headers: part.headers,
        body,
        fileSize: body.size,
        signal: stop.signal,
        onProgress: ({ loaded }) => progress(partNumber, loaded),
      });
      if (response.status < 200 || response.status >= 300) {
        throw storageFailure(response, {
          method: 'PUT',
          url: part.url,
          signed: part.headers,
          size: body.size,
          partNumber,
          corsProven,
        });
      }
      corsProven = true;
      progress(partNumber, body.size);
      location ||= part.url.split('?')[0]!;
    }, retry);
  };

  let failure: unknown;
  const worker = async () => {
    for (
      let partNumber = missing.shift();
      partNumber !== undefined && !stop.signal.aborted;
      partNumber = missing.shift()
    ) {
      try {
        await sendPart(partNumber);
      } catch (error) {
        if (!stop.signal.aborted) {
          failure = error;
          stop.abort(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (stop.signal.aborted) throw failure ?? stop.signal.reason;
  // Every part was stored before a reload: any part's URL names the object.
  return location || (await urlFor(1)).url.split('?')[0]!;
}

/**
 * Each part's digest, hashed once on first demand (in the hashing Workers, side by side) and kept,
 * so that a part sent again is not hashed again. `known` says which are hashed already.
 */
function partDigests(file: Blob, partSize: number, algorithm: ChecksumAlgorithm, signal: AbortSignal) {
  const hashing = new Map<number, Promise<string>>();
  const hashed = new Set<number>();
  return {
    of(partNumber: number): Promise<string> {
      let digest = hashing.get(partNumber);
      if (!digest) {
        const start = (partNumber - 1) * partSize;
        digest = hashBlob(file, algorithm, { start, end: start + partSize, signal });
        hashing.set(partNumber, digest);
        // A failed hash (a file changed since it was picked) is tried again by the part's retry.
        digest.then(
          () => hashed.add(partNumber),
          () => hashing.delete(partNumber),
        );
      }
      return digest;
    },
    known: (partNumber: number) => hashed.has(partNumber),
  };
}

/**
 * Adds up the bytes sent of every part into one progress. A retried part starts again from zero,
 * so only growth is reported: progress never goes back. `percent` stops at 99 until the storage
 * has put the parts together; `uploadMultipart` reports the 100.
 */
function partProgress(total: number, onProgress: ((progress: UploadProgress) => void) | undefined) {
  const sent = new Map<number, number>();
  let sum = 0;
  let reported = 0;
  return (partNumber: number, loaded: number) => {
    sum += loaded - (sent.get(partNumber) ?? 0);
    sent.set(partNumber, loaded);
    if (!onProgress || sum <= reported) return;
    reported = sum;
    onProgress({ loaded: sum, total, percent: Math.min(99, Math.floor((sum / total) * 100)) });
  };
}
