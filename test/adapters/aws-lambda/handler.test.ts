import { describe, expect, it, vi } from 'vitest';
import {
  toLambdaHandler,
  type APIGatewayProxyEvent,
  type APIGatewayProxyEventV2,
  type LambdaEvent,
} from '../../../src/adapters/aws-lambda/index.js';
import { createPresigner, PresignError } from '../../../src/index.js';
import { lambdaEvent, lambdaEventKinds } from '../../helpers/lambda-events.js';
import { lambdaDrivers } from './driver.js';

const presigner = createPresigner({
  bucket: 'test-bucket',
  region: 'us-east-1',
  credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
  allowedTypes: ['image/*'],
});

describe('toLambdaHandler', () => {
  it.each(lambdaEventKinds)('signs the upload that a %s event asks for', async (kind) => {
    const result = await toLambdaHandler(presigner)(lambdaEvent(kind));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({
      method: 'PUT',
      uploadUrl: expect.stringContaining('https://test-bucket.s3.us-east-1.amazonaws.com/uploads/'),
    });
  });

  it('hands the event to authorize as request.raw, with the authorizer claims', async () => {
    const authorize = vi.fn((request) => ({
      userId: (request.raw as APIGatewayProxyEvent).requestContext.authorizer?.claims?.sub,
    }));
    const onPresign = vi.fn();
    const event = lambdaEvent('apigw-rest');
    await toLambdaHandler(presigner, { authorize, onPresign })(event);
    expect(authorize.mock.calls[0]![0]).toMatchObject({
      method: 'POST',
      raw: event,
      headers: { 'content-type': 'application/json' },
    });
    expect(onPresign).toHaveBeenCalledWith(expect.anything(), { userId: '5b1e7c3a-92d4-4f0e-8a6b-1c2d3e4f5a6b' });
  });

  it('reads JWT claims from an HTTP API event the same way', async () => {
    const authorize = vi.fn((request) => {
      const scopes = (request.raw as APIGatewayProxyEventV2).requestContext.authorizer?.jwt?.scopes ?? [];
      if (!scopes.includes('uploads:write')) throw new PresignError('FORBIDDEN', 'No upload scope.');
    });
    const event = lambdaEvent('apigw-http');
    expect((await toLambdaHandler(presigner, { authorize })(event)).statusCode).toBe(200);
    event.requestContext.authorizer!.jwt!.scopes = [];
    const refused = await toLambdaHandler(presigner, { authorize })(event);
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'FORBIDDEN', message: 'No upload scope.' } });
  });

  it('leaves status decisions to createHttpHandler', async () => {
    const result = await toLambdaHandler(presigner)(lambdaEvent('alb-multi-value', { method: 'GET', body: undefined }));
    expect(result).toMatchObject({
      statusCode: 405,
      statusDescription: '405 Method Not Allowed',
      multiValueHeaders: { allow: ['POST, OPTIONS'] },
    });
  });

  it('answers an event too malformed to translate with a JSON 500 that carries no details', async () => {
    const onError = vi.fn();
    const malformed = { requestContext: { http: null } } as unknown as LambdaEvent;
    const result = await toLambdaHandler(presigner, { onError })(malformed);
    expect(result).toEqual({
      statusCode: 500,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({
        error: { code: 'INTERNAL_ERROR', message: 'The upload could not be prepared; the server log says why.' },
      }),
      isBase64Encoded: false,
    });
    expect(onError).toHaveBeenCalledWith(expect.any(TypeError));
  });

  it('logs one line, without a stack, when there is no onError', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const malformed = { requestContext: { elb: {} }, multiValueHeaders: { accept: '*/*' } } as unknown as LambdaEvent;
    const result = await toLambdaHandler(presigner)(malformed);
    expect(result).toMatchObject({
      statusCode: 500,
      statusDescription: '500 Internal Server Error',
      body: expect.stringContaining('INTERNAL_ERROR'),
    });
    expect(log).toHaveBeenCalledOnce();
    expect(log.mock.calls[0]![0]).toMatch(/^\[upload-presigner\] TypeError: [^\n]+$/);
    log.mockRestore();
  });

  it('throws at creation when the handler options are wrong', () => {
    const create = () => toLambdaHandler(presigner, { allowedOrigins: ['*'], allowCredentials: true });
    expect(create).toThrow(expect.objectContaining({ name: 'PresignError', code: 'INVALID_OPTIONS' }));
  });
});

describe.each(lambdaDrivers)('driver $name', (driver) => {
  it('round-trips a preflight and a presign', async () => {
    const origin = 'https://app.example.com';
    const { send, close } = await driver.start(presigner, { allowedOrigins: [origin] });
    const preflight = await send({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(preflight).toMatchObject({
      status: 204,
      body: '',
      headers: { 'access-control-allow-origin': origin, 'access-control-allow-methods': 'POST, OPTIONS' },
    });
    const presign = await send({
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: '{"fileName":"a.png","contentType":"image/png"}',
    });
    expect(presign.status).toBe(200);
    expect(presign.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'content-type': 'application/json; charset=utf-8',
    });
    expect(JSON.parse(presign.body).key).toMatch(/^uploads\/.+-a\.png$/);
    await close();
  });
});
