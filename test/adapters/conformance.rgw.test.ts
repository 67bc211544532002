import { exportJWK, generateKeyPair, createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresignError, type HandlerOptions, type PresignedPut } from '../../src/index.js';
import { jpegBytes, rgwPresigner } from '../helpers/s3.js';
import { lambdaDrivers } from './aws-lambda/driver.js';
import type { AdapterDriver, DriverRequest, DriverResponse } from './driver.js';
import { serverDrivers } from './drivers.js';

// One suite, every adapter: the same requests must get the same answers whether they arrive
// through API Gateway, a Function URL, an ALB, Express, Hono or node:http, and the URLs they hand
// out must upload to Ceph RGW.

const drivers: AdapterDriver[] = [...lambdaDrivers, ...serverDrivers];
const appOrigin = 'https://app.example.com';
const original = '{"fileName":"sample.jpg","contentType":"image/jpeg"}';
const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TESTPOOL';
const audience = 'test-app-client-id';
const SECRET = 'conformance-receipt-secret-0123456789abcdef';

const json = (response: DriverResponse) => JSON.parse(response.body);
const post = (body: string, headers: Record<string, string> = {}): DriverRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

function expectJsonError(response: DriverResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(json(response).error).toMatchObject({ code, message: expect.any(String) });
  expect(response.body).not.toMatch(/\n\s+at |\bat .+\.(?:ts|js):\d+/);
}

/** A Cognito-like user pool: an RSA key pair, its JWKS, and ID tokens for test users. */
async function userPool() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256' }] });
  const token = (claims: Record<string, unknown>, options: { audience?: string; expiresIn?: string } = {}) =>
    new SignJWT({ token_use: 'id', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(issuer)
      .setAudience(options.audience ?? audience)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(privateKey);
  const authorize: HandlerOptions<{ userId: string }>['authorize'] = async ({ headers }) => {
    const bearer = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1];
    if (!bearer) throw new PresignError('UNAUTHORIZED', 'Sign in to upload.');
    const { payload } = await jwtVerify(bearer, jwks, { issuer, audience });
    if (!(payload['cognito:groups'] as string[] | undefined)?.includes('uploaders')) {
      throw new PresignError('FORBIDDEN', 'Your account may not upload files.');
    }
    return { userId: payload.sub! };
  };
  return { token, authorize };
}

