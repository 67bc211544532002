import { MAX_BATCH_FILES, type PresignBatchItem as BatchItem } from '../protocol.js';
import { isTransientStatus, isUploadError, UploadError } from './errors.js';
import { DEFAULT_CHECKSUM, hashBlob } from './hash.js';
import { createLimiter, type Limiter } from './limiter.js';
import {
  callEndpoint,
  endpointOf,
  isPresignedUpload,
  type PresignBody,
  type PresignedUpload,
} from './request-presign.js';
import type { UploadProgress } from './send-with-progress.js';
import {
  DEFAULT_MULTIPART_THRESHOLD,
  uploadInQueue,
  type UploadFileOptions,
  type UploadResult,
} from './upload-file.js';

/** Where one file of {@link uploadFiles} stands. */
export type FileUploadStatus = 'queued' | 'uploading' | 'done' | 'error' | 'cancelled';

/** One file of {@link uploadFiles}: a new object each time anything about it changes. */
export interface FileUpload {
  /** Stable for the life of the queue: files are numbered in the order they were added, from 0. */
  id: number;
  file: Blob;
  /** `file.name`, or `upload` for a bare `Blob`. */
  name: string;
  status: FileUploadStatus;
  progress: UploadProgress;
  /** The object's key once `done`. */
  key?: string;
  /** What {@link uploadFile} resolved with, once `done`. */
  result?: UploadResult;
  /** Why it failed, once `error`: an {@link UploadError} (with `hint` when the browser hid the reason) or what else was thrown. */
  error?: unknown;
}

/** Options of {@link uploadFiles}: {@link UploadFileOptions} for every file, and the queue's own. */
export interface UploadFilesOptions extends Omit<UploadFileOptions, 'onProgress' | 'fileName' | 'contentType'> {
  /**
   * How many requests that carry bytes run at once, over all files: a single upload counts one,
   * each part of a multipart upload in flight counts one. At most as many files are started at once.
   * @default 4
   */
  concurrency?: number;
  /**
   * Presign up to this many small files (under `multipartThreshold`) in one request, when the
   * endpoint supports `presignBatch`; an endpoint that does not is asked file by file. `1` asks
   * file by file always. At most 100.
   * @default concurrency × 2
   */
  batchSize?: number;
  /** Aborting cancels every file, as `cancel()` does. Listened to only while a file is queued or uploading. */
  signal?: AbortSignal;
  /**
   * Progress over the files still wanted (neither cancelled nor failed); 100 once all are done.
   * Called when `onChange` is.
   */
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Called with every file's state, e.g. to render them: at once after a change of status, and with
   * progress at most every 50 ms, however many files report it.
   */
  onChange?: (files: readonly FileUpload[]) => void;
}

/** What {@link uploadFiles} returns: the files' states and the controls of the queue. */
export interface FileUploads {
  /** Every file ever added, in order, as they stand now. */
  readonly files: readonly FileUpload[];
  /** The same progress `onProgress` last reported. */
  readonly progress: UploadProgress;
  /** Queues more files; they start as a turn frees up. Returns them as queued. */
  add(files: Iterable<Blob>): FileUpload[];
  /** Cancels one file (by `id`), or every file not yet done; a multipart upload is aborted in the storage. */
  cancel(id?: number): void;
  /** Queues again one file that failed or was cancelled (by `id`), or every file that failed. */
  retry(id?: number): void;
  /** Resolves once no file is queued or uploading, and every cancelled upload has been dropped. */
  settled(): Promise<readonly FileUpload[]>;
}

const DEFAULT_CONCURRENCY = 4;
/** Small files hashed at once before their batch: enough to keep two cores busy while memory holds a slice of each. */
const HASH_CONCURRENCY = 2;
/** Progress reaches the callbacks at most this often: a hundred files report thousands of events a second. */
const PROGRESS_INTERVAL_MS = 50;

/**
 * Uploads several files with one budget of connections: at most `concurrency` requests carry bytes
 * at once, parts of multipart files included, and small files are presigned several to a request
 * when the endpoint supports it. Each file succeeds or fails on its own (a refused file does not
 * stop the others); any one, or all, can be cancelled, and failed ones retried.
 *
 * @example
 * ```ts
 * import { uploadFiles } from 'upload-presigner/client';
 *
 * const uploads = uploadFiles(input.files!, {
 *   endpoint: '/api/presign',
 *   onProgress: ({ percent }) => (total.value = percent),
 *   onChange: (files) => render(files), // each with status, progress, key or error
 * });
 * const files = await uploads.settled();
 * const failed = files.filter((file) => file.status === 'error');
 * if (failed.length > 0) uploads.retry();
 * ```
 */
