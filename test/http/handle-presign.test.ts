import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import {
  createHttpHandler,
  ERROR_STATUS,
  PresignError,
  type HandlerOptions,
  type HttpRequest,
} from '../../src/index.js';
import { sdkTestPresigner, testPresigner } from '../helpers/presign.js';

const RECEIPT_SECRET = 'a-receipt-secret-of-at-least-32-characters';

const sampleBody = '{"fileName":"sample.jpg","contentType":"image/jpeg"}';

function handle(request: Partial<HttpRequest>, options: HandlerOptions<any> = {}, presigner = testPresigner<any>()) {
  return createHttpHandler(
    presigner,
    options,
  )({
    method: 'POST',
    body: sampleBody,
    ...request,
    headers: { 'content-type': 'application/json', ...request.headers },
  });
}

describe('createHttpHandler', () => {
  it('answers the original contract with 200 and the presign result', async () => {
    const response = await handle({});
    const body = JSON.parse(response.body);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(body.uploadUrl).toMatch(/^https:\/\//);
    expect(body.key).toMatch(/^uploads\/.+-sample\.jpg$/);
  });

  it.each<[string, Partial<HttpRequest>, HandlerOptions<any>, number, string]>([
    ['malformed JSON', { body: '{"fileName":' }, {}, 400, 'INVALID_JSON'],
    ['no body', { body: undefined }, {}, 400, 'INVALID_JSON'],
    ['a JSON array', { body: '[]' }, {}, 400, 'INVALID_REQUEST'],
    ['a missing fileName', { body: '{"contentType":"image/jpeg"}' }, {}, 400, 'INVALID_REQUEST'],
    ['GET', { method: 'GET' }, {}, 405, 'METHOD_NOT_ALLOWED'],
    [
      'a body over maxBodySize',
      { body: `{"fileName":"${'a'.repeat(20_000)}.jpg","contentType":"image/jpeg"}` },
      {},
      413,
      'BODY_TOO_LARGE',
    ],
    [
      'bytes over a small maxBodySize',
      { body: new TextEncoder().encode(sampleBody) },
      { maxBodySize: 10 },
      413,
      'BODY_TOO_LARGE',
    ],
    [
      'a disallowed type',
      { body: '{"fileName":"a.pdf","contentType":"application/pdf"}' },
      {},
      415,
      'TYPE_NOT_ALLOWED',
    ],
    [
      'an authorize hook that throws',
      {},
      {
        authorize: () => {
          throw new Error('jwt expired: secret=abc');
        },
      },
      401,
      'UNAUTHORIZED',
    ],
    [
      'an authorize hook that forbids',
      {},
      {
        authorize: () => {
          throw new PresignError('FORBIDDEN', 'Not your bucket.');
        },
      },
      403,
      'FORBIDDEN',
    ],
  ])('answers %s with %i %s as JSON', async (_, request, options, status, code) => {
    const response = await handle(request, options);
    const body = JSON.parse(response.body);
    expect(response.status).toBe(status);
    expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS]).toBe(status);
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe('string');
    expect(response.body).not.toMatch(/\bat .+:\d+:\d+|secret=abc/);
  });

  it('parses a body that is already JSON (express.json()) and bytes', async () => {
    const parsed = await handle({ body: JSON.parse(sampleBody) });
    const bytes = await handle({ body: new TextEncoder().encode(sampleBody) });
    expect([parsed.status, bytes.status]).toEqual([200, 200]);
  });

  it('names the body limit in KiB', async () => {
    const response = await handle({ body: `{"fileName":"${'a'.repeat(20_000)}.jpg","contentType":"image/jpeg"}` });
    expect(JSON.parse(response.body).error.message).toBe('The request body is over 16 KiB.');
  });

  it('says which methods are allowed on a 405', async () => {
    const response = await handle({ method: 'PUT' });
    expect(response.headers.allow).toBe('POST, OPTIONS');
  });

  it('answers a 500 for unexpected errors without their details, and reports them', async () => {
    const onError = vi.fn();
    const response = await handle(
      {},
      {
        onError,
        onPresign: () => {
          throw new Error('database at 10.1.2.3 is down');
        },
      },
    );
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body).error.code).toBe('INTERNAL_ERROR');
    expect(response.body).not.toContain('10.1.2.3');
    expect(onError).toHaveBeenCalledOnce();
  });

  it('logs one line without a stack by default', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    await handle(
      {},
      {
        onPresign: () => {
          throw new Error('boom');
        },
      },
    );
    expect(log).toHaveBeenCalledOnce();
    expect(String(log.mock.calls[0]![0])).toBe('[upload-presigner] Error: boom');
    log.mockRestore();
  });
});

