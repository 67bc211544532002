import { sendWithProgress } from './send-with-progress.js';

/** A budget of tasks that may run at once, shared by whoever holds it. */
export interface Limiter {
  /**
   * Runs `task` once fewer than the limit are running, first come first served. An abort while it
   * waits takes it out of the queue and rejects with the signal's reason; the task never starts.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tasks running now. */
  readonly running: number;
  /** Tasks waiting for a turn. */
  readonly waiting: number;
}

/**
 * A first-come-first-served budget of `limit` tasks at once. `uploadFiles` gives one to every
 * request that carries bytes (a single PUT or POST, each part of a multipart upload), so that many
 * files and their parts never open more than `limit` uploads together.
 *
 * @example
 * ```ts
 * const limiter = createLimiter(4);
 * const responses = await Promise.all(urls.map((url) => limiter.run(() => fetch(url))));
 * ```
 */
export function createLimiter(limit: number): Limiter {
  const slots = Math.max(1, Math.floor(limit) || 1);
  const queue: Array<() => void> = [];
  let running = 0;

  const release = () => {
    running--;
    const next = queue.shift();
    if (next) next();
  };

  return {
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
    run(task, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const start = () => {
          signal?.removeEventListener('abort', leave);
          running++;
          // A task that throws before returning a promise still gives its turn back.
          Promise.resolve().then(task).then(resolve, reject).finally(release);
        };
        const leave = () => {
          const index = queue.indexOf(start);
          if (index >= 0) queue.splice(index, 1);
          reject(signal!.reason);
        };
        if (running < slots) return start();
        signal?.addEventListener('abort', leave, { once: true });
        queue.push(start);
      });
    },
  };
}

/**
 * {@link sendWithProgress}, each request waiting for its turn in `limiter` (when there is one).
 *
 * @example
 * ```ts
 * const send = limitedSend(createLimiter(4));
 * const response = await send({ method: 'PUT', url, headers, body: part, fileSize: part.size });
 * ```
 */
export function limitedSend(limiter: Limiter | undefined): typeof sendWithProgress {
  if (!limiter) return sendWithProgress;
  return (request) => limiter.run(() => sendWithProgress(request), request.signal);
}