describe.each(drivers)('adapter conformance: $name', (driver) => {
  let adapter: Awaited<ReturnType<AdapterDriver['start']>>;

  beforeAll(async () => {
    adapter = await driver.start(rgwPresigner({ allowedTypes: ['image/*'], maxSize: 1024 * 1024, secret: SECRET }), {
      allowedOrigins: [appOrigin],
    });
  });
  afterAll(() => adapter.close());

  it('presigns the original body, and the URL uploads to RGW with 200', async () => {
    const body = jpegBytes();
    const response = await adapter.send(
      post(`{"fileName":"sample.jpg","contentType":"image/jpeg","size":${body.length}}`),
    );
    const result = json(response) as PresignedPut;

    const upload = await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body });

    expect(response.status).toBe(200);
    expect(result.key).toMatch(/^uploads\/.+-sample\.jpg$/);
    expect(upload.status).toBe(200);
  });

  it('runs a whole multipart upload through the same endpoint, and RGW holds the file', async () => {
    const body = jpegBytes(2048);
    const send = async (request: object) => {
      const response = await adapter.send(post(JSON.stringify(request)));
      expect(response.status, response.body).toBe(200);
      return json(response);
    };
    const upload = await send({
      action: 'createMultipart',
      fileName: 'big.jpg',
      contentType: 'image/jpeg',
      size: body.length,
    });
    expect(upload).toMatchObject({
      method: 'MULTIPART',
      partCount: 1,
      key: expect.stringMatching(/^uploads\/.+-big\.jpg$/),
    });
    const { parts } = await send({ action: 'signParts', token: upload.token, partNumbers: [1] });
    const put = await fetch(parts[0].url, { method: 'PUT', headers: parts[0].headers, body });
    expect(put.status).toBe(200);
    expect((await send({ action: 'listParts', token: upload.token })).parts).toEqual([
      { partNumber: 1, size: body.length, etag: put.headers.get('etag') },
    ]);
    expect(
      await send({
        action: 'completeMultipart',
        token: upload.token,
        parts: [{ partNumber: 1, etag: put.headers.get('etag') }],
      }),
    ).toMatchObject({ key: upload.key, size: body.length, contentType: 'image/jpeg' });
    expect(await send({ action: 'verify', receipt: upload.receipt })).toMatchObject({
      key: upload.key,
      detectedType: 'image/jpeg',
    });
    expectJsonError(
      await adapter.send(post(JSON.stringify({ action: 'verify', key: upload.key }))),
      400,
      'RECEIPT_REQUIRED',
    );

    const aborted = await send({
      action: 'createMultipart',
      fileName: 'gone.jpg',
      contentType: 'image/jpeg',
      size: 10,
    });
    expect(await send({ action: 'abortMultipart', token: aborted.token })).toEqual({ key: aborted.key, aborted: true });
    expectJsonError(
      await adapter.send(post(JSON.stringify({ action: 'listParts', token: aborted.token }))),
      404,
      'NOT_FOUND',
    );
    expectJsonError(
      await adapter.send(post(JSON.stringify({ action: 'signParts', token: `${upload.token}x`, partNumbers: [1] }))),
      403,
      'INVALID_TOKEN',
    );
    expectJsonError(
      await adapter.send(
        post(
          JSON.stringify({
            action: 'createMultipart',
            fileName: 'big.jpg',
            contentType: 'image/jpeg',
            size: 2 * 1024 * 1024,
          }),
        ),
      ),
      413,
      'TOO_LARGE',
    );
  });

  it.each<[string, DriverRequest, number, string]>([
    ['malformed JSON', post('{"fileName":'), 400, 'INVALID_JSON'],
    ['a wrong method', { method: 'GET' }, 405, 'METHOD_NOT_ALLOWED'],
    [
      'a body over 16 KiB',
      post(JSON.stringify({ fileName: `${'a'.repeat(17 * 1024)}.jpg`, contentType: 'image/jpeg', size: 1 })),
      413,
      'BODY_TOO_LARGE',
    ],
    ['a disallowed type', post('{"fileName":"a.html","contentType":"text/html","size":10}'), 415, 'TYPE_NOT_ALLOWED'],
    ['a file over maxSize', post('{"fileName":"a.jpg","contentType":"image/jpeg","size":1048577}'), 413, 'TOO_LARGE'],
    ['no size while maxSize is set', post(original), 400, 'SIZE_REQUIRED'],
    [
      'a contradicting extension',
      post('{"fileName":"a.exe","contentType":"image/jpeg","size":10}'),
      400,
      'EXTENSION_MISMATCH',
    ],
    ['a JSON string', post('"sample.jpg"'), 400, 'INVALID_REQUEST'],
  ])('answers %s with a JSON %i %s', async (name, request, status, code) => {
    const response = await adapter.send(request);
    if (driver.parsesJsonFirst && (code === 'INVALID_JSON' || name === 'a JSON string')) {
      // express.json() refuses these itself and Express's error handler answers (see toExpressHandler).
      expect(response.status).toBe(400);
      return;
    }
    expectJsonError(response, status, code);
  });

  it('answers a preflight from an allowed origin', async () => {
    const response = await adapter.send({
      method: 'OPTIONS',
      headers: {
        origin: appOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(appOrigin);
    expect(response.headers['access-control-allow-methods']).toContain('POST');
    expect(response.headers['access-control-allow-headers']).toContain('content-type');
    expect(response.headers.vary).toMatch(/Origin/i);
  });

  it('gives a disallowed origin no allow headers', async () => {
    const preflight = await adapter.send({
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    const request = await adapter.send(post(original, { origin: 'https://evil.example' }));
    for (const response of [preflight, request]) {
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('allows the origin on the presign response itself', async () => {
    const response = await adapter.send(
      post('{"fileName":"a.jpg","contentType":"image/jpeg","size":5}', { origin: appOrigin }),
    );
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(appOrigin);
  });
});

describe.each(drivers)('adapter conformance with a JWT authorizer: $name', (driver) => {
  let adapter: Awaited<ReturnType<AdapterDriver['start']>>;
  let pool: Awaited<ReturnType<typeof userPool>>;

  beforeAll(async () => {
    pool = await userPool();
    const presigner = rgwPresigner<{ userId: string }>({
      allowedTypes: ['image/*'],
      secret: SECRET,
      key: ({ prefix, context, id, safeName }) => `${prefix}${context.userId}/${id}-${safeName}`,
    });
    adapter = await driver.start(presigner, { authorize: pool.authorize });
  });
  afterAll(() => adapter.close());

  it('scopes the key to the signed-in user, and the URL uploads', async () => {
    const token = await pool.token({ sub: 'user-123', 'cognito:groups': ['uploaders'] });
    const response = await adapter.send(post(original, { authorization: `Bearer ${token}` }));
    const result = json(response) as PresignedPut;

    const upload = await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body: jpegBytes() });

    expect(response.status).toBe(200);
    expect(result.key).toMatch(/^uploads\/user-123\/.+-sample\.jpg$/);
    expect(upload.status).toBe(200);
  });

  it("verifies an upload for its uploader only: another user's verify is FORBIDDEN and leaves the object", async () => {
    const owner = { authorization: `Bearer ${await pool.token({ sub: 'user-123', 'cognito:groups': ['uploaders'] })}` };
    const other = { authorization: `Bearer ${await pool.token({ sub: 'user-456', 'cognito:groups': ['uploaders'] })}` };
    const result = json(await adapter.send(post(original, owner))) as PresignedPut;
    expect((await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body: jpegBytes() })).status).toBe(
      200,
    );
    const verify = (headers: Record<string, string>) =>
      adapter.send(post(JSON.stringify({ action: 'verify', receipt: result.receipt }), headers));

    expectJsonError(await verify(other), 403, 'FORBIDDEN');
    const verified = await verify(owner);

    expect(verified.status, verified.body).toBe(200);
    expect(json(verified)).toMatchObject({ key: result.key, detectedType: 'image/jpeg' });
  });

  it.each<[string, () => Promise<Record<string, string>>, number, string]>([
    ['no token', async () => ({}), 401, 'UNAUTHORIZED'],
    [
      'a token for another app',
      async () => ({
        authorization: `Bearer ${await pool.token({ sub: 'u', 'cognito:groups': ['uploaders'] }, { audience: 'other' })}`,
      }),
      401,
      'UNAUTHORIZED',
    ],
    [
      'a forged token',
      async () => ({ authorization: `Bearer ${(await pool.token({ sub: 'u' })).slice(0, -4)}AAAA` }),
      401,
      'UNAUTHORIZED',
    ],
    [
      'a user outside the uploaders group',
      async () => ({ authorization: `Bearer ${await pool.token({ sub: 'u', 'cognito:groups': ['readers'] })}` }),
      403,
      'FORBIDDEN',
    ],
  ])('refuses %s', async (_, headers, status, code) => {
    expectJsonError(await adapter.send(post(original, await headers())), status, code);
  });
});
