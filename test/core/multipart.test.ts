import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  NoSuchUpload,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpHandler, createPresigner, type MultipartUpload, type PresignerOptions } from '../../src/index.js';
import { fakeCredentials, presignError, sdkTestPresigner, testPresigner } from '../helpers/presign.js';

// Control-plane calls (Create, ListParts, Complete, Abort, HeadObject) against a mocked S3Client,
// which the presigner is given (the SDK path; with only credentials it calls S3 over fetch,
// s3-fetch.ts); what the storage really enforces is proven against Ceph RGW on both paths in
// multipart.rgw.test.ts.

const MIB = 1024 ** 2;
const SECRET = 'a-multipart-secret-of-at-least-32-characters';
const UPLOAD_ID = '2~upload+id/with=odd~characters';
const s3 = mockClient(S3Client);

function presigner(options: Partial<PresignerOptions> = {}) {
  return sdkTestPresigner({
    allowedTypes: ['video/*'],
    maxSize: 1024 ** 4,
    multipartSecret: SECRET,
    partSize: 5 * MIB,
    ...options,
  });
}

const video = (size: number) => ({ fileName: 'clip.mp4', contentType: 'video/mp4', size });

/** A presigner with credentials and no client: the direct signer, which calls S3 over fetch. */
function directPresigner(options: Partial<PresignerOptions> = {}) {
  return testPresigner({
    allowedTypes: ['video/*'],
    maxSize: 1024 ** 4,
    secret: SECRET,
    partSize: 5 * MIB,
    ...options,
  });
}

/** Answers the next fetch as S3 answers CreateMultipartUpload. */
const answerCreateOverFetch = () =>
  vi
    .spyOn(globalThis, 'fetch')
    .mockResolvedValueOnce(
      new Response(`<InitiateMultipartUploadResult><UploadId>${UPLOAD_ID}</UploadId></InitiateMultipartUploadResult>`),
    );

