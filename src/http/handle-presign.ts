import { ERROR_STATUS, isPresignError, PresignError, type PresignErrorCode } from '../errors.js';
import { ACTIONS, type Action } from '../protocol.js';
import { checkHandlerOptions, parseRequest } from '../core/config.js';
import { parseContentType } from '../core/content-type.js';
import { profileChooser, type Presigners, type Profiles } from '../core/profiles.js';
import { formatSize } from '../format-size.js';
import { PresignRequestSchema } from '../schemas.js';
import type { HandlerOptions, HttpRequest, HttpResponse } from '../types.js';

/** The largest presign request body, unless `maxBodySize` says otherwise: a real one is ~100 bytes. */
export const DEFAULT_MAX_BODY_SIZE = 16 * 1024;
const ALLOWED_METHODS = 'POST, OPTIONS';

/**
 * Makes every decision about a presign request: method, body size and parsing, CORS, auth,
 * validation, status codes and error bodies. Adapters only translate their runtime to and from
 * it, so every adapter answers the same request the same way. Given {@link Profiles} instead of
 * one presigner, it serves each request with the profile its body names (`"profile": "avatar"`).
 *
 * @example
 * ```ts
 * const handle = createHttpHandler(presigner, { allowedOrigins: ['https://app.example.com'] });
 * const serveBoth = createHttpHandler({ avatar: avatarPresigner, document: documentPresigner });
 * const { status, headers, body } = await handle({ method: 'POST', headers: {}, body: '{"fileName":"a.jpg","contentType":"image/jpeg"}' });
 * ```
 */
export function createHttpHandler<Context, Raw = unknown>(
  presigners: Presigners<Context>,
  options: HandlerOptions<Context, Raw> = {},
): (request: HttpRequest<Raw>) => Promise<HttpResponse> {
  const choose = profileChooser(presigners);
  checkHandlerOptions(options);
  const allowedOrigins = new Set(options.allowedOrigins);
  const maxBodySize = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  const allowedHeaders = (options.allowedHeaders ?? ['content-type', 'authorization']).join(', ');
  const reportError = options.onError ?? logError;

  function corsHeaders(origin: string | undefined): Record<string, string> {
    if (allowedOrigins.size === 0) return {};
    const headers: Record<string, string> = { vary: 'Origin' };
    if (origin && (allowedOrigins.has(origin) || allowedOrigins.has('*'))) {
      headers['access-control-allow-origin'] = allowedOrigins.has('*') ? '*' : origin;
      if (options.allowCredentials) headers['access-control-allow-credentials'] = 'true';
    }
    return headers;
  }

  return async (request) => {
    const cors = corsHeaders(request.headers.origin);
    const json = (status: number, value: unknown, extra: Record<string, string> = {}): HttpResponse =>
      jsonResponse(status, value, { ...cors, ...extra });
    try {
      const method = request.method.toUpperCase();
      if (method === 'OPTIONS') {
        const preflight = 'access-control-allow-origin' in cors && request.headers['access-control-request-method'];
        return {
          status: 204,
          headers: preflight
            ? {
                ...cors,
                'access-control-allow-methods': ALLOWED_METHODS,
                'access-control-allow-headers': allowedHeaders,
                'access-control-max-age': '600',
              }
            : { ...cors, allow: ALLOWED_METHODS },
          body: '',
        };
      }
      if (method !== 'POST') {
        throw new PresignError('METHOD_NOT_ALLOWED', `Use POST to ask for an upload URL, not ${method}.`);
      }
      assertJsonBody(request.headers['content-type']);
      const input = parseBody(request.body, request.headers['content-length'], maxBodySize);
      const action = actionOf(input);
      const { presigner, profile } = choose(input);
      // `authorize` may decide by profile, e.g. that only editors upload videos.
      if (profile !== undefined) request = { ...request, profile };
      if (action === 'presignBatch') {
        // Loaded when a batch first arrives, like every action's code but a presign's (cold starts).
        const { presignBatch, singlePresignRequest } = await import('./presign-batch.js');
        const presignOne = async (file: unknown) => {
          const context = await authorize(options.authorize, singlePresignRequest(request, file));
          const result = await presigner.presign(parseRequest(PresignRequestSchema, file, 'presign request'), context);
          await options.onPresign?.(result, context);
          return result;
        };
        return json(200, await presignBatch(input, presignOne, reportError));
      }
      const context = await authorize(options.authorize, request);
      // The presigner's types serve callers in code; a JSON body is checked by the same schemas.
      if (action === 'presign') {
        const result = await presigner.presign(parseRequest(PresignRequestSchema, input, 'presign request'), context);
        await options.onPresign?.(result, context);
        return json(200, result);
      }
      if (action === 'verify') return json(200, await presigner.verify(verifyRequest(input), context));
      // Only a presign is on the path of a cold start; the other bodies' schemas load when first needed.
      const schemas = await import('../action-schemas.js');
      if (action === 'createMultipart') {
        const upload = parseRequest(schemas.CreateMultipartSchema, input, 'createMultipart request');
        const result = await presigner.createMultipart(upload, context);
        await options.onPresign?.(result, context);
        return json(200, result);
      }
      if (action === 'signParts') {
        const parts = parseRequest(schemas.SignPartsSchema, input, 'signParts request');
        return json(200, await presigner.signParts(parts, context));
      }
      if (action === 'completeMultipart') {
        const request = parseRequest(schemas.CompleteMultipartSchema, input, 'completeMultipart request');
        return json(200, await presigner.completeMultipart(request, context));
      }
      return json(
        200,
        await presigner[action](parseRequest(schemas.UploadTokenSchema, input, `${action} request`), context),
      );
    } catch (error) {
      const known = isPresignError(error) ? error : undefined;
      if (!known || known.status >= 500) {
        reportSafely(reportError, error);
        return serverError(known?.code ?? 'INTERNAL_ERROR', cors);
      }
      return json(known.status, known.toJSON(), known.code === 'METHOD_NOT_ALLOWED' ? { allow: ALLOWED_METHODS } : {});
    }
  };
}

