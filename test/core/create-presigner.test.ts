import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  createPresigner,
  createPresignOnlyPresigner,
  isPresignError,
  type PresignedPost,
  type PresignedPut,
  type PresignerOptions,
} from '../../src/index.js';
import { fakeCredentials, policyConditions, presignError, testPresigner } from '../helpers/presign.js';

const sample = { fileName: 'sample.jpg', contentType: 'image/jpeg' };

function createError(options: Partial<PresignerOptions>) {
  try {
    testPresigner(options);
  } catch (error) {
    if (isPresignError(error)) return error;
    throw error;
  }
  throw new Error('createPresigner did not throw');
}

describe('createPresigner: the original contract', () => {
  it('gives a PUT URL for a key under the prefix, with Content-Type and If-None-Match signed', async () => {
    const before = Date.now();
    const result = await testPresigner().presign(sample);
    const url = new URL(result.uploadUrl);

    expect(result.method).toBe('PUT');
    expect(result.key).toMatch(/^uploads\/[0-9a-f-]{36}-sample\.jpg$/);
    expect(decodeURIComponent(url.pathname)).toContain(result.key);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host;if-none-match');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(result.headers).toEqual({ 'content-type': 'image/jpeg', 'if-none-match': '*' });
    const expiresAt = Date.parse(result.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 300_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
  });

  it('gives every request its own key', async () => {
    const presigner = testPresigner();
    const keys = await Promise.all(
      Array.from({ length: 200 }, () => presigner.presign(sample).then((result) => result.key)),
    );
    expect(new Set(keys).size).toBe(200);
  });

  it('makes no network call: presigning is local', async () => {
    const client = new S3Client({ region: 'us-east-1', credentials: fakeCredentials });
    const mock = mockClient(client);
    await createPresigner({ bucket: 'b-1', client, allowedTypes: ['image/*'] }).presign(sample);
    expect(mock.calls()).toHaveLength(0);
  });

  it('carries the session token of temporary credentials', async () => {
    const result = await testPresigner({ credentials: { ...fakeCredentials, sessionToken: 'SESSION-TOKEN' } }).presign(
      sample,
    );
    expect(new URL(result.uploadUrl).searchParams.get('X-Amz-Security-Token')).toBe('SESSION-TOKEN');
  });
});

describe('createPresigner: content types', () => {
  it('refuses a type outside allowedTypes with 415', async () => {
    const error = await presignError(testPresigner().presign({ fileName: 'a.pdf', contentType: 'application/pdf' }));
    expect([error.code, error.status]).toEqual(['TYPE_NOT_ALLOWED', 415]);
  });

  it.each(['image/svg+xml', 'text/html', 'application/xhtml+xml', 'text/javascript'])(
    'never lets a wildcard admit active content (%s)',
    async (contentType) => {
      const presigner = testPresigner({ allowedTypes: ['image/*', 'text/*', 'application/*'] });
      const error = await presignError(presigner.presign({ fileName: 'file', contentType }));
      expect(error.code).toBe('TYPE_NOT_ALLOWED');
    },
  );

  it('admits SVG when it is named explicitly', async () => {
    const result = await testPresigner({ allowedTypes: ['image/svg+xml'] }).presign({
      fileName: 'logo.svg',
      contentType: 'image/svg+xml',
    });
    expect(result.key).toMatch(/-logo\.svg$/);
  });

  it('signs the normalised type, keeping parameters', async () => {
    const presigner = testPresigner({ allowedTypes: ['text/plain'] });
    const upper = await presigner.presign({
      fileName: 'a.txt',
      contentType: 'TEXT/Plain ;charset=utf-8',
    });
    expect(upper.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('keeps a quoted parameter whole, even with a semicolon inside', async () => {
    const presigner = testPresigner({ allowedTypes: ['text/plain'] });
    const result = await presigner.presign({
      fileName: 'a.txt',
      contentType: 'text/plain; name="a;b c"; Charset=utf-8',
    });
    expect(result.headers['content-type']).toBe('text/plain; name="a;b c"; charset=utf-8');
  });

  it.each([
    'jpeg',
    'image/',
    '/jpeg',
    'image/jp eg',
    'image/jpeg\r\nx-evil: 1',
    'image/jpeg; name=é',
    'text/plain, text/html',
  ])('refuses a malformed type (%j) as an invalid request', async (contentType) => {
    const error = await presignError(testPresigner().presign({ fileName: 'a.jpg', contentType }));
    expect(error.code).toBe('INVALID_REQUEST');
  });
});

describe('createPresigner: size', () => {
  it('signs Content-Length when a size is declared', async () => {
    const result = await testPresigner({ maxSize: 1000 }).presign({ ...sample, size: 1000 });
    expect(new URL(result.uploadUrl).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host;if-none-match',
    );
    expect(result.headers['content-length']).toBe('1000');
  });

  it('requires a size for PUT when maxSize is set, and says why', async () => {
    const error = await presignError(testPresigner({ maxSize: 1000 }).presign(sample));
    expect([error.code, error.status]).toEqual(['SIZE_REQUIRED', 400]);
    expect(error.message).toMatch(/size.*limit/i);
  });

  it('refuses a declared size over maxSize with 413', async () => {
    const error = await presignError(testPresigner({ maxSize: 1000 }).presign({ ...sample, size: 1001 }));
    expect([error.code, error.status]).toEqual(['TOO_LARGE', 413]);
  });

  it.each(['PUT', 'POST'] as const)(
    'refuses a single %s over 5 GiB even under a larger maxSize, pointing to multipart',
    async (method) => {
      const presigner = testPresigner({ method, maxSize: 5 * 1024 ** 4 });
      const error = await presignError(presigner.presign({ ...sample, size: 5 * 1024 ** 3 + 1 }));
      expect([error.code, error.status]).toEqual(['TOO_LARGE', 413]);
      expect(error.message).toContain('createMultipart');
      await expect(presigner.presign({ ...sample, size: 5 * 1024 ** 3 })).resolves.toMatchObject({ method });
      // Without a declared size, a POST policy still caps the range at what one request can carry.
      const post = testPresigner({ method: 'POST', maxSize: 5 * 1024 ** 4 });
      if (method === 'POST')
        expect(policyConditions((await post.presign(sample)).fields)).toContainEqual([
          'content-length-range',
          0,
          5 * 1024 ** 3,
        ]);
    },
  );

  it.each([-1, 1.5, Number.NaN, '12', 2 ** 60])('refuses size %j', async (size) => {
    // What a JavaScript caller or a JSON body may send, past the types.
    const error = await presignError(testPresigner().presign({ ...sample, size: size as number }));
    expect(error.code).toBe('INVALID_REQUEST');
  });

  it('puts the size range into a POST policy', async () => {
    const presigner = testPresigner({ method: 'POST', maxSize: 5000 });
    const open = await presigner.presign(sample);
    const exact = await presigner.presign({ ...sample, size: 123 });
    expect(policyConditions(open.fields)).toContainEqual(['content-length-range', 0, 5000]);
    expect(policyConditions(exact.fields)).toContainEqual(['content-length-range', 123, 123]);
  });
});

describe('createPresigner: what a PUT signs besides type and size', () => {
  const signedHeaders = (result: PresignedPut) => new URL(result.uploadUrl).searchParams.get('X-Amz-SignedHeaders');
  const documents = testPresigner({
    allowedTypes: ['image/*', 'application/pdf', 'image/svg+xml', 'text/plain', 'video/mp4'],
  });

  it.each([
    ['résumé.pdf', 'application/pdf', `attachment; filename=resume.pdf; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`],
    ['logo.svg', 'image/svg+xml', 'attachment; filename=logo.svg'],
    ['notes "1".txt', 'text/plain', 'attachment; filename=notes-1.txt'],
    ['写真.pdf', 'application/pdf', `attachment; filename=-.pdf; filename*=UTF-8''%E5%86%99%E7%9C%9F.pdf`],
  ])(
    'signs Content-Disposition: attachment for a document (%s) by default',
    async (fileName, contentType, disposition) => {
      const result = await documents.presign({ fileName, contentType });
      expect(result.headers['content-disposition']).toBe(disposition);
      expect(signedHeaders(result)).toBe('content-disposition;content-type;host;if-none-match');
    },
  );

  it.each([
    ['photo.jpg', 'image/jpeg'],
    ['clip.mp4', 'video/mp4'],
  ])('signs none for plain media (%s) by default, which browsers show inertly', async (fileName, contentType) => {
    const result = await documents.presign({ fileName, contentType });
    expect(result.headers['content-disposition']).toBeUndefined();
  });

  it('signs attachment for every type with contentDisposition "attachment", none with "inline"', async () => {
    const attachment = await testPresigner({ contentDisposition: 'attachment' }).presign(sample);
    const inline = await testPresigner({ contentDisposition: 'inline', allowedTypes: ['application/pdf'] }).presign({
      fileName: 'a.pdf',
      contentType: 'application/pdf',
    });
    expect(attachment.headers['content-disposition']).toBe('attachment; filename=sample.jpg');
    expect(inline.headers).toEqual({ 'content-type': 'application/pdf', 'if-none-match': '*' });
  });

  it('signs no If-None-Match with overwrite: true', async () => {
    const result = await testPresigner({ overwrite: true }).presign(sample);
    expect(result.headers).toEqual({ 'content-type': 'image/jpeg' });
    expect(signedHeaders(result)).toBe('content-type;host');
  });

  it('puts Content-Disposition into a POST form as a field the policy pins exactly', async () => {
    const presigner = testPresigner({ method: 'POST', allowedTypes: ['application/pdf'] });
    const result = await presigner.presign({
      fileName: 'report.pdf',
      contentType: 'application/pdf',
    });
    expect(result.fields['Content-Disposition']).toBe('attachment; filename=report.pdf');
    expect(policyConditions(result.fields)).toContainEqual({
      'Content-Disposition': 'attachment; filename=report.pdf',
    });
    expect(result.fields).not.toHaveProperty('If-None-Match');
  });

  it.each([
    [{ contentDisposition: 'download' }, 'contentDisposition'],
    [{ overwrite: 'yes' }, 'overwrite'],
  ])('refuses %j as INVALID_OPTIONS naming the option', (options, name) => {
    const error = createError(options as Partial<PresignerOptions>);
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toContain(`"${name}"`);
  });
});

describe('createPresigner: POST policies', () => {
  it('pins bucket, exact key (the staging key verify promotes to result.key) and Content-Type', async () => {
    const result = await testPresigner({ method: 'POST' }).presign(sample);
    const conditions = policyConditions(result.fields);
    const stagingKey = `uploads/.staging/${result.key.slice('uploads/'.length)}`;
    expect(result.method).toBe('POST');
    expect(result.fields.key).toBe(stagingKey);
    expect(result.fields['Content-Type']).toBe('image/jpeg');
    expect(conditions).toContainEqual({ bucket: 'my-uploads' });
    expect(conditions).toContainEqual({ key: stagingKey });
    expect(conditions).toContainEqual({ 'Content-Type': 'image/jpeg' });
    expect(conditions.some((condition) => Array.isArray(condition) && condition[0] === 'content-length-range')).toBe(
      false,
    );
  });
});

describe('createPresigner: SDK checksum parameters', () => {
  const isChecksumParameter = (name: string) => /^x-amz-(sdk-)?checksum/i.test(name);

  it('shows the SDK default would add them (so the next test proves something)', async () => {
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const client = new S3Client({ region: 'us-east-1', credentials: fakeCredentials });
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'b-1', Key: 'k' }));
    expect([...new URL(url).searchParams.keys()].some(isChecksumParameter)).toBe(true);
  });

  it('keeps them out of URLs, even from an injected client on the SDK defaults', async () => {
    const client = new S3Client({ region: 'us-east-1', credentials: fakeCredentials });
    const injected = createPresigner({ bucket: 'b-1', client, allowedTypes: ['image/*'] });
    for (const presigner of [injected, testPresigner()]) {
      const result = await presigner.presign({ ...sample, size: 10 });
      expect([...new URL(result.uploadUrl).searchParams.keys()].filter(isChecksumParameter)).toEqual([]);
    }
  });
});

describe('createPresigner: expiry', () => {
  it('uses expiresIn', async () => {
    const result = await testPresigner({ expiresIn: 60 }).presign(sample);
    expect(result.expiresIn).toBe(60);
    expect(new URL(result.uploadUrl).searchParams.get('X-Amz-Expires')).toBe('60');
  });

  it('never outlives the credentials that sign it', async () => {
    const expiration = new Date(Date.now() + 90_000);
    const presigner = testPresigner({
      expiresIn: 3600,
      credentials: async () => ({ ...fakeCredentials, sessionToken: 't', expiration }),
    });
    const result = await presigner.presign(sample);
    expect(result.expiresIn).toBeGreaterThanOrEqual(88);
    expect(result.expiresIn).toBeLessThanOrEqual(90);
    expect(new URL(result.uploadUrl).searchParams.get('X-Amz-Expires')).toBe(String(result.expiresIn));
    expect(Date.parse(result.expiresAt)).toBeLessThanOrEqual(expiration.getTime());
  });

  it('refuses to sign with expired credentials', async () => {
    const presigner = testPresigner({
      credentials: async () => ({ ...fakeCredentials, expiration: new Date(Date.now() - 1000) }),
    });
    const error = await presignError(presigner.presign(sample));
    expect([error.code, error.status]).toEqual(['SIGNING_FAILED', 500]);
  });
});

describe('createPresigner: signing failures', () => {
  it('reports a credentials provider that fails, with its reason', async () => {
    const presigner = testPresigner({
      credentials: async () => Promise.reject(new Error('metadata service unreachable')),
    });
    const error = await presignError(presigner.presign(sample));
    expect([error.code, error.status]).toEqual(['SIGNING_FAILED', 500]);
    expect(error.message).toBe('Could not load credentials: metadata service unreachable');
  });

  it('refuses to sign with static credentials that have expired', async () => {
    const presigner = testPresigner({ credentials: { ...fakeCredentials, expiration: new Date(Date.now() - 1000) } });
    const error = await presignError(presigner.presign(sample));
    expect([error.code, error.message]).toEqual(['SIGNING_FAILED', 'The signing credentials have expired.']);
  });

  it.each(['PUT', 'POST'] as const)('reports an SDK that cannot sign a %s, with its reason', async (method) => {
    const client = new S3Client({
      region: 'us-east-1',
      credentials: async () => Promise.reject(new Error('no profile')),
    });
    const error = await presignError(
      testPresigner({ client, method, region: undefined, credentials: undefined }).presign(sample),
    );
    expect([error.code, error.status]).toEqual(['SIGNING_FAILED', 500]);
    expect(error.message).toContain('no profile');
  });
});

describe('createPresigner: options', () => {
  it.each<[Partial<PresignerOptions>, string]>([
    [{ bucket: '' }, 'bucket'],
    [{ prefix: 'uploads' }, 'prefix'],
    [{ prefix: '/uploads/' }, 'prefix'],
    [{ allowedTypes: [] }, 'allowedTypes'],
    [{ allowedTypes: ['image'] }, 'allowedTypes'],
    [{ allowedTypes: ['*/*'] }, 'allowedTypes'],
    [{ maxSize: 0 }, 'maxSize'],
    [{ maxSize: 6 * 1024 ** 4 }, 'maxSize'],
    [{ multipartSecret: 'too short' }, 'multipartSecret'],
    [{ partSize: 5 * 1024 ** 2 - 1 }, 'partSize'],
    [{ partSize: 5 * 1024 ** 3 + 1 }, 'partSize'],
    [{ expiresIn: 604_801 }, 'expiresIn'],
    [{ expiresIn: 0 }, 'expiresIn'],
    [{ method: 'GET' as 'PUT' }, 'method'],
    [{ endpoint: 'not a url' }, 'endpoint'],
    [{ credentials: { accessKeyId: 'x' } as never }, 'credentials'],
    [{ key: 'uploads/x' as never }, 'key'],
    [{ client: new S3Client({}), region: 'us-east-1' }, 'client'],
  ])('refuses %j, naming the option', (options, name) => {
    const error = createError(options);
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toContain(`"${name}"`);
  });
});

describe('createPresigner: custom keys', () => {
  it('gives the key function the context, an id and the safe name', async () => {
    const presigner = testPresigner<{ userId: string }>({
      key: ({ prefix, id, safeName, context }) => `${prefix}${context.userId}/${id}-${safeName}`,
    });
    const result = await presigner.presign(
      { fileName: '../../etc/passwd.jpg', contentType: 'image/jpeg' },
      { userId: 'u-42' },
    );
    expect(result.key).toMatch(/^uploads\/u-42\/[0-9a-f-]{36}-passwd\.jpg$/);
  });

  it.each([
    'other/x.jpg',
    'uploads/',
    'uploads/../x.jpg',
    'uploads//x.jpg',
    'uploads/a\\b.jpg',
    'uploads/a\u202Eb.jpg',
    `uploads/${'a'.repeat(1020)}.jpg`,
    'uploads/x.html',
    'uploads/.staging/x.jpg',
  ])('validates what it returns (%j)', async (key) => {
    const error = await presignError(testPresigner({ key: () => key }).presign(sample));
    expect(error.code).toBe('INVALID_KEY');
  });
});

describe('createPresignOnlyPresigner', () => {
  const options = {
    bucket: 'my-uploads',
    region: 'us-east-1',
    credentials: fakeCredentials,
    allowedTypes: ['image/*'],
  };

  it('presigns a PUT and a POST as createPresigner does without a secret', async () => {
    // Act
    const put = await createPresignOnlyPresigner(options).presign({ ...sample, size: 100 });
    const full = await createPresigner(options).presign({ ...sample, size: 100 });
    const post = (await createPresignOnlyPresigner({ ...options, method: 'POST' }).presign(sample)) as PresignedPost;

    // Assess
    expect(new URL(put.uploadUrl).searchParams.get('X-Amz-SignedHeaders')).toBe(
      new URL(full.uploadUrl).searchParams.get('X-Amz-SignedHeaders'),
    );
    expect([put.method, put.headers, put.expiresIn]).toEqual([full.method, full.headers, full.expiresIn]);
    expect(put).not.toHaveProperty('receipt');
    expect([post.method, post.fields['Content-Type']]).toEqual(['POST', 'image/jpeg']);
  });

  it('refuses a secret at creation, naming createPresigner for receipts', () => {
    for (const secret of [{ secret: 'x'.repeat(32) }, { multipartSecret: 'x'.repeat(32) }]) {
      let error: unknown;
      try {
        createPresignOnlyPresigner({ ...options, ...secret } as PresignerOptions);
      } catch (thrown) {
        error = thrown;
      }
      expect(isPresignError(error) && [error.code, error.status]).toEqual(['INVALID_OPTIONS', 500]);
      expect((error as Error).message).toMatch(/"secret".*use createPresigner/);
    }
  });

  it('answers verify and every multipart step as a presigner without a secret does', async () => {
    const presigner = createPresignOnlyPresigner(options);
    const token = { token: 'x' };

    const verify = await presignError(presigner.verify({ receipt: 'x' }));
    const steps = await Promise.all([
      presignError(presigner.createMultipart({ ...sample, size: 10 * 1024 * 1024 })),
      presignError(presigner.signParts({ ...token, partNumbers: [1] })),
      presignError(presigner.listParts(token)),
      presignError(presigner.completeMultipart({ ...token, parts: [{ partNumber: 1, etag: '"e"' }] })),
      presignError(presigner.abortMultipart(token)),
    ]);

    expect([verify.code, verify.status]).toEqual(['RECEIPTS_DISABLED', 400]);
    expect(steps.map((error) => [error.code, error.status])).toEqual(Array(5).fill(['MULTIPART_DISABLED', 400]));
    const without = createPresigner(options);
    expect((await presignError(without.verify({ receipt: 'x' }))).message).toBe(verify.message);
    expect((await presignError(without.listParts(token))).message).toBe(steps[2]!.message);
  });
});