function storageError(name: string, status: number) {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

/** `parts` as ListParts answers them: every part at its declared length unless overridden. */
function listed(upload: MultipartUpload, overrides: Record<number, number | null> = {}) {
  const parts = [];
  for (let partNumber = 1; partNumber <= upload.partCount; partNumber++) {
    const size =
      partNumber < upload.partCount ? upload.partSize : upload.size - (upload.partCount - 1) * upload.partSize;
    if (overrides[partNumber] === null) continue;
    parts.push({ PartNumber: partNumber, Size: overrides[partNumber] ?? size, ETag: `"etag-${partNumber}"` });
  }
  return parts;
}

beforeEach(() => {
  s3.reset();
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: UPLOAD_ID });
  // As a storage answers for a key no upload has completed yet.
  s3.on(HeadObjectCommand).rejects(storageError('NotFound', 404));
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('createMultipart', () => {
  it('starts an upload with the signed type under a fresh key, and says how to cut the file', async () => {
    const upload = await presigner().createMultipart(video(12 * MIB + 1));
    expect(upload).toMatchObject({
      method: 'MULTIPART',
      uploadId: UPLOAD_ID,
      size: 12 * MIB + 1,
      contentType: 'video/mp4',
      partSize: 5 * MIB,
      partCount: 3,
    });
    expect(upload.key).toMatch(/^uploads\/[0-9a-f-]{36}-clip\.mp4$/);
    expect(Date.parse(upload.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    const [call] = s3.commandCalls(CreateMultipartUploadCommand);
    expect(call!.args[0].input).toEqual({ Bucket: 'my-uploads', Key: upload.key, ContentType: 'video/mp4' });
  });

  it('grows the part size in whole MiB so that a large file needs at most 10,000 parts', async () => {
    const size = 200 * 1024 ** 3 + 7;
    const upload = await presigner().createMultipart(video(size));
    expect(upload.partSize % MIB).toBe(0);
    expect(upload.partCount).toBeLessThanOrEqual(10_000);
    expect(upload.partCount * upload.partSize).toBeGreaterThanOrEqual(size);
    expect((upload.partCount - 1) * upload.partSize).toBeLessThan(size);
  });

  it('goes beyond the 5 GiB of a single upload, within maxSize', async () => {
    await expect(presigner().createMultipart(video(6 * 1024 ** 3))).resolves.toMatchObject({
      partCount: Math.ceil((6 * 1024 ** 3) / (5 * MIB)),
    });
  });

  it.each([
    ['no size', { fileName: 'clip.mp4', contentType: 'video/mp4' }, 'INVALID_REQUEST', 400],
    ['a size of 0', video(0), 'INVALID_REQUEST', 400],
    ['a type not allowed', { fileName: 'a.pdf', contentType: 'application/pdf', size: 10 }, 'TYPE_NOT_ALLOWED', 415],
    ['a size over maxSize', { ...video(11), size: 2 * 1024 ** 4 }, 'TOO_LARGE', 413],
    [
      'an extension of another type',
      { fileName: 'clip.exe', contentType: 'video/mp4', size: 10 },
      'EXTENSION_MISMATCH',
      400,
    ],
  ])('refuses %s with the rules of a single upload, before calling the storage', async (_, request, code, status) => {
    // 'no size' does not compile for TypeScript callers; JavaScript ones reach the run-time check.
    const error = await presignError(presigner().createMultipart(request as ReturnType<typeof video>));
    expect([error.code, error.status]).toEqual([code, status]);
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('refuses more than the 5 TiB S3 stores, even without maxSize', async () => {
    const error = await presignError(presigner({ maxSize: undefined }).createMultipart(video(5 * 1024 ** 4 + 1)));
    expect([error.code, error.status]).toEqual(['TOO_LARGE', 413]);
    await expect(presigner({ maxSize: undefined }).createMultipart(video(5 * 1024 ** 4))).resolves.toMatchObject({
      partCount: expect.any(Number),
    });
  });

  it('needs multipartSecret, and says so', async () => {
    const error = await presignError(presigner({ multipartSecret: undefined }).createMultipart(video(10)));
    expect([error.code, error.status]).toEqual(['MULTIPART_DISABLED', 400]);
    expect(error.message).toContain('multipartSecret');
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('reports a refusal of the storage as STORAGE_ERROR (502)', async () => {
    s3.on(CreateMultipartUploadCommand).rejects(storageError('AccessDenied', 403));
    const error = await presignError(presigner().createMultipart(video(10)));
    expect([error.code, error.status]).toEqual(['STORAGE_ERROR', 502]);
    expect(error.message).toContain('AccessDenied');
  });
});

describe('signParts', () => {
  it('signs each part with its exact length, the last one holding the rest', async () => {
    const p = directPresigner();
    answerCreateOverFetch();
    const upload = await p.createMultipart(video(12 * MIB + 1));
    const { parts, expiresIn } = await p.signParts({ token: upload.token, partNumbers: [3, 1] });
    expect(expiresIn).toBe(300);
    expect(parts.map((part) => [part.partNumber, part.headers['content-length']])).toEqual([
      [3, String(2 * MIB + 1)],
      [1, String(5 * MIB)],
    ]);
    for (const part of parts) {
      const url = new URL(part.url);
      expect(url.pathname).toBe(`/${upload.key}`);
      expect(url.searchParams.get('partNumber')).toBe(String(part.partNumber));
      expect(url.searchParams.get('uploadId')).toBe(UPLOAD_ID);
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
      expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
    }
  });

  it('signs through an injected SDK client the same way, without checksum parameters', async () => {
    const client = new S3Client({ region: 'us-east-1', credentials: fakeCredentials });
    const p = createPresigner({ bucket: 'my-uploads', client, allowedTypes: ['video/*'], multipartSecret: SECRET });
    const upload = await p.createMultipart(video(10));
    const [part] = (await p.signParts({ token: upload.token, partNumbers: [1] })).parts;
    const url = new URL(part!.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    expect(part!.headers['content-length']).toBe('10');
    expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
  });

  it.each([
    ['a part beyond the upload', [4], /beyond this upload, which has 3 parts/],
    ['a repeated part', [1, 1], /repeat/],
    ['part 0', [0], /at least 1/],
    ['no part', [], /at least one/],
    ['101 parts', Array.from({ length: 101 }, (_, index) => index + 1), /at most 100/],
  ])('refuses %s with INVALID_REQUEST', async (_, partNumbers, message) => {
    const p = presigner();
    const upload = await p.createMultipart(video(12 * MIB + 1));
    const error = await presignError(p.signParts({ token: upload.token, partNumbers }));
    expect([error.code, error.status]).toEqual(['INVALID_REQUEST', 400]);
    expect(error.message).toMatch(message);
  });
});

describe('upload tokens', () => {
  async function token() {
    return (await presigner().createMultipart(video(12 * MIB + 1))).token;
  }
  const payloadOf = (value: string) => JSON.parse(Buffer.from(value.split('.')[0]!, 'base64url').toString('utf8'));
  const withPayload = (value: string, payload: unknown) =>
    `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${value.split('.')[1]}`;

  it.each([
    ['a declared size raised', (value: string) => withPayload(value, payloadOf(value).with(4, 5 * 1024 ** 3))],
    ['another key', (value: string) => withPayload(value, payloadOf(value).with(2, 'uploads/other.mp4'))],
    ['a changed MAC', (value: string) => `${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`],
    ['no MAC', (value: string) => value.split('.')[0]!],
    ['a third segment', (value: string) => `${value}.x`],
    ['garbage', () => 'not-a-token'],
  ])('refuses a token with %s as INVALID_TOKEN (403)', async (_, tamper) => {
    const error = await presignError(presigner().signParts({ token: tamper(await token()), partNumbers: [1] }));
    expect([error.code, error.status]).toEqual(['INVALID_TOKEN', 403]);
  });

  it('refuses a token signed with another secret, or for another bucket or prefix', async () => {
    const issued = await token();
    for (const other of [
      presigner({ multipartSecret: `${SECRET}-rotated` }),
      presigner({ bucket: 'other-bucket' }),
      presigner({ prefix: 'avatars/' }),
    ]) {
      expect((await presignError(other.signParts({ token: issued, partNumbers: [1] }))).code).toBe('INVALID_TOKEN');
    }
  });

  it('expires after 24 hours', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const issued = await token();
    vi.setSystemTime(Date.now() + 24 * 3600_000 - 1000);
    await expect(presigner().signParts({ token: issued, partNumbers: [1] })).resolves.toBeDefined();
    vi.setSystemTime(Date.now() + 1000);
    const error = await presignError(presigner().signParts({ token: issued, partNumbers: [1] }));
    expect(error.code).toBe('INVALID_TOKEN');
    expect(error.message).toMatch(/expired/);
  });

  it('is refused by a presigner whose prefix is a parent of the one it was issued under', async () => {
    const issued = (await presigner({ prefix: 'uploads/avatars/' }).createMultipart(video(12 * MIB + 1))).token;
    const error = await presignError(presigner({ prefix: 'uploads/' }).signParts({ token: issued, partNumbers: [1] }));
    expect([error.code, error.status]).toEqual(['INVALID_TOKEN', 403]);
  });

  it.each<[string, Partial<PresignerOptions>]>([
    ['other allowed types', { allowedTypes: ['video/*', 'application/pdf'] }],
    ['another maxSize', { maxSize: 1024 ** 3 }],
    ['another method', { method: 'POST' }],
    ['another part size', { partSize: 6 * MIB }],
  ])('is refused by a presigner with the same secret but %s', async (_, options) => {
    const issued = await token();
    const error = await presignError(presigner(options).signParts({ token: issued, partNumbers: [1] }));
    expect(error.code).toBe('INVALID_TOKEN');
    expect(error.message).toMatch(/another configuration/);
  });

  // The endpoint is a rule of presigners without a client, which call S3 over fetch.
  it('is refused by a presigner with the same secret but another endpoint', async () => {
    answerCreateOverFetch();
    const issued = (await directPresigner().createMultipart(video(12 * MIB + 1))).token;
    await expect(directPresigner().signParts({ token: issued, partNumbers: [1] })).resolves.toMatchObject({
      parts: [{ partNumber: 1 }],
    });
    const elsewhere = directPresigner({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    const error = await presignError(elsewhere.signParts({ token: issued, partNumbers: [1] }));
    expect([error.code, error.message]).toEqual(['INVALID_TOKEN', expect.stringMatching(/another configuration/)]);
  });

  it('works only for the caller it was issued to, at every step; nothing reaches the storage for another', async () => {
    const p = presigner() as ReturnType<typeof presigner> & {
      [K in 'signParts' | 'listParts' | 'completeMultipart' | 'abortMultipart']: (
        request: unknown,
        context?: unknown,
      ) => Promise<unknown>;
    };
    const { token: issued } = await p.createMultipart(video(12 * MIB + 1), { userId: 'alice' });
    s3.reset();
    for (const [step, request] of [
      ['signParts', { token: issued, partNumbers: [1] }],
      ['listParts', { token: issued }],
      ['completeMultipart', { token: issued }],
      ['abortMultipart', { token: issued }],
    ] as const) {
      for (const context of [{ userId: 'mallory' }, undefined]) {
        const error = await presignError(p[step](request, context));
        expect([step, error.code, error.status]).toEqual([step, 'FORBIDDEN', 403]);
      }
    }
    expect(s3.calls()).toHaveLength(0);
    await expect(p.signParts({ token: issued, partNumbers: [1] }, { userId: 'alice' })).resolves.toMatchObject({
      parts: { length: 1 },
    });
  });

  it('is accepted by any presigner with the same options and secret (stateless)', async () => {
    const issued = await token();
    await expect(presigner().signParts({ token: issued, partNumbers: [1, 2, 3] })).resolves.toMatchObject({
      parts: { length: 3 },
    });
  });
});

describe('completeMultipart', () => {
  async function started(size = 12 * MIB + 1) {
    const p = presigner();
    return { p, upload: await p.createMultipart(video(size)) };
  }

  it('completes with the parts the storage holds, in order, and answers what HeadObject sees', async () => {
    const { p, upload } = await started();
    s3.on(ListPartsCommand).resolves({ Parts: listed(upload).reverse() });
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '' });
    s3.on(HeadObjectCommand).resolves({ ContentLength: upload.size, ContentType: 'video/mp4', ETag: '"abc-3"' });
    const result = await p.completeMultipart({
      token: upload.token,
      parts: [
        { partNumber: 1, etag: 'etag-1' },
        { partNumber: 2, etag: '"etag-2"' },
      ],
    });
    expect(result).toEqual({ key: upload.key, size: upload.size, contentType: 'video/mp4', etag: '"abc-3"' });
    const [complete] = s3.commandCalls(CompleteMultipartUploadCommand);
    expect(complete!.args[0].input).toEqual({
      Bucket: 'my-uploads',
      Key: upload.key,
      UploadId: UPLOAD_ID,
      MultipartUpload: { Parts: [1, 2, 3].map((n) => ({ PartNumber: n, ETag: `"etag-${n}"` })) },
    });
  });

  it('reads every page of ListParts', async () => {
    const { p, upload } = await started(12 * MIB + 1);
    const parts = listed(upload);
    s3.on(ListPartsCommand, { PartNumberMarker: undefined }).resolves({
      Parts: parts.slice(0, 2),
      IsTruncated: true,
      NextPartNumberMarker: '2',
    });
    s3.on(ListPartsCommand, { PartNumberMarker: '2' }).resolves({ Parts: parts.slice(2), IsTruncated: false });
    s3.on(HeadObjectCommand).resolves({ ContentLength: upload.size, ContentType: 'video/mp4' });
    await expect(p.completeMultipart({ token: upload.token })).resolves.toMatchObject({ size: upload.size });
    expect(s3.commandCalls(ListPartsCommand)).toHaveLength(2);
  });

  it.each([
    ['a missing part', { 2: null }, [], /part 2 of 3 is missing/],
    ['parts missing', { 1: null, 3: null }, [], /parts 1, 3 of 3 are missing/],
    ['a part of another length', { 3: 7 }, [], /part 3 has 7 bytes, not 2097153/],
    [
      'a part that is not the one sent',
      {},
      [{ partNumber: 2, etag: '"other"' }],
      /part 2 in the storage is not the one sent/,
    ],
  ])(
    'refuses to complete with %s (409 INCOMPLETE_UPLOAD), calling no Complete',
    async (_, overrides, sent, message) => {
      const { p, upload } = await started();
      s3.on(ListPartsCommand).resolves({ Parts: listed(upload, overrides as Record<number, number | null>) });
      const error = await presignError(p.completeMultipart({ token: upload.token, parts: sent }));
      expect([error.code, error.status]).toEqual(['INCOMPLETE_UPLOAD', 409]);
      expect(error.message).toMatch(message);
      expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    },
  );

  it('answers a repeated completion with the object it made', async () => {
    const { p, upload } = await started();
    s3.on(ListPartsCommand).rejects(new NoSuchUpload({ $metadata: { httpStatusCode: 404 }, message: 'gone' }));
    s3.on(HeadObjectCommand).resolves({ ContentLength: upload.size, ContentType: 'video/mp4', ETag: '"x-3"' });
    await expect(p.completeMultipart({ token: upload.token })).resolves.toMatchObject({
      key: upload.key,
      size: upload.size,
    });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('says NOT_FOUND for an upload that is gone without an object', async () => {
    const { p, upload } = await started();
    s3.on(ListPartsCommand).rejects(storageError('NoSuchKey', 404));
    s3.on(HeadObjectCommand).rejects(storageError('NotFound', 404));
    const error = await presignError(p.completeMultipart({ token: upload.token }));
    expect([error.code, error.status]).toEqual(['NOT_FOUND', 404]);
  });
});

describe('listParts and abortMultipart', () => {
  it('lists the stored parts for resuming', async () => {
    const p = presigner();
    const upload = await p.createMultipart(video(12 * MIB + 1));
    s3.on(ListPartsCommand).resolves({ Parts: listed(upload, { 2: null }) });
    expect(await p.listParts({ token: upload.token })).toEqual({
      key: upload.key,
      parts: [
        { partNumber: 1, size: 5 * MIB, etag: '"etag-1"' },
        { partNumber: 3, size: 2 * MIB + 1, etag: '"etag-3"' },
      ],
    });
  });

  it('aborts, and aborts again while the storage still knows the upload', async () => {
    const p = presigner();
    const upload = await p.createMultipart(video(10));
    s3.on(AbortMultipartUploadCommand).resolves({});
    s3.on(ListPartsCommand)
      .resolvesOnce({ Parts: listed(upload) })
      .rejects(storageError('NoSuchUpload', 404));
    expect(await p.abortMultipart({ token: upload.token })).toEqual({ key: upload.key, aborted: true });
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(2);
  });

  it('treats aborting an upload that is already gone as done', async () => {
    const p = presigner();
    const upload = await p.createMultipart(video(10));
    s3.on(AbortMultipartUploadCommand).rejects(storageError('NoSuchUpload', 404));
    s3.on(ListPartsCommand).rejects(storageError('NoSuchUpload', 404));
    await expect(p.abortMultipart({ token: upload.token })).resolves.toEqual({ key: upload.key, aborted: true });
  });

  it('answers UPLOAD_COMPLETED (409) when the upload was completed: the storage forgets it, but the object is there', async () => {
    const p = presigner();
    const upload = await p.createMultipart(video(10));
    s3.on(AbortMultipartUploadCommand).rejects(storageError('NoSuchUpload', 404));
    s3.on(ListPartsCommand).rejects(storageError('NoSuchUpload', 404));
    s3.on(HeadObjectCommand).resolves({ ContentLength: 10, ContentType: 'video/mp4' });
    const error = await presignError(p.abortMultipart({ token: upload.token }));
    expect([error.code, error.status]).toEqual(['UPLOAD_COMPLETED', 409]);
  });

  it('fails with STORAGE_ERROR when the upload survives three aborts', async () => {
    const p = presigner();
    const upload = await p.createMultipart(video(10));
    s3.on(AbortMultipartUploadCommand).resolves({});
    s3.on(ListPartsCommand).resolves({ Parts: [] });
    expect((await presignError(p.abortMultipart({ token: upload.token }))).code).toBe('STORAGE_ERROR');
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(3);
  });
});

describe('multipart over HTTP', () => {
  const post = (handler: ReturnType<typeof createHttpHandler>, body: unknown) =>
    handler({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
      (response) => ({ ...response, json: JSON.parse(response.body) }),
    );

  it('runs each action on the same endpoint, and hands a started upload to onPresign', async () => {
    const onPresign = vi.fn();
    const handler = createHttpHandler(presigner(), { onPresign });
    const created = await post(handler, { action: 'createMultipart', ...video(12 * MIB + 1) });
    expect(created.status).toBe(200);
    expect(onPresign).toHaveBeenCalledWith(
      expect.objectContaining({ method: 'MULTIPART', key: created.json.key }),
      undefined,
    );
    const signed = await post(handler, { action: 'signParts', token: created.json.token, partNumbers: [1, 2, 3] });
    expect(signed.json.parts).toHaveLength(3);
    s3.on(ListPartsCommand).resolves({ Parts: listed(created.json, { 3: null }) });
    const incomplete = await post(handler, { action: 'completeMultipart', token: created.json.token });
    expect([incomplete.status, incomplete.json.error.code]).toEqual([409, 'INCOMPLETE_UPLOAD']);
    const listedParts = await post(handler, { action: 'listParts', token: created.json.token });
    expect(listedParts.json.parts.map((part: { partNumber: number }) => part.partNumber)).toEqual([1, 2]);
    s3.on(AbortMultipartUploadCommand).resolves({});
    s3.on(ListPartsCommand).rejects(storageError('NoSuchUpload', 404));
    expect((await post(handler, { action: 'abortMultipart', token: created.json.token })).json).toEqual({
      key: created.json.key,
      aborted: true,
    });
  });

  it.each([
    ['an unknown action', { action: 'deleteEverything' }, 400, 'INVALID_REQUEST'],
    ['a verify without a key', { action: 'verify' }, 400, 'INVALID_REQUEST'],
    ['signParts without a token', { action: 'signParts', partNumbers: [1] }, 400, 'INVALID_REQUEST'],
    ['a forged token', { action: 'listParts', token: 'eyJ9.AAAA' }, 403, 'INVALID_TOKEN'],
  ])('answers %s with its error status and code', async (_, body, status, code) => {
    const response = await post(createHttpHandler(presigner()), body);
    expect([response.status, response.json.error.code]).toEqual([status, code]);
  });

  it('answers a storage failure with 502 and a message that gives nothing away, logging the cause', async () => {
    s3.on(CreateMultipartUploadCommand).rejects(storageError('AccessDenied', 403));
    const onError = vi.fn();
    const response = await post(createHttpHandler(presigner(), { onError }), {
      action: 'createMultipart',
      ...video(10),
    });
    expect([response.status, response.json.error.code]).toEqual([502, 'STORAGE_ERROR']);
    expect(response.body).not.toContain('AccessDenied');
    expect(String(onError.mock.calls[0]![0].message)).toContain('AccessDenied');
  });

  it('tells a client that multipart is not enabled, so that it can send the file in one request instead', async () => {
    const response = await post(createHttpHandler(presigner({ multipartSecret: undefined })), {
      action: 'createMultipart',
      ...video(10),
    });
    expect([response.status, response.json.error.code]).toEqual([400, 'MULTIPART_DISABLED']);
    expect(response.json.error.message).toContain('multipartSecret');
  });
});

describe('createPresigner with maxSize over 5 GiB', () => {
  it('is accepted up to 5 TiB', () => {
    expect(() =>
      createPresigner({
        bucket: 'b-1',
        region: 'us-east-1',
        credentials: fakeCredentials,
        allowedTypes: ['video/*'],
        maxSize: 5 * 1024 ** 4,
      }),
    ).not.toThrow();
  });
});