describe('createHttpHandler: auth hooks', () => {
  it('passes the authorize context to the key function and onPresign', async () => {
    const onPresign = vi.fn();
    const presigner = testPresigner<{ userId: string }>({
      key: ({ prefix, id, safeName, context }) => `${prefix}${context.userId}/${id}-${safeName}`,
    });
    const response = await handle(
      { headers: { authorization: 'Bearer u-7' } },
      { authorize: (request) => ({ userId: request.headers.authorization!.slice(7) }), onPresign },
      presigner,
    );
    const body = JSON.parse(response.body);
    expect(body.key).toMatch(/^uploads\/u-7\//);
    expect(onPresign).toHaveBeenCalledWith(body, { userId: 'u-7' });
  });
});

describe('createHttpHandler: CORS', () => {
  const options = { allowedOrigins: ['https://app.example.com'] };

  it('answers a preflight from an allowed origin', async () => {
    const response = await handle(
      {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      },
      options,
    );
    expect(response.status).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, authorization',
      vary: 'Origin',
    });
  });

  it('gives a disallowed origin no allow headers, on preflight and POST', async () => {
    for (const method of ['OPTIONS', 'POST']) {
      const response = await handle(
        { method, headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } },
        options,
      );
      expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-allow'))).toEqual([]);
      expect(response.headers.vary).toBe('Origin');
    }
  });

  it('sets the allow headers on errors too, so the browser can read them', async () => {
    const response = await handle({ headers: { origin: 'https://app.example.com' }, body: '{' }, options);
    expect(response.status).toBe(400);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('reflects no wildcard with credentials: refuses the combination', () => {
    expect(() => createHttpHandler(testPresigner(), { allowedOrigins: ['*'], allowCredentials: true })).toThrow(
      /allowCredentials/,
    );
  });

  it('answers credentials with the exact origin', async () => {
    const response = await handle(
      { headers: { origin: 'https://app.example.com' } },
      { ...options, allowCredentials: true },
    );
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(response.headers['access-control-allow-credentials']).toBe('true');
  });
});

describe('createHttpHandler: verify is bound to the caller the upload was issued to', () => {
  const s3 = mockClient(S3Client);
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
  const html = new TextEncoder().encode('<!doctype html><script>alert(1)</script>');
  const asUser = (userId: string) => ({ authorization: `Bearer ${userId}`, 'content-type': 'application/json' });
  const authorize: HandlerOptions<{ userId: string }>['authorize'] = ({ headers }) => ({
    userId: headers.authorization!.slice(7),
  });

  function stored(bytes: Uint8Array) {
    s3.reset();
    s3.on(HeadObjectCommand).resolves({ ContentLength: bytes.length, ContentType: 'image/jpeg', ETag: '"e1"' });
    s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => bytes } } as never);
  }

  async function setup() {
    const onUploadComplete = vi.fn();
    // Given the S3Client mocked here, it verifies through it (the SDK path).
    const presigner = sdkTestPresigner<{ userId: string }>({ onUploadComplete, secret: RECEIPT_SECRET });
    const handler = createHttpHandler(presigner, { authorize });
    const call = async (userId: string, body: unknown) => {
      const response = await handler({ method: 'POST', headers: asUser(userId), body: JSON.stringify(body) });
      return { status: response.status, json: JSON.parse(response.body) };
    };
    const issued = await call('alice', { fileName: 'a.jpg', contentType: 'image/jpeg' });
    return { onUploadComplete, call, issued: issued.json };
  }

  it.each<[string, (issued: { key: string; receipt: string }) => object, number, string]>([
    [
      'a verify that names only a key (anyone could otherwise claim or delete any upload)',
      ({ key }) => ({ key }),
      400,
      'RECEIPT_REQUIRED',
    ],
    ["another user's receipt", ({ receipt }) => ({ receipt }), 403, 'FORBIDDEN'],
  ])('refuses %s, and neither the storage nor onUploadComplete is reached', async (_, request, status, code) => {
    const { onUploadComplete, call, issued } = await setup();
    stored(html);

    const answer = await call('mallory', { action: 'verify', ...request(issued) });

    expect([answer.status, answer.json.error?.code]).toEqual([status, code]);
    expect(onUploadComplete).not.toHaveBeenCalled();
    expect(s3.calls()).toHaveLength(0);
  });

  it("verifies the owner's receipt and hands the owner's context to onUploadComplete", async () => {
    const { onUploadComplete, call, issued } = await setup();
    stored(jpeg);

    const answer = await call('alice', { action: 'verify', receipt: issued.receipt });

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ key: issued.key, detectedType: 'image/jpeg' });
    expect(onUploadComplete).toHaveBeenCalledWith(answer.json, { userId: 'alice' });
  });

  it('tells the operator to set a secret when the presigner has none, instead of verifying', async () => {
    s3.reset();
    const handler = createHttpHandler(testPresigner());
    const response = await handler({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'verify', receipt: 'x.y' }),
    });
    const { error } = JSON.parse(response.body);
    expect([response.status, error.code]).toEqual([400, 'RECEIPTS_DISABLED']);
    expect(error.message).toMatch(/"secret".*PRESIGN_SECRET/);
    expect(s3.calls()).toHaveLength(0);
  });
});
