import { describe, expect, it } from 'vitest';
import {
  createHttpHandler,
  createPresigner,
  PresignError,
  type HandlerOptions,
  type Presigner,
  type PresignerOptions,
  type UploadMethod,
  type Profiles,
} from '../../src/index.js';

// One endpoint, several profiles: the body's `profile` picks the presigner, for every action.
// Presigning signs locally, so these need no storage; what crosses profiles is in profiles.rgw.test.ts.

const storage = {
  bucket: 'my-uploads',
  region: 'eu-central-1',
  credentials: { accessKeyId: 'AKIAPROFILESTEST', secretAccessKey: 'profiles-test-secret' },
};
const presigner = <Context = unknown>(options: Omit<PresignerOptions<Context>, 'bucket'>) =>
  createPresigner<Context, UploadMethod>({ ...storage, ...options });
const jpeg = { fileName: 'me.jpg', contentType: 'image/jpeg', size: 1000 };
const pdf = { fileName: 'cv.pdf', contentType: 'application/pdf', size: 40_000 };

function appProfiles() {
  return {
    avatar: presigner<{ userId: string }>({
      prefix: 'avatars/',
      allowedTypes: ['image/*'],
      maxSize: 2 * 1024 * 1024,
      key: ({ prefix, context, safeName }) => `${prefix}${context.userId}/${safeName}`,
    }),
    document: presigner<{ userId: string }>({
      prefix: 'documents/',
      allowedTypes: ['application/pdf'],
      maxSize: 50 * 1024 * 1024,
      method: 'POST',
    }),
  };
}

function endpoint<Context>(profiles: Profiles<Context> | Presigner<Context>, options: HandlerOptions<Context> = {}) {
  const handle = createHttpHandler(profiles, options);
  return async (body: unknown) => {
    const response = await handle({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: JSON.parse(response.body) };
  };
}

describe('an endpoint with profiles', () => {
  it("serves each request with its profile's rules, key function and method", async () => {
    const send = endpoint(appProfiles(), { authorize: () => ({ userId: 'user-7' }) });

    const avatar = await send({ profile: 'avatar', ...jpeg });
    const document = await send({ profile: 'document', ...pdf });

    expect(avatar).toMatchObject({ status: 200, json: { method: 'PUT', key: 'avatars/user-7/me.jpg' } });
    expect(avatar.json.headers).toMatchObject({ 'content-type': 'image/jpeg', 'content-length': '1000' });
    expect(document).toMatchObject({ status: 200, json: { method: 'POST' } });
    expect(document.json.key).toMatch(/^documents\/[0-9a-f-]{36}-cv\.pdf$/);
  });

  it("refuses what only another profile allows, by that profile's own limits", async () => {
    const send = endpoint(appProfiles(), { authorize: () => ({ userId: 'user-7' }) });

    expect(await send({ profile: 'avatar', ...pdf })).toMatchObject({
      status: 415,
      json: { error: { code: 'TYPE_NOT_ALLOWED' } },
    });
    expect(await send({ profile: 'avatar', ...jpeg, size: 3 * 1024 * 1024 })).toMatchObject({
      status: 413,
      json: { error: { code: 'TOO_LARGE' } },
    });
    expect(await send({ profile: 'document', ...jpeg })).toMatchObject({
      status: 415,
      json: { error: { code: 'TYPE_NOT_ALLOWED' } },
    });
  });

  it.each([
    ['no profile', undefined, 'names no "profile"'],
    ['an unknown profile', 'video', 'names no profile of this endpoint'],
    ['an inherited property name', '__proto__', 'names no profile of this endpoint'],
    ['another inherited name', 'constructor', 'names no profile of this endpoint'],
    ['a number', 42, 'names no profile of this endpoint'],
  ])('answers %s with a 400 UNKNOWN_PROFILE that names the profiles', async (_, profile, problem) => {
    const send = endpoint(appProfiles(), { authorize: () => ({ userId: 'user-7' }) });

    const answer = await send({ ...jpeg, ...(profile !== undefined && { profile }) });

    expect(answer.status).toBe(400);
    expect(answer.json.error).toEqual({
      code: 'UNKNOWN_PROFILE',
      message: `The request ${problem}: send "profile" as one of "avatar", "document".`,
    });
  });

  it('routes every action by profile, multipart steps and verify too, before running any', async () => {
    const send = endpoint(appProfiles(), { authorize: () => ({ userId: 'user-7' }) });
    const actions = [
      { action: 'createMultipart', ...jpeg },
      { action: 'signParts', token: 'x', partNumbers: [1] },
      { action: 'listParts', token: 'x' },
      { action: 'completeMultipart', token: 'x' },
      { action: 'abortMultipart', token: 'x' },
      { action: 'verify', receipt: 'x' },
    ];
    for (const body of actions) {
      expect(await send({ ...body, profile: 'nope' }), body.action).toMatchObject({
        status: 400,
        json: { error: { code: 'UNKNOWN_PROFILE' } },
      });
    }
  });

  it('tells authorize the profile, so that it can refuse one profile to a caller', async () => {
    const seen: (string | undefined)[] = [];
    const send = endpoint(appProfiles(), {
      authorize: ({ profile }) => {
        seen.push(profile);
        if (profile === 'document') throw new PresignError('FORBIDDEN', 'Only editors upload documents.');
        return { userId: 'user-7' };
      },
    });

    expect(await send({ profile: 'avatar', ...jpeg })).toMatchObject({ status: 200 });
    expect(await send({ profile: 'document', ...pdf })).toMatchObject({
      status: 403,
      json: { error: { code: 'FORBIDDEN', message: 'Only editors upload documents.' } },
    });
    expect(seen).toEqual(['avatar', 'document']);
  });

  it('refuses a profile on an endpoint of one presigner, which serves none', async () => {
    const send = endpoint(presigner({ allowedTypes: ['image/*'] }));

    expect(await send(jpeg)).toMatchObject({ status: 200 });
    expect(await send({ profile: 'avatar', ...jpeg })).toMatchObject({
      status: 400,
      json: { error: { code: 'UNKNOWN_PROFILE', message: 'This endpoint serves no profiles: send no "profile".' } },
    });
  });
});

describe('profiles, when the endpoint is created', () => {
  const images = () => presigner({ allowedTypes: ['image/*'] });

  it.each<[string, () => Profiles, string]>([
    ['no profile at all', () => ({}), 'must name at least one profile'],
    ['a name with a space', () => ({ 'my avatar': images() }), '"my avatar" is not a profile name'],
    ['an empty name', () => ({ '': images() }), '"" is not a profile name'],
    [
      'a presigner of its own making',
      () => ({ avatar: { ...images() } }),
      'profile "avatar" is not a presigner from createPresigner',
    ],
  ])('refuses %s with INVALID_OPTIONS', (_, profiles, message) => {
    expect(() => createHttpHandler(profiles())).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(message) }),
    );
  });

  it('refuses one presigner serving two profiles, since each seals for its one profile', () => {
    const shared = images();
    createHttpHandler({ avatar: shared });

    expect(() => createHttpHandler({ banner: shared })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: expect.stringContaining('profile "banner" is the presigner of profile "avatar" already'),
      }),
    );
    expect(() => createHttpHandler({ avatar: shared })).not.toThrow();
  });
});