export function uploadFiles(files: Iterable<Blob>, options: UploadFilesOptions): FileUploads {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY) || 1);
  const batchSize = Math.min(MAX_BATCH_FILES, Math.max(1, Math.floor(options.batchSize ?? concurrency * 2) || 1));
  const threshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
  const limiter = createLimiter(concurrency);
  const hashing = createLimiter(HASH_CONCURRENCY);
  const checksum = options.checksum ?? DEFAULT_CHECKSUM;
  const items: FileUpload[] = [];
  const controllers = new Map<number, AbortController>();
  const presignedAhead = new Map<number, Promise<PresignedUpload | undefined>>();
  /** The batch each file waits on, while its request is in flight: aborted once all its files are cancelled. */
  const batchOf = new Map<number, { waiting: Set<number>; controller: AbortController }>();
  const digests = new WeakMap<Blob, string>();
  let batchSupported = batchSize > 1;
  let waiters: Array<() => void> = [];
  let progress: UploadProgress = { loaded: 0, total: 0, percent: 100 };

  let progressTimer: ReturnType<typeof setTimeout> | undefined;
  const cancelAll = () => cancel();

  const update = (id: number, change: Partial<FileUpload>) => {
    items[id] = { ...items[id]!, ...change };
  };
  /** Reports where every file stands: called at once on a change of status, and by `notifySoon` for progress. */
  const notify = () => {
    clearTimeout(progressTimer);
    progressTimer = undefined;
    progress = totalProgress(items);
    options.onProgress?.(progress);
    options.onChange?.([...items]);
    const busy = controllers.size > 0 || items.some((item) => item.status === 'queued');
    // Listened to only while busy: a signal that outlives many batches must not keep each one alive.
    if (busy) options.signal?.addEventListener('abort', cancelAll);
    else {
      options.signal?.removeEventListener('abort', cancelAll);
      const settledNow = waiters;
      waiters = [];
      for (const resolve of settledNow) resolve();
    }
  };

  /** Reports progress within an interval, in one call however many events came meanwhile: the latest state. */
  const notifySoon = () => {
    progressTimer ??= setTimeout(notify, PROGRESS_INTERVAL_MS);
  };

  const pump = () => {
    for (const item of items) {
      if (controllers.size >= concurrency) return;
      if (item.status === 'queued') void start(item.id);
    }
  };

  const start = async (id: number) => {
    const controller = new AbortController();
    controllers.set(id, controller);
    const { file } = items[id]!;
    update(id, { status: 'uploading' });
    notify();
    try {
      const presigned = await presignFor(id);
      // Cancelled while its batch was presigned: nothing of it may reach the endpoint or the storage.
      controller.signal.throwIfAborted();
      const result = await uploadInQueue(file, {
        ...options,
        signal: controller.signal,
        limiter,
        presigned,
        digests,
        onProgress: (fileProgress) => {
          if (controller.signal.aborted) return;
          update(id, { progress: fileProgress });
          notifySoon();
        },
      });
      if (!controller.signal.aborted) update(id, { status: 'done', key: result.key, result, progress: full(file) });
    } catch (error) {
      if (!controller.signal.aborted) update(id, { status: 'error', error });
    } finally {
      controllers.delete(id);
      pump();
      notify();
    }
  };

  /** The file's URL from a batch: signed now with the queued small files after it, or earlier with files before it. */
  const presignFor = (id: number): Promise<PresignedUpload | undefined> => {
    const ahead = presignedAhead.get(id);
    presignedAhead.delete(id);
    if (ahead) return ahead;
    const small = (item: FileUpload) => item.file.size > 0 && item.file.size < threshold;
    if (!batchSupported || !small(items[id]!)) return Promise.resolve(undefined);
    const batch = [id];
    for (const item of items) {
      if (batch.length >= batchSize) break;
      if (item.id !== id && item.status === 'queued' && small(item) && !presignedAhead.has(item.id))
        batch.push(item.id);
    }
    const waiting = { waiting: new Set(batch), controller: new AbortController() };
    for (const member of batch) batchOf.set(member, waiting);
    const { signal } = waiting.controller;
    const bodies = Promise.all(batch.map((member) => hashedBody(items[member]!.file, signal)));
    const answers = bodies.then(async (all) => {
      const hashed = all.filter((body) => body !== undefined);
      const results = hashed.length > 0 ? await presignBatch(hashed, signal) : undefined;
      return all.map((body) => body && results?.[hashed.indexOf(body)]);
    });
    void answers.finally(() => {
      for (const member of waiting.waiting) if (batchOf.get(member) === waiting) batchOf.delete(member);
    });
    batch.forEach((member, index) => {
      const answer = answers.then((results) => (results[index] ? readBatchItem(results[index]) : undefined));
      // An answer nobody takes (the file was cancelled) must not surface as an unhandled rejection.
      answer.catch(() => undefined);
      if (member !== id) presignedAhead.set(member, answer);
    });
    return answers.then((results) => (results[0] ? readBatchItem(results[0]) : undefined));
  };

  /**
   * A small file's presign request with its digest, which the batch signs as a single presign
   * would; `undefined` when the file could not be read, so that it presigns alone and fails alone.
   */
  const hashedBody = async (file: Blob, signal: AbortSignal): Promise<PresignBody | undefined> => {
    const body = presignBody(file);
    if (checksum === 'none') return body;
    const known = digests.get(file);
    if (known !== undefined) return { ...body, checksum: known };
    const digest = hashing.run(() => hashBlob(file, checksum, { signal }), signal);
    return digest.then(
      (value) => (digests.set(file, value), { ...body, checksum: value }),
      () => undefined,
    );
  };

  /** Resolves with the endpoint's answers, or `undefined` when each file is to be presigned on its own. */
  const presignBatch = async (bodies: PresignBody[], signal: AbortSignal): Promise<BatchItem[] | undefined> => {
    const target = { ...endpointOf(options), signal };
    const isAnswer = (value: unknown): value is { results: BatchItem[] } =>
      Array.isArray((value as { results?: unknown } | null)?.results) &&
      (value as { results: unknown[] }).results.length === bodies.length;
    try {
      const call = { name: 'presignBatch', expected: 'one answer per file' };
      const { results } = await callEndpoint(target, { action: 'presignBatch', files: bodies }, call, isAnswer);
      return results;
    } catch (error) {
      // An endpoint from before batches answers 400 to an unknown action: stop asking it.
      if (isUploadError(error) && error.status === 400) batchSupported = false;
      return undefined;
    }
  };

  const queue = (blobs: Iterable<Blob>) =>
    [...blobs].map((file) => {
      const item: FileUpload = { id: items.length, file, name: nameOf(file), status: 'queued', progress: empty(file) };
      items.push(item);
      return item;
    });

  const cancel = (id?: number) => {
    for (const item of id === undefined ? items : items.slice(id, id + 1)) {
      if (item.status !== 'queued' && item.status !== 'uploading') continue;
      presignedAhead.delete(item.id);
      const reason = new DOMException(`The upload of ${item.name} was cancelled.`, 'AbortError');
      controllers.get(item.id)?.abort(reason);
      const batch = batchOf.get(item.id);
      batchOf.delete(item.id);
      batch?.waiting.delete(item.id);
      // The other files of a batch still need its answer; only a batch no file waits for is dropped.
      if (batch?.waiting.size === 0) batch.controller.abort(reason);
      update(item.id, { status: 'cancelled' });
    }
    notify();
  };

  queue(files);
  if (options.signal?.aborted) cancel();
  pump();
  if (items.length > 0) notify();

  return {
    get files() {
      return [...items];
    },
    get progress() {
      return progress;
    },
    add(blobs) {
      const added = queue(blobs);
      if (options.signal?.aborted) cancel();
      pump();
      notify();
      return added;
    },
    cancel,
    retry(id) {
      for (const item of id === undefined ? items : items.slice(id, id + 1)) {
        const again = item.status === 'error' || (id !== undefined && item.status === 'cancelled');
        // A cancelled file is queued again only once its last attempt has stopped.
        if (!again || controllers.has(item.id)) continue;
        items[item.id] = {
          id: item.id,
          file: item.file,
          name: item.name,
          status: 'queued',
          progress: empty(item.file),
        };
      }
      pump();
      notify();
    },
    settled() {
      const idle = controllers.size === 0 && !items.some((item) => item.status === 'queued');
      if (idle) return Promise.resolve([...items]);
      return new Promise((resolve) => waiters.push(() => resolve([...items])));
    },
  };
}

