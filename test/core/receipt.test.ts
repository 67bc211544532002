import { CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PresignerOptions, UploadMethod } from '../../src/index.js';
import { presignError, sdkTestPresigner, testPresigner } from '../helpers/presign.js';

// Receipts and multipart tokens are sealed by one function (src/core/receipt.ts): bound to the
// presigner's rules and to the caller. Every case goes through the public API; the storage is a
// mocked S3Client, which the presigners are given, and a refused receipt must never reach it.

const SECRET = 'a-receipt-secret-of-at-least-32-characters';
const s3 = mockClient(S3Client);
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const alice = { userId: 'alice', roles: ['uploader'] };

function presigner(options: Partial<PresignerOptions<typeof alice>> = {}) {
  return sdkTestPresigner<typeof alice, UploadMethod>({
    secret: SECRET,
    allowedTypes: ['image/*', 'video/*'],
    ...options,
  });
}

async function receipt(options: Partial<PresignerOptions<typeof alice>> = {}) {
  const result = await presigner(options).presign({ fileName: 'a.jpg', contentType: 'image/jpeg' }, alice);
  return { key: result.key, receipt: result.receipt! };
}

const payloadOf = (value: string) =>
  JSON.parse(Buffer.from(value.split('.')[0]!, 'base64url').toString('utf8')) as unknown[];
const withPayload = (value: string, payload: unknown) =>
  `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${value.split('.')[1]}`;

beforeEach(() => {
  s3.reset();
  s3.on(HeadObjectCommand).resolves({ ContentLength: jpeg.length, ContentType: 'image/jpeg', ETag: '"e1"' });
  s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => jpeg } } as never);
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('receipts', () => {
  it('verifies the upload it names, for the caller it was issued to, whatever the order of its context keys', async () => {
    const { key, receipt: issued } = await receipt();
    await expect(
      presigner().verify({ receipt: issued }, { roles: ['uploader'], userId: 'alice' }),
    ).resolves.toMatchObject({ key, detectedType: 'image/jpeg' });
  });

  it.each([
    ['another key', (value: string) => withPayload(value, payloadOf(value).with(6, 'uploads/someone-else.jpg'))],
    ['a later expiry', (value: string) => withPayload(value, payloadOf(value).with(5, 9_999_999_999))],
    ['a changed MAC', (value: string) => `${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`],
    ['no MAC', (value: string) => value.split('.')[0]!],
    ['garbage', () => 'not-a-receipt'],
  ])('refuses a receipt with %s as INVALID_TOKEN, before the storage is asked', async (_, tamper) => {
    const { receipt: issued } = await receipt();
    s3.reset();
    const error = await presignError(presigner().verify({ receipt: tamper(issued) }, alice));
    expect([error.code, error.status]).toEqual(['INVALID_TOKEN', 403]);
    expect(s3.calls()).toHaveLength(0);
  });

  it("refuses another caller's receipt, or one used without the context, as FORBIDDEN", async () => {
    const { receipt: issued } = await receipt();
    s3.reset();
    for (const context of [
      { userId: 'mallory', roles: ['uploader'] },
      { userId: 'alice', roles: ['admin'] },
      undefined,
    ]) {
      const error = await presignError(presigner().verify({ receipt: issued }, context));
      expect([error.code, error.status]).toEqual(['FORBIDDEN', 403]);
    }
    expect(s3.calls()).toHaveLength(0);
  });

  it.each<[string, Partial<PresignerOptions<typeof alice>>]>([
    ['another secret', { secret: `${SECRET}-rotated` }],
    ['another bucket', { bucket: 'other-bucket' }],
    ['a parent prefix', { prefix: 'uploads/' }],
    ['other allowed types', { allowedTypes: ['image/*'] }],
    ['another maxSize', { maxSize: 10 }],
    ['another method', { method: 'POST' }],
  ])('is refused by a presigner with %s', async (_, options) => {
    const { receipt: issued } = await receipt({ prefix: 'uploads/avatars/' });
    const error = await presignError(
      presigner({ prefix: 'uploads/avatars/', ...options }).verify({ receipt: issued }, alice),
    );
    expect(error.code).toBe('INVALID_TOKEN');
  });

  it('expires an hour after its URL', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { receipt: issued } = await receipt({ expiresIn: 60 });
    vi.setSystemTime(Date.now() + (60 + 3600 - 1) * 1000);
    await expect(presigner({ expiresIn: 60 }).verify({ receipt: issued }, alice)).resolves.toBeDefined();
    vi.setSystemTime(Date.now() + 2000);
    const error = await presignError(presigner({ expiresIn: 60 }).verify({ receipt: issued }, alice));
    expect([error.code, error.message]).toEqual(['INVALID_TOKEN', expect.stringMatching(/expired/)]);
  });

  it('is never accepted as a multipart token, nor a multipart token as a receipt', async () => {
    const p = presigner();
    const upload = await p.createMultipart({ fileName: 'clip.mp4', contentType: 'video/mp4', size: 10 }, alice);
    const asToken = await presignError(p.signParts({ token: upload.receipt, partNumbers: [1] }, alice));
    const asReceipt = await presignError(p.verify({ receipt: upload.token }, alice));
    // The same payload under the other purpose's name fails the MAC: the purpose is inside it.
    const relabelled = withPayload(upload.token, payloadOf(upload.token).with(1, 'receipt'));
    expect([asToken.code, asReceipt.code, (await presignError(p.verify({ receipt: relabelled }, alice))).code]).toEqual(
      ['INVALID_TOKEN', 'INVALID_TOKEN', 'INVALID_TOKEN'],
    );
  });

  it('names no secret and no context in its errors, and carries no readable context', async () => {
    const { receipt: issued } = await receipt();
    const errors = [
      await presignError(presigner().verify({ receipt: issued }, { userId: 'mallory', roles: [] })),
      await presignError(presigner({ secret: `${SECRET}-rotated` }).verify({ receipt: issued }, alice)),
    ];
    for (const error of errors) expect(JSON.stringify(error.toJSON())).not.toMatch(/a-receipt-secret|alice|mallory/);
    expect(Buffer.from(issued.split('.')[0]!, 'base64url').toString('utf8')).not.toContain('alice');
  });

  it('is issued only with a secret; `multipartSecret` is still accepted as its former name', async () => {
    expect((await testPresigner().presign({ fileName: 'a.jpg', contentType: 'image/jpeg' })).receipt).toBeUndefined();
    const legacy = sdkTestPresigner<typeof alice>({ multipartSecret: SECRET, allowedTypes: ['image/*', 'video/*'] });
    const { receipt: issued } = await legacy.presign({ fileName: 'a.jpg', contentType: 'image/jpeg' }, alice);
    await expect(presigner().verify({ receipt: issued! }, alice)).resolves.toBeDefined();
    const error = await presignError(
      testPresigner({ allowedTypes: ['image/*', 'video/*'] }).verify({ receipt: issued! }),
    );
    expect(error.code).toBe('RECEIPTS_DISABLED');
  });

  it('refuses both names at once when they differ, naming the one to keep', () => {
    expect(() => testPresigner({ secret: SECRET, multipartSecret: `${SECRET}-other` })).toThrow(
      /"multipartSecret": it is the former name of "secret"/,
    );
  });
});
