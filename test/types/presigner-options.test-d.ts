import { describe, expectTypeOf, it } from 'vitest';
import type * as v from 'valibot';
import type { HandlerOptions, HandlerOptionsSchema, PresignerOptions } from '../../src/index.js';

describe('PresignerOptions', () => {
  it('gives onUploadComplete a context that may be undefined, as verify from an S3 event passes none', () => {
    type OnUploadComplete = NonNullable<PresignerOptions<{ userId: string }>['onUploadComplete']>;
    expectTypeOf<Parameters<OnUploadComplete>[1]>().toEqualTypeOf<{ userId: string } | undefined>();
  });
});

describe('HandlerOptionsSchema', () => {
  it('accepts every field of HandlerOptions, so the schema and the type agree', () => {
    expectTypeOf<keyof v.InferInput<typeof HandlerOptionsSchema>>().toEqualTypeOf<keyof HandlerOptions>();
  });
});
