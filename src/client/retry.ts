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
 * While the browser is offline, a failed try waits for the network to come back and does not count:
 * a lost network pauses the upload for as long as it lasts, and only the signal ends that wait.
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
      if (!isUploadError(error)) throw error;
      // No response while offline is the network, even where it could have been CORS online.
      if (isOffline() && (error.retryable || error.status === 0)) {
        await backOnline(signal);
        tries--;
        continue;
      }
      if (!error.retryable || tries >= options.retries) throw error;
      await sleep(backoff(tries, options.retryDelay), signal);
    }
  }
}

/** Exponential backoff with jitter, so that many clients failing together do not retry together. */
function backoff(attempt: number, baseDelay: number): number {
  const exponential = Math.min(MAX_RETRY_DELAY, baseDelay * 2 ** attempt);
  return exponential / 2 + Math.random() * (exponential / 2);
}

/** Only a browser says it is offline; elsewhere every failure counts. */
function isOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false && typeof addEventListener === 'function';
}

function backOnline(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      removeEventListener('online', online);
      signal?.removeEventListener('abort', aborted);
    };
    const online = () => (done(), resolve());
    const aborted = () => (done(), reject(signal!.reason));
    addEventListener('online', online);
    signal?.addEventListener('abort', aborted, { once: true });
    // The network may have come back between the failure and now.
    if (!isOffline()) online();
  });
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
