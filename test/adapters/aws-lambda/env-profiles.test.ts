import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { presignerFromEnv, type LambdaHandler } from '../../../src/adapters/aws-lambda/index.js';
import { lambdaEvent } from '../../helpers/lambda-events.js';

// PRESIGN_PROFILES: the drop-in handler's way to serve several profiles from one function.

const PROFILES = JSON.stringify({
  avatar: { prefix: 'avatars/', allowedTypes: ['image/*'], maxSize: 2 * 1024 * 1024 },
  document: { prefix: 'documents/', allowedTypes: ['application/pdf'], maxSize: 50 * 1024 * 1024, method: 'POST' },
});
const jpeg = { fileName: 'me.jpg', contentType: 'image/jpeg', size: 1000 };
const pdf = { fileName: 'cv.pdf', contentType: 'application/pdf', size: 40_000 };

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'eu-central-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAFIXTUREKEY');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'fixture-secret');
  vi.stubEnv('AWS_SESSION_TOKEN', 'fixture-session-token');
  vi.stubEnv('AWS_PROFILE', undefined);
  for (const name of Object.keys(process.env)) if (name.startsWith('PRESIGN_')) vi.stubEnv(name, undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('presignerFromEnv with PRESIGN_PROFILES', () => {
  it('gives each profile its own rules over the shared variables', async () => {
    const { profiles } = presignerFromEnv({
      PRESIGN_BUCKET: 'my-uploads',
      PRESIGN_EXPIRES_IN: '60',
      PRESIGN_PROFILES: PROFILES,
    });

    const avatar = await profiles!.avatar!.presign(jpeg);
    const document = await profiles!.document!.presign(pdf);

    expect(avatar).toMatchObject({ method: 'PUT', expiresIn: 60, key: expect.stringMatching(/^avatars\//) });
    expect(document).toMatchObject({ method: 'POST', expiresIn: 60, key: expect.stringMatching(/^documents\//) });
    await expect(profiles!.avatar!.presign({ ...jpeg, size: 3 * 1024 * 1024 })).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
    await expect(profiles!.document!.presign(jpeg)).rejects.toMatchObject({ code: 'TYPE_NOT_ALLOWED' });
  });

  it('returns no profiles without the variable', () => {
    expect(presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads' })).not.toHaveProperty('profiles');
  });

  it.each<[string, string, string]>([
    ['not JSON', '{avatar', 'PRESIGN_PROFILES must be JSON such as {"avatar":'],
    ['a JSON list', '["avatar"]', 'PRESIGN_PROFILES must be a JSON object of profiles such as'],
    ['no profile', '{}', 'PRESIGN_PROFILES must name at least one profile'],
    [
      'a misspelt field',
      '{"avatar":{"maxsize":10}}',
      'PRESIGN_PROFILES.avatar.maxsize is not a profile field: use prefix, allowedTypes, maxSize, expiresIn, method, contentDisposition, overwrite, partSize',
    ],
    [
      'a size in words',
      '{"avatar":{"maxSize":"2 MB"}}',
      'PRESIGN_PROFILES.avatar.maxSize must be a number of bytes, got "2 MB"',
    ],
    [
      'a wrong method',
      '{"document":{"method":"PATCH"}}',
      'PRESIGN_PROFILES.document.method must be "PUT" or "POST", got "PATCH"',
    ],
    [
      'a type that is no type',
      '{"avatar":{"allowedTypes":["images"]}}',
      'PRESIGN_PROFILES.avatar.allowedTypes must list media types',
    ],
    ['a profile that is no object', '{"avatar":true}', 'PRESIGN_PROFILES.avatar must be an object of prefix'],
    ['a bad profile name', '{"my avatar":{}}', 'PRESIGN_PROFILES.my avatar is not a profile name'],
  ])('names the bad field of %s in INVALID_OPTIONS', (_, value, message) => {
    expect(() => presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads', PRESIGN_PROFILES: value })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(message) }),
    );
  });

  it('names the profile when its options contradict each other', () => {
    expect(() =>
      presignerFromEnv(
        { PRESIGN_BUCKET: 'my-uploads', PRESIGN_PROFILES: '{"avatar":{"prefix":"quarantine/avatars/"}}' },
        { quarantinePrefix: 'quarantine/' },
      ),
    ).toThrow(/^PRESIGN_PROFILES\.avatar: Invalid presigner option "quarantinePrefix"/);
  });
});

describe('handler with PRESIGN_PROFILES', () => {
  async function freshHandler(): Promise<LambdaHandler> {
    vi.resetModules();
    return (await import('../../../src/adapters/aws-lambda/index.js')).handler;
  }
  const send = async (handler: LambdaHandler, body: object) => {
    const result = await handler(lambdaEvent('apigw-http', { body: JSON.stringify(body) }));
    return { status: result.statusCode, json: JSON.parse(result.body) };
  };

  it('serves each profile the body names, and refuses a body naming none', async () => {
    vi.stubEnv('PRESIGN_BUCKET', 'env-uploads');
    vi.stubEnv('PRESIGN_PROFILES', PROFILES);
    const handler = await freshHandler();

    expect(await send(handler, { profile: 'avatar', ...jpeg })).toMatchObject({
      status: 200,
      json: { method: 'PUT', key: expect.stringMatching(/^avatars\//) },
    });
    expect(await send(handler, { profile: 'document', ...pdf })).toMatchObject({
      status: 200,
      json: { method: 'POST', key: expect.stringMatching(/^documents\//) },
    });
    expect(await send(handler, jpeg)).toMatchObject({
      status: 400,
      json: { error: { code: 'UNKNOWN_PROFILE' } },
    });
  });

  it('logs the bad field and answers a 500 that leaks nothing', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.stubEnv('PRESIGN_BUCKET', 'env-uploads');
    vi.stubEnv('PRESIGN_PROFILES', '{"avatar":{"maxSize":-1}}');
    const handler = await freshHandler();

    const answer = await send(handler, { profile: 'avatar', ...jpeg });

    expect(answer).toMatchObject({ status: 500, json: { error: { code: 'INVALID_OPTIONS' } } });
    expect(log).toHaveBeenCalledWith(
      '[upload-presigner] PRESIGN_PROFILES.avatar.maxSize must be at least 1 byte, got -1',
    );
  });
});
