import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it, vi } from 'vitest';
import { toS3EventHandler, type S3Event } from '../../src/adapters/aws-lambda/index.js';
import {
  createHttpHandler,
  createPresigner,
  isPresignError,
  type PresignedPost,
  type Presigner,
} from '../../src/index.js';
import { jpegBytes, rgwClient, rgwPresigner, S3_CALL_PATHS, TEST_BUCKET } from '../helpers/s3.js';

// verify() must judge what the storage holds, not what the browser claims: each case uploads real
// bytes to Ceph RGW through a presigned URL, then verifies them there.

const storage = rgwClient();
const html = new TextEncoder().encode(
  '<!doctype html><html><body><script>fetch("/steal?c="+document.cookie)</script></body></html>',
);
const svgWithScript = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.domain)</script></svg>',
);
const plainSvg = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
);

const SECRET = 'rgw-test-receipt-secret-0123456789abcdef';
/** The receipt each upload came with, by key. */
const receipts = new Map<string, string | undefined>();

async function upload(
  presigner: Presigner<any, 'PUT'>,
  fileName: string,
  contentType: string,
  body: Uint8Array<ArrayBuffer>,
) {
  const result = await presigner.presign({ fileName, contentType, size: body.byteLength });
  const response = await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body });
  expect(response.status).toBe(200);
  receipts.set(result.key, result.receipt);
  return result.key;
}

function postForm(result: PresignedPost, body: Uint8Array<ArrayBuffer>) {
  const form = new FormData();
  for (const [name, value] of Object.entries(result.fields)) form.append(name, value);
  form.append('file', new Blob([body]));
  return fetch(result.uploadUrl, { method: 'POST', body: form });
}

async function sha256Of(key: string) {
  const object = await storage.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
  return createHash('sha256')
    .update(await object.Body!.transformToByteArray())
    .digest('hex');
}

async function exists(key: string) {
  return storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
}

/** A real S3 `ObjectCreated` record for `key`, which S3 form-encodes (spaces become `+`). */
function objectCreated(key: string) {
  const fixture = JSON.parse(
    readFileSync(new URL('../fixtures/events/s3-object-created.json', import.meta.url), 'utf8'),
  ) as S3Event;
  const record = fixture.Records[0]!;
  return {
    ...record,
    s3: {
      ...record.s3,
      object: { ...record.s3.object, key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/') },
    },
  };
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPresignError(error)) throw new Error(`expected a PresignError, got ${String(error)}`);
  return error;
}

describe.each(S3_CALL_PATHS)('verify against RGW, $path', ({ rgwPresigner }) => {
  it('passes a real JPEG and runs onUploadComplete once', async () => {
    const onUploadComplete = vi.fn();
    const presigner = rgwPresigner({ allowedTypes: ['image/*'], maxSize: 10_000, onUploadComplete });
    const body = jpegBytes(300);
    const key = await upload(presigner, 'photo.jpg', 'image/jpeg', body);

    const verified = await presigner.verify(key, { userId: 'u-1' });

    expect(verified).toMatchObject({
      key,
      size: body.byteLength,
      contentType: 'image/jpeg',
      detectedType: 'image/jpeg',
    });
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

  it('names an object over maxSize and the limit in KiB', async () => {
    // Prepare: stored through a presigner without a limit, checked by one with a 1 KiB limit.
    const key = await upload(
      rgwPresigner({ allowedTypes: ['image/*'] }),
      'photo.jpg',
      'image/jpeg',
      jpegBytes(2048 - 22),
    );
    // Act
    const error = await refusal(rgwPresigner({ allowedTypes: ['image/*'], maxSize: 1024 }).verify(key));
    // Assess
    expect(error.code).toBe('VERIFICATION_FAILED');
    expect(error.message).toContain('it is 2 KiB, over the limit of 1 KiB');
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
    expect(error.message).toMatch(
      /refused and removed: .* It could not be kept under the quarantine prefix: the copy failed \(InvalidObjectName\)\.$/,
    );
    expect(await exists(key)).toBe(false);
    expect(await exists(`${quarantinePrefix}${key.slice('uploads/'.length)}`)).toBe(false);
  });

  it('answers NOT_FOUND for a key nothing was uploaded to, and INVALID_KEY outside the prefix', async () => {
    const presigner = rgwPresigner({ allowedTypes: ['image/*'] });
    expect((await refusal(presigner.verify('uploads/never-uploaded.jpg'))).code).toBe('NOT_FOUND');
    expect((await refusal(presigner.verify('elsewhere/x.jpg'))).code).toBe('INVALID_KEY');
    expect((await refusal(presigner.verify('uploads/../x.jpg'))).code).toBe('INVALID_KEY');
  });

  it('is reachable through the HTTP handler as {"action":"verify","receipt":…}', async () => {
    const presigner = rgwPresigner({ allowedTypes: ['image/*'], secret: SECRET });
    const handle = createHttpHandler(presigner);
    const good = await upload(presigner, 'photo.jpg', 'image/jpeg', jpegBytes());
    const bad = await upload(presigner, 'photo.jpg', 'image/jpeg', html);

    const ok = await handle({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'verify', receipt: receipts.get(good) }),
    });
    const refused = await handle({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'verify', receipt: receipts.get(bad) }),
    });

    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ key: good, detectedType: 'image/jpeg' });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body).error.code).toBe('VERIFICATION_FAILED');
  });
});

