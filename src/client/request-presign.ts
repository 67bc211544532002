import type { ActionBody, PresignBody, PresignResult } from '../protocol.js';
import { isTransientStatus, PRESIGN_NETWORK_HINT, UploadError } from './errors.js';

export type { PresignBody };

/** What the presign endpoint answers: the protocol's {@link PresignResult}, under the client's former name. */
export type PresignedUpload = PresignResult;

/**
 * Extra headers for the presign endpoint: fixed, or a function (possibly async) called before each
 * request, so that a token can be refreshed during a multipart upload that runs for hours.
 *
 * @example
 * ```ts
 * const headers: EndpointHeaders = async () => ({ authorization: `Bearer ${await auth.currentToken()}` });
 * ```
 */
export type EndpointHeaders = Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);

/** How to reach the presign endpoint. */
export interface PresignEndpoint {
  /** URL of the presign endpoint (`createHttpHandler` or an adapter), e.g. `/api/presign`. */
  endpoint: string;
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }`, or a function that gives them for each request. */
  headers?: EndpointHeaders | undefined;
  /** On an endpoint with profiles, the one to use, e.g. `avatar`: sent as each body's `profile`. */
  profile?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Where an upload's requests go: the endpoint, its headers and profile, picked from its options.
 *
 * @example
 * ```ts
 * const target = { ...endpointOf(options), signal };
 * ```
 */
export function endpointOf({ endpoint, headers, profile }: PresignEndpoint): PresignEndpoint {
  return { endpoint, headers, profile };
}

/**
 * Asks the presign endpoint for an upload URL. Every failure becomes an {@link UploadError} with
 * `stage: 'presign'`, except an abort, which rejects with the signal's reason.
 *
 * @example
 * ```ts
 * const presigned = await requestPresign({ endpoint: '/api/presign' }, { fileName: 'a.jpg', contentType: 'image/jpeg', size: 1234 });
 * ```
 */
export function requestPresign(target: PresignEndpoint, body: PresignBody): Promise<PresignedUpload> {
  return callEndpoint(target, body, { name: 'Presign', expected: 'an upload URL' }, isPresignedUpload);
}

/** How {@link callEndpoint} names a call in its errors. */
export interface EndpointCall {
  /** Starts each message, e.g. `Presign` or `completeMultipart`. */
  name: string;
  /** What a 200 must carry, for the message when it does not, e.g. `an upload URL`. */
  expected: string;
}

/**
 * POSTs `body` as JSON to the presign endpoint and returns its JSON answer once `isExpected`
 * accepts it. Every failure becomes an {@link UploadError} with `stage: 'presign'` (the endpoint's
 * stage), retryable when the endpoint could not be reached or answered 408, 429 or 5xx; an abort
 * rejects with the signal's reason.
 *
 * @example
 * ```ts
 * const parts = await callEndpoint(target, { action: 'listParts', token }, { name: 'listParts', expected: 'parts' }, isPartList);
 * ```
 */
export async function callEndpoint<T>(
  target: PresignEndpoint,
  body: ActionBody,
  call: EndpointCall,
  isExpected: (value: unknown) => value is T,
): Promise<T> {
  const headers = await headersFor(target, call);
  let response: Response;
  try {
    response = await fetch(target.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(target.profile === undefined ? body : { ...body, profile: target.profile }),
      signal: target.signal,
    });
  } catch (cause) {
    if (target.signal?.aborted) throw target.signal.reason;
    throw new UploadError(`${call.name} failed: no response from ${target.endpoint}.`, {
      stage: 'presign',
      status: 0,
      hint: PRESIGN_NETWORK_HINT,
      retryable: true,
      cause,
    });
  }
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) {
    const error = readErrorBody(json);
    const label = [response.status, error.code].filter(Boolean).join(' ');
    throw new UploadError(
      `${call.name} failed (${label}): ${error.message ?? (text.slice(0, 200) || response.statusText)}`,
      {
        stage: 'presign',
        status: response.status,
        code: error.code,
        detail: error.message,
        retryable: isTransientStatus(response.status),
      },
    );
  }
  if (!isExpected(json)) {
    throw new UploadError(
      `${call.name} failed: ${target.endpoint} answered 200 without ${call.expected}; is it the presign endpoint?`,
      { stage: 'presign', status: response.status, code: 'INVALID_RESPONSE' },
    );
  }
  return json;
}

async function headersFor(target: PresignEndpoint, call: EndpointCall): Promise<Record<string, string> | undefined> {
  if (typeof target.headers !== 'function') return target.headers;
  try {
    return await target.headers();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new UploadError(`${call.name} failed: the headers function threw: ${reason}`, {
      stage: 'presign',
      status: 0,
      code: 'HEADERS_FAILED',
      cause,
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readErrorBody(json: unknown): { code?: string; message?: string } {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return {
    code: typeof error?.code === 'string' ? error.code : undefined,
    message: typeof error?.message === 'string' ? error.message : undefined,
  };
}

/**
 * Tells whether an endpoint's answer is an upload URL with what sending to it needs.
 *
 * @example
 * ```ts
 * if (!isPresignedUpload(json)) throw new Error('not the presign endpoint');
 * ```
 */
export function isPresignedUpload(value: unknown): value is PresignedUpload {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as Record<string, unknown>;
  if (typeof result.uploadUrl !== 'string' || typeof result.key !== 'string') return false;
  if (result.method === 'PUT') return typeof result.headers === 'object' && result.headers !== null;
  return result.method === 'POST' && typeof result.fields === 'object' && result.fields !== null;
}
