/** Progress of one upload, as the browser reports it while sending. */
export interface UploadProgress {
  /** Bytes of the file sent so far. */
  loaded: number;
  /** The file's size in bytes. */
  total: number;
  /** `loaded / total` as a whole percentage, 0–100; a multipart upload holds it at 99 until the storage has put the parts together. */
  percent: number;
}

/** One request for {@link sendWithProgress}. */
export interface SendRequest {
  method: 'PUT' | 'POST';
  url: string;
  /** Request headers; names that browsers forbid scripts to set are skipped. */
  headers?: Record<string, string>;
  body: Blob | FormData;
  /** The file's size, so progress counts file bytes even when a form envelope surrounds them. */
  fileSize: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
}

/** What came back. `status` is 0 when the browser got no readable response (network error, CORS). */
export interface SendResponse {
  status: number;
  /**
   * Whether the whole body left the browser. With status 0 it tells a refused CORS preflight
   * (nothing sent) from an answer the browser hid after the upload (an error without CORS headers).
   */
  bodySent: boolean;
  body: string;
  header(name: string): string | null;
}

/**
 * Sends a body with XMLHttpRequest, the only browser API that reports upload progress for every
 * body type. Resolves with whatever status came back (0 included) and leaves its meaning to the
 * caller; rejects only with the signal's reason when aborted.
 *
 * @example
 * ```ts
 * const response = await sendWithProgress({
 *   method: 'PUT', url: presigned.uploadUrl, headers: presigned.headers, body: file, fileSize: file.size,
 *   onProgress: ({ percent }) => (bar.value = percent),
 * });
 * if (response.status !== 200) console.log(response.body);
 * ```
 */
export function sendWithProgress(request: SendRequest): Promise<SendResponse> {
  const { signal, onProgress, fileSize } = request;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open(request.method, request.url);
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (!isForbiddenHeader(name)) xhr.setRequestHeader(name, value);
    }
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal?.removeEventListener('abort', onAbort);

    // Registered even without onProgress: upload listeners make every request preflighted, so a
    // POST form that CORS refuses is never sent (as a "simple" request it would be stored unseen).
    xhr.upload.addEventListener('progress', (event) => {
      if (!onProgress || !event.lengthComputable || event.total === 0) return;
      // A POST form is larger than the file: scale to file bytes so 100% means the file is sent.
      const loaded = Math.min(fileSize, Math.round((event.loaded / event.total) * fileSize));
      onProgress({ loaded, total: fileSize, percent: percentOf(loaded, fileSize) });
    });
    let bodySent = false;
    xhr.upload.addEventListener('load', () => (bodySent = true));
    xhr.addEventListener('load', () => {
      settle();
      resolve({
        status: xhr.status,
        bodySent: true,
        body: xhr.responseText,
        header: (name) => xhr.getResponseHeader(name),
      });
    });
    // Both fire with status 0 and no details: the browser never says whether CORS or the network failed.
    const onNetworkError = () => {
      settle();
      resolve({ status: 0, bodySent, body: '', header: () => null });
    };
    xhr.addEventListener('error', onNetworkError);
    xhr.addEventListener('timeout', onNetworkError);
    xhr.addEventListener('abort', () => {
      settle();
      reject(signal?.reason ?? new DOMException('The upload was aborted.', 'AbortError'));
    });
    xhr.send(request.body);
  });
}

/**
 * Whole percent, floored so that 100 is only reported once every byte is sent.
 *
 * @example
 * ```ts
 * percentOf(999, 1000); // 99
 * ```
 */
function percentOf(loaded: number, total: number): number {
  return total === 0 ? 100 : Math.floor((loaded / total) * 100);
}

// https://fetch.spec.whatwg.org/#forbidden-request-header: setting these throws or is ignored.
const FORBIDDEN_HEADERS = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);

/**
 * Tells whether a browser refuses to let scripts set the header. The presign endpoint returns
 * `content-length` when the size is signed; the browser sends the right value by itself.
 *
 * @example
 * ```ts
 * isForbiddenHeader('Content-Length'); // true
 * isForbiddenHeader('content-type'); // false
 * ```
 */
export function isForbiddenHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-');
}
