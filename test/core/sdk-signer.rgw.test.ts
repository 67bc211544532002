import { describe, expect, it } from 'vitest';
import type { PresignedPost } from '../../src/index.js';
import { jpegBytes, rgwSdkPresigner } from '../helpers/s3.js';

// A POST form signed through an injected S3Client (the SDK's endpoint rules give the URL, the
// library signs the policy with the client's region, credentials and clock): RGW holds it to every
// condition the direct signer's forms carry.

function postForm(result: PresignedPost, file: Blob, overrides: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...result.fields, ...overrides })) form.append(name, value);
  form.append('file', file);
  return fetch(result.uploadUrl, { method: 'POST', body: form });
}

const errorCode = async (response: Response) => /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];

describe('POST forms signed through an injected S3Client, on RGW', () => {
  const presigner = rgwSdkPresigner({ allowedTypes: ['image/*'], maxSize: 1024, method: 'POST' });
  const presign = () => presigner.presign({ fileName: 'a.jpg', contentType: 'image/jpeg' });

  it('stores a faithful form, which verify then promotes', async () => {
    const result = await presign();
    const bytes = jpegBytes(1000);
    const response = await postForm(result, new Blob([bytes], { type: 'image/jpeg' }));
    expect(response.status).toBe(204);
    expect(await presigner.verify({ key: result.key })).toMatchObject({ key: result.key, size: bytes.byteLength });
  });

  it('is refused one byte over maxSize (400 EntityTooLarge)', async () => {
    const response = await postForm(await presign(), new Blob([new Uint8Array(1025)]));
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('EntityTooLarge');
  });

  it.each([
    ['another type', { 'Content-Type': 'text/html' }],
    ['another key', { key: 'elsewhere/a.jpg' }],
    ['a forged signature', { 'X-Amz-Signature': '0'.repeat(64) }],
  ])('is refused with %s (403)', async (_, overrides) => {
    const response = await postForm(await presign(), new Blob([jpegBytes(500)]), overrides);
    expect(response.status).toBe(403);
  });
});
