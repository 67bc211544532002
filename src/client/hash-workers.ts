import type { ChecksumAlgorithm } from '../protocol.js';
import type { HashAnswer, HashJob } from './hash-worker.js';
import { HASH_WORKER_SOURCE } from './hash-worker-source.js';

// The Workers that hash off the page's thread, so that hashing a large file never freezes the
// page. They start from a Blob URL on the first job and end after a while without one. Where a
// Worker cannot start (no Worker, a Content-Security-Policy without `worker-src blob:`), every
// job fails with WorkersUnavailable and the caller hashes on the page's thread instead.

/** Workers hashing at once: parts of a multipart upload are hashed side by side, up to this many. */
const MAX_WORKERS = 2;
/** Workers left idle this long end, and give back their memory (a slice and hash-wasm's). */
const IDLE_MS = 10_000;

/** No Worker can hash here; hash on the page's thread. */
export class WorkersUnavailable extends Error {}

interface Pending extends HashJob {
  resolve(digest: string): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
}

interface Slot {
  worker: Worker;
  job?: Pending | undefined;
}

let scriptUrl: string | undefined;
let unavailable = false;
let nextId = 0;
const slots: Slot[] = [];
const queue: Pending[] = [];
let idleTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * The base64 digest of `blob`'s bytes `start` to `end`, hashed by one of the page's hashing Workers.
 *
 * @throws WorkersUnavailable where no Worker can start; the signal's reason once it aborts.
 * @example
 * ```ts
 * const checksum = await hashInWorker(file, 'md5', { start: 0, end: file.size });
 * ```
 */
export function hashInWorker(
  blob: Blob,
  algorithm: ChecksumAlgorithm,
  { start, end, signal }: { start: number; end: number; signal?: AbortSignal | undefined },
): Promise<string> {
  if (unavailable || typeof Worker !== 'function') return Promise.reject(new WorkersUnavailable());
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<string>((resolve, reject) => {
    const job: Pending = { id: nextId++, blob, algorithm, start, end, resolve, reject, signal };
    const cancel = () => abandon(job, signal!.reason);
    signal?.addEventListener('abort', cancel, { once: true });
    job.resolve = (digest) => (signal?.removeEventListener('abort', cancel), resolve(digest));
    job.reject = (reason) => (signal?.removeEventListener('abort', cancel), reject(reason));
    queue.push(job);
    dispatch();
  });
}

/** Hands queued jobs to idle workers, starting workers up to MAX_WORKERS. */
function dispatch(): void {
  clearTimeout(idleTimer);
  while (queue.length > 0 && !unavailable) {
    const slot = slots.find((candidate) => !candidate.job) ?? (slots.length < MAX_WORKERS ? startWorker() : undefined);
    if (!slot) return;
    const job = queue.shift()!;
    slot.job = job;
    const { id, blob, algorithm, start, end } = job;
    slot.worker.postMessage({ id, blob, algorithm, start, end } satisfies HashJob);
  }
  if (slots.every((slot) => !slot.job)) idleTimer = setTimeout(endAll, IDLE_MS);
}

function startWorker(): Slot | undefined {
  try {
    scriptUrl ??= URL.createObjectURL(new Blob([HASH_WORKER_SOURCE], { type: 'text/javascript' }));
    const slot: Slot = { worker: new Worker(scriptUrl) };
    slot.worker.onmessage = ({ data }: MessageEvent<HashAnswer>) => {
      const job = slot.job;
      if (!job || job.id !== data.id) return;
      slot.job = undefined;
      if ('digest' in data) job.resolve(data.digest);
      // As the page's thread would have thrown it, e.g. NotReadableError for a file changed since it was picked.
      else job.reject(new DOMException(data.error.message, data.error.name));
      dispatch();
    };
    // The script did not load (a Content-Security-Policy, most likely): no Worker will.
    slot.worker.onerror = () => giveUp();
    slots.push(slot);
    return slot;
  } catch {
    giveUp();
    return undefined;
  }
}

/** Ends every worker and fails every job with WorkersUnavailable, for the page's thread to take over. */
function giveUp(): void {
  unavailable = true;
  const jobs = [...slots.flatMap((slot) => (slot.job ? [slot.job] : [])), ...queue.splice(0)];
  endAll();
  for (const job of jobs) job.reject(new WorkersUnavailable());
}

/** A cancelled job: dropped from the queue, or its worker ended (a new one starts when needed). */
function abandon(job: Pending, reason: unknown): void {
  const queued = queue.indexOf(job);
  if (queued >= 0) queue.splice(queued, 1);
  const slot = slots.find((candidate) => candidate.job === job);
  if (slot) {
    slot.worker.terminate();
    slots.splice(slots.indexOf(slot), 1);
  }
  job.reject(reason);
  dispatch();
}

function endAll(): void {
  clearTimeout(idleTimer);
  for (const slot of slots.splice(0)) slot.worker.terminate();
}
