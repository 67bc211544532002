import { isPresignError, PresignError } from '../errors.js';
import type { HandlerOptions, HttpRequest, HttpResponse, Presigner } from '../types.js';


const DEFAULT_MAX_BODY_SIZE = 16 * 1024;
const ALLOWED_METHODS = 'POST, OPTIONS';

/**
 * Makes every decision about a presign request: method, body size and parsing, CORS, auth,
 * validation, status codes and error bodies. Adapters only translate their runtime to and from
 * it, so every adapter answers the same request the same way.
 *
 * @example
 * ```ts
 * const handle = createHttpHandler(presigner, { allowedOrigins: ['https://app.example.com'] });
 * const { status, headers, body } = await handle({ method: 'POST', headers: {}, body: '{"fileName":"a.jpg","contentType":"image/jpeg"}' });
 * ```
 */
export function createHttpHandler<Context>(
  presigner: Presigner<Context>,
  options: HandlerOptions<Context> = {},
): (request: HttpRequest) => Promise<HttpResponse> {
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  if (allowedOrigins.has('*') && options.allowCredentials) {
    throw new PresignError(
      'INVALID_OPTIONS',
      'Invalid handler option "allowedOrigins": "*" cannot be combined with allowCredentials; list the origins.',
    );
  }
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
    const json = (status: number, value: unknown, extra: Record<string, string> = {}): HttpResponse => ({
      status,
      headers: { ...cors, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra },
      body: JSON.stringify(value),
    });
    try {
      const method = request.method.toUpperCase();
      if (method === 'OPTIONS') {
        const preflight = 'access-control-allow-origin' in cors && request.headers['access-control-request-method'];
        return {
          status: 204,
          headers: preflight
            ? { ...cors, 'access-control-allow-methods': ALLOWED_METHODS, 'access-control-allow-headers': allowedHeaders, 'access-control-max-age': '600' }
            : { ...cors, allow: ALLOWED_METHODS },
          body: '',
        };
      }
      if (method !== 'POST') {
        throw new PresignError('METHOD_NOT_ALLOWED', `Use POST to ask for an upload URL, not ${method}.`);
      }
      const input = parseBody(request.body, maxBodySize);
      const context = await authorize(options.authorize, request);
      const result = await presigner.presign(input, context);
      await options.onPresign?.(result, context);
      return json(200, result);
    } catch (error) {
      const known = isPresignError(error) ? error : undefined;
      if (!known || known.status >= 500) {
        reportError(error);
        const code = known?.code ?? 'INTERNAL_ERROR';
        return json(500, { error: { code, message: 'The upload could not be prepared; the server log says why.' } });
      }
      return json(known.status, known.toJSON(), known.code === 'METHOD_NOT_ALLOWED' ? { allow: ALLOWED_METHODS } : {});
    }
  };
}

function parseBody(body: unknown, maxBodySize: number): unknown {
  if (body === undefined || body === null) {
    throw new PresignError('INVALID_JSON', 'The request body must be JSON such as {"fileName":"a.jpg","contentType":"image/jpeg"}.');
  }
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (size > maxBodySize) {
    throw new PresignError('BODY_TOO_LARGE', `The request body is over ${maxBodySize} bytes.`);
  }
  try {
    return JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
  } catch {
    throw new PresignError('INVALID_JSON', 'The request body is not valid JSON.');
  }
}

async function authorize<Context>(hook: HandlerOptions<Context>['authorize'], request: HttpRequest): Promise<Context> {
  if (!hook) return undefined as Context;
  try {
    return await hook(request);
  } catch (error) {
    if (isPresignError(error) && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) throw error;
    throw new PresignError('UNAUTHORIZED', 'Authentication failed.', { cause: error });
  }
}

function logError(error: unknown): void {
  const cause = isPresignError(error) ? error.cause : undefined;
  const describe = (value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : String(value));
  console.error(`[upload-presigner] ${describe(error)}${cause ? ` (cause: ${describe(cause)})` : ''}`);
}
