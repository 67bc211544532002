import { describe, expectTypeOf, it } from 'vitest';
import {
  uploadFile,
  type ClientErrorCode,
  type ErrorCode,
  type UploadError,
  type UploadErrorCode,
  type UploadFileOptions,
} from '../../src/client/index.js';

describe('the client', () => {
  it("names the server's codes and its own in UploadError.code, and still admits the storage's", () => {
    expectTypeOf<ErrorCode>().toMatchTypeOf<UploadErrorCode>();
    expectTypeOf<ClientErrorCode>().toMatchTypeOf<UploadErrorCode>();
    expectTypeOf<'SignatureDoesNotMatch'>().toMatchTypeOf<UploadErrorCode>();
    expectTypeOf<UploadError['code']>().toEqualTypeOf<UploadErrorCode | undefined>();
    expectTypeOf<'TOO_LARGE'>().toMatchTypeOf<ErrorCode>();
    expectTypeOf<'INVALID_RESPONSE' | 'HEADERS_FAILED'>().toMatchTypeOf<ClientErrorCode>();
  });

  it('takes headers as a record or a (possibly async) function', () => {
    const file = new Blob(['x'], { type: 'image/jpeg' });
    void uploadFile(file, { endpoint: '/presign', headers: { authorization: 'Bearer a' } });
    void uploadFile(file, { endpoint: '/presign', headers: () => ({ authorization: 'Bearer b' }) });
    void uploadFile(file, { endpoint: '/presign', headers: async () => ({ authorization: 'Bearer c' }) });
    // @ts-expect-error: header values are strings
    void uploadFile(file, { endpoint: '/presign', headers: () => ({ authorization: 1 }) });
    expectTypeOf<UploadFileOptions['headers']>().not.toEqualTypeOf<Record<string, string> | undefined>();
  });
});
