import { describe, expectTypeOf, it } from 'vitest';
import { toLambdaHandler } from '../../src/adapters/aws-lambda/index.js';
import { toExpressHandler } from '../../src/adapters/express.js';
import { toFetchHandler } from '../../src/adapters/fetch.js';
import { presignForUppy, uploadFile } from '../../src/client/index.js';
import { createHttpHandler, createPresigner, type ProfileName, type Profiles } from '../../src/index.js';

// The server's profiles, as an app shares their type with its browser code (`import type`).
declare const profiles: {
  avatar: ReturnType<typeof createPresigner<{ userId: string }>>;
  document: ReturnType<typeof createPresigner<{ userId: string }>>;
};
declare const file: File;

describe('profiles in the types', () => {
  it('names the profiles of a map', () => {
    expectTypeOf<ProfileName<typeof profiles>>().toEqualTypeOf<'avatar' | 'document'>();
    expectTypeOf(profiles).toExtend<Profiles<{ userId: string }>>();
  });

  it("lets uploadFile and presignForUppy, given the map's type, take only its names, and require one", () => {
    expectTypeOf(uploadFile<typeof profiles>).toBeCallableWith(file, { endpoint: '/api/presign', profile: 'avatar' });
    expectTypeOf(presignForUppy<typeof profiles>).toBeCallableWith({ endpoint: '/api/presign', profile: 'document' });

    // @ts-expect-error: "video" is no profile of the map
    void uploadFile<typeof profiles>(file, { endpoint: '/api/presign', profile: 'video' });
    // @ts-expect-error: with the map's type, a profile is required
    void uploadFile<typeof profiles>(file, { endpoint: '/api/presign' });
    // @ts-expect-error: "video" is no profile of the map
    presignForUppy<typeof profiles>({ endpoint: '/api/presign', profile: 'video' });
  });

  it('leaves the profile free without a map, as before profiles existed', () => {
    expectTypeOf(uploadFile).toBeCallableWith(file, { endpoint: '/api/presign' });
    expectTypeOf(uploadFile).toBeCallableWith(file, { endpoint: '/api/presign', profile: 'avatar' });
    expectTypeOf(presignForUppy).toBeCallableWith({ endpoint: '/api/presign' });
    void uploadFile(file, { endpoint: '/api/presign' });
    void uploadFile(file, { endpoint: '/api/presign', profile: 'avatar' });
  });

  it("serves a map on every adapter, and types authorize by the profiles' context", () => {
    const authorize = () => ({ userId: 'user-7' });
    expectTypeOf(createHttpHandler(profiles, { authorize })).toBeFunction();
    expectTypeOf(toFetchHandler(profiles, { authorize })).toBeFunction();
    expectTypeOf(toExpressHandler(profiles, { authorize })).toBeFunction();
    expectTypeOf(toLambdaHandler(profiles, { authorize })).toBeFunction();

    // @ts-expect-error: the profiles need a context with a userId
    toFetchHandler(profiles, { authorize: () => ({ teamId: 1 }) });
    // @ts-expect-error: a profile must be a presigner
    toFetchHandler({ avatar: { presign: 1 } });
  });
});
