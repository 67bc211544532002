import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { presignerFromEnv } from '../../src/adapters/aws-lambda/env.js';
import { createPresigner, isPresignError, type PresignerOptions } from '../../src/index.js';

const SECRET = 'top-secret-token-signing-key-0123456789';
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET_ACCESS_KEY };
const valid: PresignerOptions = {
  bucket: 'my-uploads',
  region: 'us-east-1',
  credentials,
  allowedTypes: ['image/*'],
  secret: SECRET,
};

/** Every string reachable from `root` through own properties, enumerable or not, symbols and Maps too. */
function reachableStrings(root: unknown): string[] {
  const seen = new Set<unknown>();
  const strings: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') return void strings.push(value);
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Map) for (const [key, item] of value) (visit(key), visit(item));
    if (value instanceof Set) for (const item of value) visit(item);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      visit('value' in descriptor ? descriptor.value : undefined);
    }
  };
  visit(root);
  return strings;
}

function thrown(create: () => unknown): Error {
  try {
    create();
  } catch (error) {
    if (!isPresignError(error) || error.code !== 'INVALID_OPTIONS') throw error;
    return error;
  }
  throw new Error('expected an INVALID_OPTIONS error');
}

function expectNoSecret(error: Error): void {
  const printed = [inspect(error, { depth: Infinity, showHidden: true }), String(error), JSON.stringify(error)];
  for (const text of [...printed, ...reachableStrings(error)]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET_ACCESS_KEY);
  }
}

describe('option errors never hold a secret, at any depth', () => {
  it.each<[string, Partial<PresignerOptions>]>([
    ['an unrelated schema mistake', { maxSize: 0 }],
    ['a wrong type in a nested place', { allowedTypes: [42 as never] }],
    ['a secret that is too short', { secret: SECRET.slice(0, 20) }],
    ['a legacy multipartSecret that disagrees', { multipartSecret: `${SECRET}-other` }],
    ['a bad wildcard', { allowedTypes: ['model/*'] }],
    ['client together with credentials', { client: { send() {}, config: {} } as never }],
    ['a bad endpoint', { endpoint: 'not a url' }],
    ['a bad bucket', { bucket: '' }],
    ['bad credentials', { credentials: { accessKeyId: 'x', secret: SECRET_ACCESS_KEY } as never }],
  ])('%s', (_, change) => {
    const error = thrown(() => createPresigner({ ...valid, ...change }));
    expectNoSecret(error);
    expect(error.message).toMatch(/^Invalid presigner option "/);
  });

  it('keeps the path and message of each issue', () => {
    const error = thrown(() => createPresigner({ ...valid, maxSize: 0 }));
    expect(JSON.parse(JSON.stringify(error)).error.issues).toEqual([
      { path: 'maxSize', message: 'must be at least 1 byte' },
    ]);
  });

  it.each<[string, Record<string, string>]>([
    ['an unrelated variable', { PRESIGN_MAX_SIZE: 'ten' }],
    ['a short secret', { PRESIGN_SECRET: SECRET.slice(0, 20) }],
    ['a short legacy secret', { PRESIGN_MULTIPART_SECRET: SECRET.slice(0, 20) }],
    ['a bad type list', { PRESIGN_ALLOWED_TYPES: 'model/*' }],
  ])('from the Lambda environment: %s', (_, change) => {
    const env = {
      PRESIGN_BUCKET: 'my-uploads',
      PRESIGN_SECRET: SECRET,
      AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      ...change,
    };
    expectNoSecret(thrown(() => presignerFromEnv(env)));
  });
});

describe('quarantinePrefix', () => {
  it.each([
    ['inside prefix', 'uploads/', 'uploads/quarantine/'],
    ['equal to prefix', 'uploads/', 'uploads/'],
    ['holding prefix', 'users/uploads/', 'users/'],
  ])(
    'is refused %s: the S3-event handler would verify what it quarantined, in a loop',
    (_, prefix, quarantinePrefix) => {
      const error = thrown(() => createPresigner({ ...valid, prefix, quarantinePrefix }));
      expect(error.message).toMatch(/^Invalid presigner option "quarantinePrefix": .*prefix/);
    },
  );

  it.each([
    ['uploads/', 'quarantine/'],
    ['uploads/', 'uploads-quarantine/'],
    ['users/uploads/', 'users/quarantine/'],
  ])('is accepted beside prefix %j: %j', (prefix, quarantinePrefix) => {
    expect(() => createPresigner({ ...valid, prefix, quarantinePrefix })).not.toThrow();
  });
});