describe.each(S3_CALL_PATHS)(
  'POST uploads: staged, then promoted by verify and immutable, $path',
  ({ rgwPresigner }) => {
    const post = (options: { onUploadComplete?: () => void; quarantinePrefix?: string } = {}) =>
      rgwPresigner<{ userId: string }, 'POST'>({
        allowedTypes: ['image/*'],
        maxSize: 4096,
        method: 'POST',
        secret: SECRET,
        ...options,
      });
    const alice = { userId: 'alice' };

    async function posted(presigner: Presigner<{ userId: string }, 'POST'>, body: Uint8Array<ArrayBuffer>) {
      const result = await presigner.presign(
        { fileName: 'photo.jpg', contentType: 'image/jpeg', size: body.length },
        alice,
      );
      expect((await postForm(result, body)).status).toBe(204);
      return result;
    }

    it('stores the form under a staging key; verify promotes it to the key the client got', async () => {
      const onUploadComplete = vi.fn();
      const presigner = post({ onUploadComplete });
      const body = jpegBytes(200);
      const result = await posted(presigner, body);
      const stagingKey = result.fields.key!;

      expect(stagingKey).toBe(`uploads/.staging/${result.key.slice('uploads/'.length)}`);
      expect(await exists(result.key)).toBe(false);

      const verified = await presigner.verify({ receipt: result.receipt! }, alice);

      expect(verified).toMatchObject({ key: result.key, size: body.length, detectedType: 'image/jpeg' });
      expect(await sha256Of(result.key)).toBe(createHash('sha256').update(body).digest('hex'));
      expect(await exists(stagingKey)).toBe(false);
      expect(onUploadComplete).toHaveBeenCalledWith(verified, alice);
    });

    it('gives the promoted object the Content-Disposition the form was signed with, which RGW does not store from a form', async () => {
      // Prepare: a PDF, which downloads rather than renders by default.
      const presigner = rgwPresigner({
        allowedTypes: ['application/pdf'],
        maxSize: 4096,
        method: 'POST',
        secret: SECRET,
      });
      const body = new TextEncoder().encode('%PDF-1.4\n%%EOF\n');
      const result = await presigner.presign({
        fileName: 'report.pdf',
        contentType: 'application/pdf',
        size: body.length,
      });
      expect((await postForm(result, body)).status).toBe(204);
      const staged = await storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: result.fields.key! }));
      // Act
      await presigner.verify({ receipt: result.receipt! });
      // Assess: RGW 16 dropped the signed field on the staging object; the final object has it.
      const promoted = await storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: result.key }));
      expect(result.fields['Content-Disposition']).toBe('attachment; filename=report.pdf');
      expect(staged.ContentDisposition).toBeUndefined();
      expect(promoted).toMatchObject({
        ContentDisposition: 'attachment; filename=report.pdf',
        ContentType: 'application/pdf',
        ContentLength: body.length,
      });
    });

    it('keeps the verified bytes when the form is sent again through its still-valid policy, and verified again', async () => {
      const presigner = post();
      const result = await posted(presigner, jpegBytes(200));
      await presigner.verify({ receipt: result.receipt! }, alice);
      const verifiedSha = await sha256Of(result.key);

      // The attack: same policy, same length, other bytes (a valid JPEG, so only immutability stops it).
      expect((await postForm(result, jpegBytes(200))).status).toBe(204);
      await presigner.verify({ receipt: result.receipt! }, alice);
      await presigner.verify(result.key);

      expect(await sha256Of(result.key)).toBe(verifiedSha);
      expect(await exists(result.fields.key!)).toBe(false);
    });

    it('refuses and removes a bad staging object; the final key never exists', async () => {
      const presigner = post({ quarantinePrefix: 'quarantine/' });
      const result = await posted(presigner, html as Uint8Array<ArrayBuffer>);

      const error = await refusal(presigner.verify({ receipt: result.receipt! }, alice));

      expect(error.code).toBe('VERIFICATION_FAILED');
      expect(await exists(result.fields.key!)).toBe(false);
      expect(await exists(result.key)).toBe(false);
      expect(await exists(`quarantine/${result.key.slice('uploads/'.length)}`)).toBe(true);
    });

    it('never promotes bytes other than those checked, even when the form is sent again between check and copy', async () => {
      // RGW 16 ignores x-amz-copy-source-if-match: the copy takes whatever the staging key holds then.
      const client = rgwClient();
      let resend: (() => Promise<unknown>) | undefined;
      client.middlewareStack.add(
        (next, { commandName }) =>
          async (args) => {
            if (commandName === 'CopyObjectCommand' && resend) await resend();
            return next(args);
          },
        { step: 'initialize' },
      );
      const racing = createPresigner<{ userId: string }, 'POST'>({
        bucket: TEST_BUCKET,
        client,
        allowedTypes: ['image/*'],
        maxSize: 4096,
        method: 'POST',
        secret: SECRET,
      });
      const good = jpegBytes(200);
      const result = await posted(racing, good);
      const evil = new Uint8Array(good.length);
      evil.set(html);
      resend = () => postForm(result, evil).then((response) => expect(response.status).toBe(204));

      const error = await refusal(racing.verify({ receipt: result.receipt! }, alice));

      // RGW: the other bytes were copied, checked at the final key and removed. AWS refuses the copy.
      expect(['VERIFICATION_FAILED', 'VERIFY_CONFLICT']).toContain(error.code);
      expect(await exists(result.key)).toBe(false);
    });

    it("refuses another user's receipt and leaves the staging object where it is", async () => {
      const presigner = post();
      const result = await posted(presigner, jpegBytes(200));

      const error = await refusal(presigner.verify({ receipt: result.receipt! }, { userId: 'mallory' }));

      expect([error.code, error.status]).toEqual(['FORBIDDEN', 403]);
      expect(await exists(result.fields.key!)).toBe(true);
      expect(await exists(result.key)).toBe(false);
    });

    it('is promoted by the S3 event of its staging object, so completion does not depend on the browser', async () => {
      const onUploadComplete = vi.fn();
      const presigner = post({ onUploadComplete });
      const result = await posted(presigner, jpegBytes(200));

      const outcome = await toS3EventHandler(presigner)({ Records: [objectCreated(result.fields.key!)] });

      expect(outcome.verified.map((upload) => upload.key)).toEqual([result.key]);
      expect(onUploadComplete).toHaveBeenCalledOnce();
      expect(await exists(result.key)).toBe(true);
      expect(await exists(result.fields.key!)).toBe(false);
    });
  },
);

describe('toS3EventHandler against RGW', () => {
  it('verifies each ObjectCreated record of a real S3 event: the JPEG passes once, the fake is removed', async () => {
    const onUploadComplete = vi.fn();
    const presigner = rgwPresigner({ allowedTypes: ['image/*'], onUploadComplete });
    const good = await upload(presigner, 'holiday photo.jpg', 'image/jpeg', jpegBytes());
    const bad = await upload(presigner, 'photo.jpg', 'image/jpeg', html);
    const record = objectCreated;
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});

    const outcome = await toS3EventHandler(presigner)({ Records: [record(good), record(bad)] });

    log.mockRestore();
    expect(outcome.verified.map((upload) => upload.key)).toEqual([good]);
    expect(outcome.refused.map((refused) => refused.key)).toEqual([bad]);
    expect(onUploadComplete).toHaveBeenCalledOnce();
    expect(await exists(bad)).toBe(false);
  });
});
