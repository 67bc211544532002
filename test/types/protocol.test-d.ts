import type { InferInput } from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import type { ERROR_STATUS } from '../../src/errors.js';
import type { ActionAnswers, ActionRequests, ErrorCode } from '../../src/protocol.js';
import type {
  CompleteMultipartSchema,
  CreateMultipartSchema,
  SignPartsSchema,
  UploadTokenSchema,
} from '../../src/action-schemas.js';
import type { PresignRequestSchema } from '../../src/schemas.js';
import type { Presigner } from '../../src/types.js';

describe('the protocol', () => {
  it('names exactly the codes of ERROR_STATUS, so server and client agree on every code', () => {
    expectTypeOf<keyof typeof ERROR_STATUS>().toEqualTypeOf<ErrorCode>();
  });

  it("states the bodies the server's schemas accept", () => {
    expectTypeOf<ActionRequests['presign']>().toEqualTypeOf<InferInput<typeof PresignRequestSchema>>();
    expectTypeOf<ActionRequests['createMultipart']>().toEqualTypeOf<InferInput<typeof CreateMultipartSchema>>();
    expectTypeOf<ActionRequests['signParts']>().toEqualTypeOf<InferInput<typeof SignPartsSchema>>();
    expectTypeOf<ActionRequests['completeMultipart']>().toEqualTypeOf<InferInput<typeof CompleteMultipartSchema>>();
    expectTypeOf<ActionRequests['listParts']>().toEqualTypeOf<InferInput<typeof UploadTokenSchema>>();
    expectTypeOf<ActionRequests['abortMultipart']>().toEqualTypeOf<InferInput<typeof UploadTokenSchema>>();
  });

  it("states what the presigner's methods answer", () => {
    type Answer<M extends keyof Presigner> = Awaited<ReturnType<Presigner[M]>>;
    expectTypeOf<ActionAnswers['presign']>().toEqualTypeOf<Answer<'presign'>>();
    expectTypeOf<ActionAnswers['verify']>().toEqualTypeOf<Answer<'verify'>>();
    expectTypeOf<ActionAnswers['createMultipart']>().toEqualTypeOf<Answer<'createMultipart'>>();
    expectTypeOf<ActionAnswers['signParts']>().toEqualTypeOf<Answer<'signParts'>>();
    expectTypeOf<ActionAnswers['listParts']>().toEqualTypeOf<Answer<'listParts'>>();
    expectTypeOf<ActionAnswers['completeMultipart']>().toEqualTypeOf<Answer<'completeMultipart'>>();
    expectTypeOf<ActionAnswers['abortMultipart']>().toEqualTypeOf<Answer<'abortMultipart'>>();
  });
});
