import { isUploadError } from './errors.js';

/** How {@link withRetries} tries again. */
export interface RetryOptions {
  /** Tries after the first; only an `UploadError` marked `retryable` is tried again. */
  retries: number;
  /** First wait in ms; doubles each time, with jitter. */
  retryDelay: number;
  /** Ends the waits and the tries; the promise then rejects with its reason. */
  signal?: AbortSignal | undefined;
}

const MAX_RETRY_DELAY = 15_000;

/**
 * Runs `attempt` until it succeeds, fails for good (not a retryable `UploadError`, or out of tries),
 * or the signal aborts. A single upload, a part and each endpoint call all retry by these rules.
 *
 * @example
 * ```ts
 * const presigned = await withRetries(() => requestPresign(target, body), { retries: 2, retryDelay: 500, signal });
 * ```
 */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { signal } = options;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!isUploadError(error) || !error.retryable || tries >= options.retries) throw error;
      await sleep(backoff(tries, options.retryDelay), signal);
    }
  }
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
