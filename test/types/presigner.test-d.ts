import { describe, expectTypeOf, it } from 'vitest';
import {
  createPresigner,
  createPresignOnlyPresigner,
  type MultipartUpload,
  type PresignedPost,
  type PresignedPut,
  type Presigner,
  type PresignResult,
  type UploadMethod,
} from '../../src/index.js';

const base = { bucket: 'my-uploads', allowedTypes: ['image/*'] };
const request = { fileName: 'a.jpg', contentType: 'image/jpeg', size: 1000 };

describe('createPresigner', () => {
  it('returns what the configured method signs, with no cast', async () => {
    expectTypeOf(await createPresigner(base).presign(request)).toEqualTypeOf<PresignedPut>();
    expectTypeOf(await createPresigner({ ...base, method: 'PUT' }).presign(request)).toEqualTypeOf<PresignedPut>();
    expectTypeOf(await createPresigner({ ...base, method: 'POST' }).presign(request)).toEqualTypeOf<PresignedPost>();
  });

  it('returns either when the method is known only at run time', async () => {
    const method = process.env.METHOD === 'POST' ? 'POST' : 'PUT';
    const presigner = createPresigner<unknown, UploadMethod>({ ...base, method });
    expectTypeOf(await presigner.presign(request)).toEqualTypeOf<PresignResult>();
  });

  it('takes a presigner of either method where any presigner goes', () => {
    expectTypeOf(createPresigner({ ...base, method: 'POST' })).toMatchTypeOf<Presigner>();
    expectTypeOf(createPresigner(base)).toMatchTypeOf<Presigner>();
  });

  it('types the context of key, onUploadComplete and every method from one parameter', () => {
    const presigner = createPresigner<{ userId: string }>({
      ...base,
      key: ({ context, id, safeName }) => `uploads/${context.userId}/${id}-${safeName}`,
      onUploadComplete: (upload, context) => {
        expectTypeOf(context).toEqualTypeOf<{ userId: string } | undefined>();
      },
    });
    expectTypeOf(presigner.presign).parameter(1).toEqualTypeOf<{ userId: string } | undefined>();
    // @ts-expect-error: another caller's shape is not this presigner's context
    void presigner.presign(request, { user: 'alice' });
  });
});

describe('presigner methods take typed requests', () => {
  const presigner = createPresigner(base);

  it('refuses wrong requests at compile time', () => {
    // @ts-expect-error: fileName is a string
    void presigner.presign({ fileName: 1, contentType: 'image/jpeg' });
    // @ts-expect-error: contentType is required
    void presigner.presign({ fileName: 'a.jpg' });
    // @ts-expect-error: a multipart upload declares its size
    void presigner.createMultipart({ fileName: 'a.mp4', contentType: 'video/mp4' });
    // @ts-expect-error: part numbers are numbers
    void presigner.signParts({ token: 't', partNumbers: ['1'] });
    // @ts-expect-error: a token is a string
    void presigner.listParts({ token: 1 });
    // @ts-expect-error: verify takes { receipt } or { key }
    void presigner.verify({ id: 'uploads/a.jpg' });
  });

  it('answers each method with its wire type', async () => {
    expectTypeOf(await presigner.createMultipart({ ...request, size: 1 })).toEqualTypeOf<MultipartUpload>();
    expectTypeOf(await presigner.abortMultipart({ token: 't' })).toEqualTypeOf<{ key: string; aborted: true }>();
    expectTypeOf(await presigner.listParts({ token: 't' })).toHaveProperty('parts');
  });

  it('verifies by { key } or { receipt } like every other request, and still by a bare key', () => {
    expectTypeOf(presigner.verify({ key: 'uploads/a.jpg' })).resolves.toHaveProperty('size');
    expectTypeOf(presigner.verify({ receipt: 'r' })).resolves.toHaveProperty('size');
    // The former signature, deprecated: editors strike it through, and it still compiles.
    expectTypeOf(presigner.verify('uploads/a.jpg')).resolves.toHaveProperty('size');
  });
});

describe('createPresignOnlyPresigner', () => {
  it('returns what the configured method signs, and takes no secret', async () => {
    expectTypeOf(await createPresignOnlyPresigner(base).presign(request)).toEqualTypeOf<PresignedPut>();
    expectTypeOf(
      await createPresignOnlyPresigner({ ...base, method: 'POST' }).presign(request),
    ).toEqualTypeOf<PresignedPost>();
    // @ts-expect-error: a presign-only presigner issues no receipts
    createPresignOnlyPresigner({ ...base, secret: 'x'.repeat(32) });
  });
});
