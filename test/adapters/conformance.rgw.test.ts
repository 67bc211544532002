import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresignError, type HandlerOptions, type PresignedPut } from '../../src/index.js';
import { jpegBytes, rgw, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';
import { dropInDriver, lambdaDrivers } from './aws-lambda/driver.js';
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

// Profiles: one endpoint serving three kinds of upload, each under its own rules, which the storage
// enforces for each; the same through every adapter and through the drop-in handler's
// PRESIGN_PROFILES. Keys under a prefix of this run, so that runs never meet.
const run = randomUUID();
const PROFILE_RULES = {
  avatar: { prefix: `profiles-${run}/avatars/`, allowedTypes: ['image/*'], maxSize: 1024 },
  document: {
    prefix: `profiles-${run}/documents/`,
    allowedTypes: ['application/pdf'],
    maxSize: 64 * 1024,
    method: 'POST' as const,
  },
  video: { prefix: `profiles-${run}/videos/`, allowedTypes: ['video/mp4'], maxSize: 10 * 1024 * 1024 },
};
const profileDrivers = [
  ...drivers.map((driver) => ({
    name: driver.name,
    start: () =>
      driver.start({
        avatar: rgwPresigner({ ...PROFILE_RULES.avatar, secret: SECRET }),
        document: rgwPresigner({ ...PROFILE_RULES.document, secret: SECRET }),
        video: rgwPresigner({ ...PROFILE_RULES.video, secret: SECRET }),
      }),
  })),
  dropInDriver({
    PRESIGN_BUCKET: TEST_BUCKET,
    PRESIGN_S3_ENDPOINT: rgw.endpoint,
    PRESIGN_FORCE_PATH_STYLE: 'true',
    PRESIGN_SECRET: SECRET,
    PRESIGN_PROFILES: JSON.stringify(PROFILE_RULES),
    AWS_REGION: rgw.region,
    AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
  }),
];

describe.each(profileDrivers)('adapter conformance with profiles: $name', (driver) => {
  let adapter: Awaited<ReturnType<AdapterDriver['start']>>;
  const call = async (request: object) => {
    const response = await adapter.send(post(JSON.stringify(request)));
    return { status: response.status, json: json(response) };
  };
  const pdf = (size: number) => new Uint8Array(size).fill(0x20).fill(0x25, 0, 1);

  beforeAll(async () => {
    adapter = await driver.start();
  });
  afterAll(() => adapter.close());

  it("signs each profile's own method, prefix and limits, and the storage holds each to them", async () => {
    const image = jpegBytes(512);
    const document = pdf(40 * 1024);

    const avatar = await call({ profile: 'avatar', fileName: 'me.jpg', contentType: 'image/jpeg', size: image.length });
    const form = await call({
      profile: 'document',
      fileName: 'cv.pdf',
      contentType: 'application/pdf',
      size: 40 * 1024,
    });

    expect(avatar).toMatchObject({ status: 200, json: { method: 'PUT', key: expect.stringContaining('/avatars/') } });
    expect(form).toMatchObject({ status: 200, json: { method: 'POST', key: expect.stringContaining('/documents/') } });
    // As a browser does, the length sent is the body's own, whatever was signed.
    const { 'content-length': _, ...headers } = avatar.json.headers;
    const put = (body: Uint8Array<ArrayBuffer>) => fetch(avatar.json.uploadUrl, { method: 'PUT', headers, body });
    const postForm = (body: Uint8Array<ArrayBuffer>) => {
      const data = new FormData();
      for (const [name, value] of Object.entries<string>(form.json.fields)) data.append(name, value);
      data.append('file', new Blob([body]));
      return fetch(form.json.uploadUrl, { method: 'POST', body: data });
    };
    // What the document profile allows, the avatar's URL cannot carry, and the form no more than it signed.
    expect((await put(document)).status).toBe(403);
    expect((await postForm(pdf(70 * 1024))).status).toBe(400);
    expect((await put(image)).status).toBe(200);
    expect((await postForm(document)).status).toBe(204);
    expect(await call({ action: 'verify', profile: 'avatar', receipt: avatar.json.receipt })).toMatchObject({
      status: 200,
      json: { key: avatar.json.key, detectedType: 'image/jpeg' },
    });
  });

  it('refuses at presign what only another profile allows', async () => {
    expect(
      await call({ profile: 'avatar', fileName: 'cv.pdf', contentType: 'application/pdf', size: 100 }),
    ).toMatchObject({ status: 415, json: { error: { code: 'TYPE_NOT_ALLOWED' } } });
    expect(await call({ profile: 'avatar', fileName: 'big.jpg', contentType: 'image/jpeg', size: 2048 })).toMatchObject(
      { status: 413, json: { error: { code: 'TOO_LARGE' } } },
    );
  });

  it('runs a multipart upload under its profile, and no step of it under another', async () => {
    const body = pdf(2048);
    const upload = await call({
      action: 'createMultipart',
      profile: 'video',
      fileName: 'clip.mp4',
      contentType: 'video/mp4',
      size: body.length,
    });
    expect(upload).toMatchObject({ status: 200, json: { key: expect.stringContaining('/videos/'), partCount: 1 } });
    const { token, receipt } = upload.json;

    expectJsonError(
      await adapter.send(post(JSON.stringify({ action: 'signParts', profile: 'avatar', token, partNumbers: [1] }))),
      403,
      'INVALID_TOKEN',
    );
    expectJsonError(
      await adapter.send(post(JSON.stringify({ action: 'verify', profile: 'document', receipt }))),
      403,
      'INVALID_TOKEN',
    );
    const signed = await call({ action: 'signParts', profile: 'video', token, partNumbers: [1] });
    const part = signed.json.parts[0];
    expect((await fetch(part.url, { method: 'PUT', headers: part.headers, body })).status).toBe(200);
    expect(await call({ action: 'completeMultipart', profile: 'video', token })).toMatchObject({
      status: 200,
      json: { key: upload.json.key, size: body.length, contentType: 'video/mp4' },
    });
  });

  it.each([
    ['no profile', {}],
    ['an unknown profile', { profile: 'banner' }],
  ])('answers %s with a JSON 400 UNKNOWN_PROFILE', async (_, profile) => {
    const body = { ...profile, fileName: 'me.jpg', contentType: 'image/jpeg', size: 10 };
    expectJsonError(await adapter.send(post(JSON.stringify(body))), 400, 'UNKNOWN_PROFILE');
  });
});
