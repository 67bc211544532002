import { describe, expectTypeOf, it } from 'vitest';
import type { PresignerOptions } from '../../src/index.js';

describe('PresignerOptions', () => {
  it('gives onUploadComplete a context that may be undefined, as verify from an S3 event passes none', () => {
    type OnUploadComplete = NonNullable<PresignerOptions<{ userId: string }>['onUploadComplete']>;
    expectTypeOf<Parameters<OnUploadComplete>[1]>().toEqualTypeOf<{ userId: string } | undefined>();
  });
});