/**
 * What a body asks for: no `action` is the original contract (a presign); the others name the
 * presigner method they run, e.g. `{"action":"verify","receipt":"…"}` or
 * `{"action":"signParts","token":"…","partNumbers":[1,2]}`.
 */
function actionOf(input: unknown): Action {
  const action = typeof input === 'object' && input !== null ? (input as { action?: unknown }).action : undefined;
  if (action === undefined) return 'presign';
  if (!ACTIONS.includes(action as Action)) {
    throw new PresignError(
      'INVALID_REQUEST',
      `Unknown action ${JSON.stringify(action)}: use one of ${ACTIONS.join(', ')}, or none to presign.`,
    );
  }
  return action as Action;
}

/**
 * A browser proves which upload is its own with the receipt it was given; a bare key would let any
 * caller claim, or have removed, anyone's upload. Only server code verifies by key.
 */
function verifyRequest(input: unknown): { receipt: string } {
  const { receipt, key } = input as { receipt?: unknown; key?: unknown };
  if (typeof receipt === 'string') return { receipt };
  if (key !== undefined && receipt === undefined) {
    throw new PresignError(
      'RECEIPT_REQUIRED',
      'Verify over HTTP takes the receipt that presign returned, {"action":"verify","receipt":"…"}, not a key.',
    );
  }
  throw new PresignError('INVALID_REQUEST', 'Invalid verify request: receipt must be the string presign returned.');
}

/**
 * Serves only bodies declared as JSON. A form or `fetch(…, { mode: 'no-cors' })` on another site can
 * send `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data` with the user's
 * cookies and no preflight (a cross-site request forgery against a cookie-based `authorize`);
 * `application/json` always needs a preflight, which CORS answers. Checked even when a framework
 * parsed the body already, since `express.json()` can be told to parse any type.
 */
function assertJsonBody(contentType: string | undefined): void {
  if (parseContentType(contentType ?? '')?.essence === 'application/json') return;
  throw new PresignError(
    'UNSUPPORTED_MEDIA_TYPE',
    `The request body must be declared as JSON: send "content-type: application/json" (this request sent ${contentType ? 'another type' : 'none'}).`,
  );
}

function parseBody(body: unknown, contentLength: string | undefined, maxBodySize: number): unknown {
  const raw = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  if (raw === undefined || raw === null || (raw instanceof Uint8Array && raw.length === 0)) {
    throw new PresignError(
      'INVALID_JSON',
      'The request body must be JSON such as {"fileName":"a.jpg","contentType":"image/jpeg"}.',
    );
  }
  // A framework may have parsed the body already (express.json()): its declared length still counts.
  const size = raw instanceof Uint8Array ? raw.byteLength : Number(contentLength ?? 0);
  if (size > maxBodySize) {
    throw new PresignError('BODY_TOO_LARGE', `The request body is over ${formatSize(maxBodySize)}.`);
  }
  if (!(raw instanceof Uint8Array)) return raw;
  try {
    return JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new PresignError('INVALID_JSON', 'The request body is not valid JSON.');
  }
}

async function authorize<Context, Raw>(
  hook: HandlerOptions<Context, Raw>['authorize'],
  request: HttpRequest<Raw>,
): Promise<Context> {
  if (!hook) return undefined as Context;
  try {
    return await hook(request);
  } catch (error) {
    if (isPresignError(error) && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) throw error;
    throw new PresignError('UNAUTHORIZED', 'Authentication failed.', { cause: error });
  }
}

/** A JSON answer, with the headers every answer of the endpoint carries. */
function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(value),
  };
}

/**
 * The 5xx every layer answers with: the code, and a message that tells the caller nothing an
 * attacker could use; the details go to the log. Adapters use it for failures before the handler.
 */
export function serverError(code: PresignErrorCode, headers: Record<string, string> = {}): HttpResponse {
  const message =
    code === 'INVALID_OPTIONS'
      ? 'The upload endpoint is misconfigured; the server log says why.'
      : 'The upload could not be prepared; the server log says why.';
  return jsonResponse(ERROR_STATUS[code], { error: { code, message } }, headers);
}

export function reportSafely(reportError: (error: unknown) => void, error: unknown): void {
  try {
    reportError(error);
  } catch {
    // A failing reporter must not turn an answer into a hang.
  }
}

/** The default error report: one line, no stack, the cause's message when there is one. */
export function logError(error: unknown): void {
  const cause = isPresignError(error) ? error.cause : undefined;
  const describe = (value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : String(value));
  console.error(`[upload-presigner] ${describe(error)}${cause ? ` (cause: ${describe(cause)})` : ''}`);
}