/** A batch item as a single presign would have ended: its URL, or the error (thrown unless trying alone could pass). */
function readBatchItem(item: BatchItem): PresignedUpload | undefined {
  if (isPresignedUpload(item)) return item;
  const { status, error } = item as Extract<BatchItem, { status: number }>;
  // A transient failure is presigned again on its own, with the usual retries.
  if (typeof status !== 'number' || isTransientStatus(status)) return undefined;
  const label = [status, error?.code].filter(Boolean).join(' ');
  throw new UploadError(`Presign failed (${label}): ${error?.message ?? 'refused'}`, {
    stage: 'presign',
    status,
    code: error?.code,
    detail: error?.message,
  });
}

function presignBody(file: Blob): PresignBody {
  return { fileName: nameOf(file), contentType: file.type || 'application/octet-stream', size: file.size };
}

function nameOf(file: Blob): string {
  return (file as Partial<File>).name ?? 'upload';
}

function empty(file: Blob): UploadProgress {
  return { loaded: 0, total: file.size, percent: 0 };
}

function full(file: Blob): UploadProgress {
  return { loaded: file.size, total: file.size, percent: 100 };
}

/** Bytes sent of the files still wanted, over their size: 100 only once every one of them is done. */
function totalProgress(items: readonly FileUpload[]): UploadProgress {
  const wanted = items.filter((item) => item.status !== 'cancelled' && item.status !== 'error');
  const loaded = wanted.reduce((sum, item) => sum + item.progress.loaded, 0);
  const total = wanted.reduce((sum, item) => sum + item.file.size, 0);
  if (wanted.every((item) => item.status === 'done')) return { loaded, total, percent: 100 };
  return { loaded, total, percent: total === 0 ? 0 : Math.min(99, Math.floor((loaded / total) * 100)) };
}
