import { readFileSync } from 'node:fs';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it, vi } from 'vitest';
import { toS3EventHandler, type S3Event } from '../../src/adapters/aws-lambda/index.js';
import { createHttpHandler, isPresignError, type PresignedPut, type Presigner } from '../../src/index.js';
import { jpegBytes, rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

// verify() must judge what the storage holds, not what the browser claims: each case uploads real
// bytes to Ceph RGW through a presigned URL, then verifies them there.

const storage = rgwClient();
const html = new TextEncoder().encode('<!doctype html><html><body><script>fetch("/steal?c="+document.cookie)</script></body></html>');
const svgWithScript = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.domain)</script></svg>');
const plainSvg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');

async function upload(presigner: Presigner<any>, fileName: string, contentType: string, body: Uint8Array<ArrayBuffer>) {
  const result = (await presigner.presign({ fileName, contentType, size: body.byteLength })) as PresignedPut;
  const response = await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body });
  expect(response.status).toBe(200);
  return result.key;
}

async function exists(key: string) {
  return storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key })).then(() => true, () => false);
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!isPresignError(error)) throw new Error(`expected a PresignError, got ${String(error)}`);
  return error;
}

describe('verify against RGW', () => {
  it('passes a real JPEG and runs onUploadComplete once', async () => {
    const onUploadComplete = vi.fn();
    const presigner = rgwPresigner({ allowedTypes: ['image/*'], maxSize: 10_000, onUploadComplete });
    const body = jpegBytes(300);
    const key = await upload(presigner, 'photo.jpg', 'image/jpeg', body);

    const verified = await presigner.verify(key, { userId: 'u-1' });

    expect(verified).toMatchObject({ key, size: body.byteLength, contentType: 'image/jpeg', detectedType: 'image/jpeg' });
    expect(onUploadComplete).toHaveBeenCalledOnce();
    expect(onUploadComplete).toHaveBeenCalledWith(verified, { userId: 'u-1' });
    expect(await exists(key)).toBe(true);
  });

  it('refuses and removes an HTML file uploaded as image/jpeg; the hook never runs', async () => {
    const onUploadComplete = vi.fn();
    const presigner = rgwPresigner({ allowedTypes: ['image/*'], onUploadComplete });
    const key = await upload(presigner, 'photo.jpg', 'image/jpeg', html);

    const error = await refusal(presigner.verify(key));

    expect([error.code, error.status]).toEqual(['VERIFICATION_FAILED', 422]);
    expect(error.message).toMatch(/declared image\/jpeg/);
    expect(await exists(key)).toBe(false);
    expect(onUploadComplete).not.toHaveBeenCalled();
  });

  it('refuses and removes an SVG with a script, even where SVG is allowed; a plain SVG passes', async () => {
    const presigner = rgwPresigner({ allowedTypes: ['image/svg+xml'] });
    const bad = await upload(presigner, 'logo.svg', 'image/svg+xml', svgWithScript);
    const good = await upload(presigner, 'logo.svg', 'image/svg+xml', plainSvg);

    const error = await refusal(presigner.verify(bad));
    const verified = await presigner.verify(good);

    expect(error.code).toBe('VERIFICATION_FAILED');
    expect(await exists(bad)).toBe(false);
    expect(verified.contentType).toBe('image/svg+xml');
  });

  it('moves a refused object to the quarantine prefix when one is configured', async () => {
    const presigner = rgwPresigner({ allowedTypes: ['image/*'], quarantinePrefix: 'quarantine/' });
    const key = await upload(presigner, 'photo.png', 'image/png', html);

    await refusal(presigner.verify(key));

    expect(await exists(key)).toBe(false);
    expect(await exists(`quarantine/${key.slice('uploads/'.length)}`)).toBe(true);
  });

  it('still removes a refused object when the quarantine copy fails, and says why it was not kept', async () => {
    // A quarantine key over S3's 1024 bytes: RGW refuses the copy (InvalidObjectName).
    const quarantinePrefix = `${'q'.repeat(1000)}/`;
    const presigner = rgwPresigner({ allowedTypes: ['image/*'], quarantinePrefix });
    const key = await upload(presigner, 'photo.png', 'image/png', html);

    const error = await refusal(presigner.verify(key));

    expect(error.code).toBe('VERIFICATION_FAILED');
    expect(error.message).toMatch(/refused and removed: .* It could not be kept under the quarantine prefix: the copy failed \(InvalidObjectName\)\.$/);
    expect(await exists(key)).toBe(false);
    expect(await exists(`${quarantinePrefix}${key.slice('uploads/'.length)}`)).toBe(false);
  });

  it('answers NOT_FOUND for a key nothing was uploaded to, and INVALID_KEY outside the prefix', async () => {
    const presigner = rgwPresigner({ allowedTypes: ['image/*'] });
    expect((await refusal(presigner.verify('uploads/never-uploaded.jpg'))).code).toBe('NOT_FOUND');
    expect((await refusal(presigner.verify('elsewhere/x.jpg'))).code).toBe('INVALID_KEY');
    expect((await refusal(presigner.verify('uploads/../x.jpg'))).code).toBe('INVALID_KEY');
  });

  it('is reachable through the HTTP handler as {"action":"verify","key":…}', async () => {
    const presigner = rgwPresigner({ allowedTypes: ['image/*'] });
    const handle = createHttpHandler(presigner);
    const good = await upload(presigner, 'photo.jpg', 'image/jpeg', jpegBytes());
    const bad = await upload(presigner, 'photo.jpg', 'image/jpeg', html);

    const ok = await handle({ method: 'POST', headers: {}, body: JSON.stringify({ action: 'verify', key: good }) });
    const refused = await handle({ method: 'POST', headers: {}, body: JSON.stringify({ action: 'verify', key: bad }) });

    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ key: good, detectedType: 'image/jpeg' });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body).error.code).toBe('VERIFICATION_FAILED');
  });
});

describe('toS3EventHandler against RGW', () => {
  it('verifies each ObjectCreated record of a real S3 event: the JPEG passes once, the fake is removed', async () => {
    const onUploadComplete = vi.fn();
    const presigner = rgwPresigner({ allowedTypes: ['image/*'], onUploadComplete });
    const good = await upload(presigner, 'holiday photo.jpg', 'image/jpeg', jpegBytes());
    const bad = await upload(presigner, 'photo.jpg', 'image/jpeg', html);
    const fixture = JSON.parse(readFileSync(new URL('../fixtures/events/s3-object-created.json', import.meta.url), 'utf8')) as S3Event;
    // S3 form-encodes keys in events: spaces become `+`.
    const record = (key: string) => ({ ...fixture.Records[0]!, s3: { ...fixture.Records[0]!.s3, object: { ...fixture.Records[0]!.s3.object, key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/') } } });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});

    const outcome = await toS3EventHandler(presigner)({ Records: [record(good), record(bad)] });

    log.mockRestore();
    expect(outcome.verified.map((upload) => upload.key)).toEqual([good]);
    expect(outcome.refused.map((refused) => refused.key)).toEqual([bad]);
    expect(onUploadComplete).toHaveBeenCalledOnce();
    expect(await exists(bad)).toBe(false);
  });
});
