import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { presignerFromEnv, type LambdaHandler } from '../../../src/adapters/aws-lambda/index.js';
import { PresignError } from '../../../src/index.js';
import { lambdaEvent } from '../../helpers/lambda-events.js';

const jpeg = { fileName: 'sample.jpg', contentType: 'image/jpeg', size: 1000 };

// The SDK takes region and credentials from the environment, as in Lambda.
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

describe('presignerFromEnv', () => {
  it('needs only PRESIGN_BUCKET, allows image/* by default, and signs with the SDK-resolved region and session', async () => {
    const { presigner, handlerOptions } = presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads' });
    const result = await presigner.presign(jpeg);
    expect(result).toMatchObject({ method: 'PUT', expiresIn: 300, key: expect.stringMatching(/^uploads\//) });
    expect(result.uploadUrl).toMatch(/^https:\/\/my-uploads\.s3\.eu-central-1\.amazonaws\.com\//);
    expect(new URL(result.uploadUrl).searchParams.get('X-Amz-Security-Token')).toBe('fixture-session-token');
    expect(handlerOptions).toEqual({});
    await expect(presigner.presign({ fileName: 'a.pdf', contentType: 'application/pdf' })).rejects.toMatchObject({
      code: 'TYPE_NOT_ALLOWED',
    });
  });

  it('takes what a variable cannot carry, such as a key function, beside the variables', async () => {
    const { presigner } = presignerFromEnv<unknown>(
      { PRESIGN_BUCKET: 'my-uploads', PRESIGN_PREFIX: 'avatars/' },
      { key: ({ prefix, id, safeName }) => `${prefix}team-1/${id}-${safeName}` },
    );
    const { key } = await presigner.presign({ fileName: 'a.jpg', contentType: 'image/jpeg' });
    expect(key).toMatch(/^avatars\/team-1\/[0-9a-f-]{36}-a\.jpg$/);
  });

  it('reads PRESIGN_PREFIX', async () => {
    const { presigner } = presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads', PRESIGN_PREFIX: 'avatars/' });
    expect((await presigner.presign(jpeg)).key).toMatch(/^avatars\/.+-sample\.jpg$/);
  });

  it('reads PRESIGN_ALLOWED_TYPES as a comma-separated list', async () => {
    const { presigner } = presignerFromEnv({
      PRESIGN_BUCKET: 'my-uploads',
      PRESIGN_ALLOWED_TYPES: ' application/pdf , video/* ',
    });
    await expect(presigner.presign({ fileName: 'a.pdf', contentType: 'application/pdf' })).resolves.toMatchObject({
      method: 'PUT',
    });
    await expect(presigner.presign({ fileName: 'a.mp4', contentType: 'video/mp4' })).resolves.toMatchObject({
      method: 'PUT',
    });
    await expect(presigner.presign(jpeg)).rejects.toMatchObject({ code: 'TYPE_NOT_ALLOWED' });
  });

  it('reads PRESIGN_MAX_SIZE in bytes', async () => {
    const { presigner } = presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads', PRESIGN_MAX_SIZE: '999' });
    await expect(presigner.presign(jpeg)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(presigner.presign({ ...jpeg, size: 999 })).resolves.toMatchObject({
      headers: { 'content-length': '999' },
    });
  });

  it('reads PRESIGN_EXPIRES_IN in seconds', async () => {
    const { presigner } = presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads', PRESIGN_EXPIRES_IN: '60' });
    const result = await presigner.presign(jpeg);
    expect(result.expiresIn).toBe(60);
    expect(new URL(result.uploadUrl).searchParams.get('X-Amz-Expires')).toBe('60');
  });

  it('reads PRESIGN_ALLOWED_ORIGINS into the handler options', () => {
    const { handlerOptions } = presignerFromEnv({
      PRESIGN_BUCKET: 'my-uploads',
      PRESIGN_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173',
    });
    expect(handlerOptions).toEqual({ allowedOrigins: ['https://app.example.com', 'http://localhost:5173'] });
  });

  it('reads PRESIGN_METHOD', async () => {
    const { presigner } = presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads', PRESIGN_METHOD: 'POST' });
    const result = await presigner.presign(jpeg);
    expect(result).toMatchObject({
      method: 'POST',
      fields: { 'Content-Type': 'image/jpeg', 'X-Amz-Security-Token': 'fixture-session-token' },
    });
  });

  it('reads PRESIGN_S3_ENDPOINT and PRESIGN_FORCE_PATH_STYLE', async () => {
    const env = { PRESIGN_BUCKET: 'my-uploads', PRESIGN_S3_ENDPOINT: 'http://s3.example.test:9000' };
    const pathStyle = await presignerFromEnv({ ...env, PRESIGN_FORCE_PATH_STYLE: 'true' }).presigner.presign(jpeg);
    const virtualHost = await presignerFromEnv({ ...env, PRESIGN_FORCE_PATH_STYLE: 'false' }).presigner.presign(jpeg);
    expect(pathStyle.uploadUrl).toMatch(/^http:\/\/s3\.example\.test:9000\/my-uploads\/uploads\//);
    expect(virtualHost.uploadUrl).toMatch(/^http:\/\/my-uploads\.s3\.example\.test:9000\/uploads\//);
  });

  it('reads PRESIGN_CONTENT_DISPOSITION and PRESIGN_OVERWRITE', async () => {
    const pdf = { fileName: 'report.pdf', contentType: 'application/pdf' };
    const env = { PRESIGN_BUCKET: 'my-uploads', PRESIGN_ALLOWED_TYPES: 'application/pdf' };
    const byDefault = await presignerFromEnv(env).presigner.presign(pdf);
    const configured = await presignerFromEnv({
      ...env,
      PRESIGN_CONTENT_DISPOSITION: 'inline',
      PRESIGN_OVERWRITE: 'true',
    }).presigner.presign(pdf);
    expect(byDefault).toMatchObject({
      headers: { 'content-disposition': 'attachment; filename=report.pdf', 'if-none-match': '*' },
    });
    expect((configured as { headers: Record<string, string> }).headers).toEqual({ 'content-type': 'application/pdf' });
  });

  it('reads PRESIGN_CHECKSUM, the algorithm the storage probe advises', async () => {
    const sha256 = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
    const env = { PRESIGN_BUCKET: 'my-uploads', PRESIGN_CHECKSUM: 'sha256' };
    const signed = await presignerFromEnv(env).presigner.presign({ ...jpeg, checksum: sha256 });
    expect(new URL(signed.uploadUrl).searchParams.get('x-amz-checksum-sha256')).toBe(sha256);
    // The default, md5, takes no SHA-256 digest.
    await expect(
      presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads' }).presigner.presign({ ...jpeg, checksum: sha256 }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it.each(['PRESIGN_SECRET', 'PRESIGN_MULTIPART_SECRET'])(
    'reads %s and PRESIGN_PART_SIZE: multipart uploads are signed with them',
    async (secretVariable) => {
      const env = {
        PRESIGN_BUCKET: 'my-uploads',
        PRESIGN_ALLOWED_TYPES: 'video/*',
        [secretVariable]: 'a-secret-from-secrets-manager-0123456789',
        PRESIGN_PART_SIZE: String(6 * 1024 ** 2),
      };
      const { presigner } = presignerFromEnv(env);
      // Lambda's credentials are in its environment: the direct signer, which calls S3 over fetch.
      const fetchSpy = vi
        .spyOn(globalThis, 'fetch')
        .mockResolvedValueOnce(
          new Response('<InitiateMultipartUploadResult><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>'),
        );
      try {
        const upload = await presigner.createMultipart({
          fileName: 'a.mp4',
          contentType: 'video/mp4',
          size: 13 * 1024 ** 2,
        });
        expect(upload).toMatchObject({ partSize: 6 * 1024 ** 2, partCount: 3 });
        // Another instance (another Lambda) with the same configuration and secret accepts the token;
        // one configured otherwise does not (tokens are bound to the presigner's rules).
        const other = presignerFromEnv({ ...env }).presigner;
        await expect(other.signParts({ token: upload.token, partNumbers: [3] })).resolves.toMatchObject({
          parts: [{ headers: { 'content-length': String(1024 ** 2) } }],
        });
        const otherRules = presignerFromEnv({
          PRESIGN_BUCKET: 'my-uploads',
          [secretVariable]: 'a-secret-from-secrets-manager-0123456789',
        }).presigner;
        await expect(otherRules.signParts({ token: upload.token, partNumbers: [3] })).rejects.toMatchObject({
          code: 'INVALID_TOKEN',
        });
      } finally {
        fetchSpy.mockRestore();
      }
    },
  );

  it.each(['PRESIGN_SECRET', 'PRESIGN_MULTIPART_SECRET'])('never echoes %s in an error', (secretVariable) => {
    const error = catchError(() =>
      presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads', [secretVariable]: 'short-secret' }),
    );
    expect((error as Error).message).toBe(
      `${secretVariable} must be at least 32 characters: it signs upload receipts and multipart tokens`,
    );
  });

  it('counts an empty variable as unset', async () => {
    const { presigner } = presignerFromEnv({
      PRESIGN_BUCKET: 'my-uploads',
      PRESIGN_MAX_SIZE: '',
      PRESIGN_ALLOWED_TYPES: ' ',
    });
    await expect(presigner.presign({ ...jpeg, size: 10 ** 9 })).resolves.toMatchObject({ method: 'PUT' });
  });

  it.each([
    [{ PRESIGN_BUCKET: undefined }, 'PRESIGN_BUCKET is required: the name of the bucket uploads go to'],
    [{ PRESIGN_BUCKET: ' ' }, 'PRESIGN_BUCKET is required: the name of the bucket uploads go to'],
    [
      { PRESIGN_BUCKET: 'My Uploads' },
      'PRESIGN_BUCKET must be a bucket name: 3 or more letters, digits, dots, dashes or underscores, got "My Uploads"',
    ],
    [{ PRESIGN_PREFIX: 'avatars' }, 'PRESIGN_PREFIX must end with "/" (e.g. "uploads/"), got "avatars"'],
    [
      { PRESIGN_ALLOWED_TYPES: 'images' },
      'PRESIGN_ALLOWED_TYPES must list media types such as "application/pdf" or wildcards such as "image/*", got "images"',
    ],
    [
      { PRESIGN_ALLOWED_TYPES: ',' },
      'PRESIGN_ALLOWED_TYPES must name at least one content type: an empty list would refuse every upload, got ","',
    ],
    [{ PRESIGN_MAX_SIZE: 'ten' }, 'PRESIGN_MAX_SIZE must be a whole number of bytes, got "ten"'],
    [{ PRESIGN_MAX_SIZE: '1.5' }, 'PRESIGN_MAX_SIZE must be a whole number of bytes, got "1.5"'],
    [{ PRESIGN_MAX_SIZE: '-1' }, 'PRESIGN_MAX_SIZE must be a whole number of bytes, got "-1"'],
    [{ PRESIGN_MAX_SIZE: '0' }, 'PRESIGN_MAX_SIZE must be at least 1 byte, got "0"'],
    [{ PRESIGN_EXPIRES_IN: '5m' }, 'PRESIGN_EXPIRES_IN must be a whole number of seconds, got "5m"'],
    [
      { PRESIGN_EXPIRES_IN: '604801' },
      'PRESIGN_EXPIRES_IN must be at most 604800 seconds (7 days), the SigV4 limit, got "604801"',
    ],
    [
      { PRESIGN_ALLOWED_ORIGINS: 'https://app.example.com/' },
      'PRESIGN_ALLOWED_ORIGINS must list origins such as "https://app.example.com" (no path, no trailing slash) or "*", got "https://app.example.com/"',
    ],
    [{ PRESIGN_METHOD: 'put' }, 'PRESIGN_METHOD must be "PUT" or "POST", got "put"'],
    [
      { PRESIGN_S3_ENDPOINT: '127.0.0.1:7480' },
      'PRESIGN_S3_ENDPOINT must be a URL such as http://127.0.0.1:7480, got "127.0.0.1:7480"',
    ],
    [{ PRESIGN_FORCE_PATH_STYLE: 'yes' }, 'PRESIGN_FORCE_PATH_STYLE must be "true" or "false", got "yes"'],
    [{ PRESIGN_FORCE_PATH_STYLE: 'TRUE' }, 'PRESIGN_FORCE_PATH_STYLE must be "true" or "false", got "TRUE"'],
    [{ PRESIGN_OVERWRITE: 'yes' }, 'PRESIGN_OVERWRITE must be "true" or "false", got "yes"'],
    [
      { PRESIGN_CHECKSUM: 'SHA256' },
      'PRESIGN_CHECKSUM must be "md5", "sha256", "crc32", "crc64nvme" or "none", got "SHA256"',
    ],
    [
      { PRESIGN_CONTENT_DISPOSITION: 'download' },
      'PRESIGN_CONTENT_DISPOSITION must be "attachment", "inline" or "auto", got "download"',
    ],
    [
      { PRESIGN_PART_SIZE: '1048576' },
      'PRESIGN_PART_SIZE must be at least 5 MiB (5242880), the smallest part S3 accepts, got "1048576"',
    ],
  ])('refuses %j with an error naming the variable', (env: Record<string, string | undefined>, message) => {
    const error = catchError(() => presignerFromEnv({ PRESIGN_BUCKET: 'my-uploads', ...env }));
    expect(error).toBeInstanceOf(PresignError);
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS', message });
  });

  it('names every wrong variable in one message', () => {
    const error = catchError(() => presignerFromEnv({ PRESIGN_MAX_SIZE: 'ten', PRESIGN_METHOD: 'PATCH' }));
    expect((error as Error).message).toBe(
      'PRESIGN_BUCKET is required: the name of the bucket uploads go to; PRESIGN_MAX_SIZE must be a whole number of bytes, got "ten"; PRESIGN_METHOD must be "PUT" or "POST", got "PATCH"',
    );
  });

  it('reads process.env by default', () => {
    vi.stubEnv('PRESIGN_MAX_SIZE', 'ten');
    expect(() => presignerFromEnv()).toThrow('PRESIGN_BUCKET is required');
  });
});

describe('handler', () => {
  // A fresh module for each test: the handler keeps its configuration for the life of the module.
  async function freshHandler(): Promise<LambdaHandler> {
    vi.resetModules();
    return (await import('../../../src/adapters/aws-lambda/index.js')).handler;
  }

  it('without PRESIGN_BUCKET logs one line per cold start and answers every request with a 500 that leaks nothing', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.stubEnv('PRESIGN_ALLOWED_TYPES', 'image/png');
    const handler = await freshHandler();

    const first = await handler(lambdaEvent('apigw-http'));
    const second = await handler(lambdaEvent('alb'));

    expect(log).toHaveBeenCalledOnce();
    expect(log).toHaveBeenCalledWith(
      '[upload-presigner] PRESIGN_BUCKET is required: the name of the bucket uploads go to',
    );
    const body = JSON.stringify({
      error: { code: 'INVALID_OPTIONS', message: 'The upload endpoint is misconfigured; the server log says why.' },
    });
    expect(first).toEqual({
      statusCode: 500,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body,
      isBase64Encoded: false,
    });
    expect(second).toMatchObject({ statusCode: 500, statusDescription: '500 Internal Server Error', body });
  });

  it('with valid configuration signs with the session token and keeps that configuration', async () => {
    const handler = await freshHandler();
    // Set after import: the configuration is read on the first invocation, not at load.
    vi.stubEnv('PRESIGN_BUCKET', 'env-uploads');
    vi.stubEnv('PRESIGN_PREFIX', 'from-env/');

    const result = await handler(lambdaEvent('function-url'));
    expect(result.statusCode).toBe(200);
    const { uploadUrl, key } = JSON.parse(result.body);
    expect(uploadUrl).toContain('X-Amz-Security-Token=fixture-session-token');
    expect(uploadUrl).toMatch(/^https:\/\/env-uploads\.s3\.eu-central-1\.amazonaws\.com\/from-env\//);
    expect(key).toMatch(/^from-env\//);

    vi.stubEnv('PRESIGN_PREFIX', 'changed/');
    const again = JSON.parse((await handler(lambdaEvent('apigw-rest'))).body);
    expect(again.key).toMatch(/^from-env\//);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
