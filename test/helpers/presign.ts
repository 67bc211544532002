import { S3Client } from '@aws-sdk/client-s3';
import {
  createPresigner,
  isPresignError,
  type PresignError,
  type PresignerOptions,
  type UploadMethod,
} from '../../src/index.js';

/** Fake credentials: presigning is local computation, so unit tests need no server. */
export const fakeCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

/** A presigner for unit tests: AWS-style endpoint, fake credentials, images allowed. */
export function testPresigner<Context = unknown, Method extends UploadMethod = 'PUT'>(
  options: Partial<PresignerOptions<Context, Method>> = {},
) {
  return createPresigner<Context, Method>({
    bucket: 'my-uploads',
    region: 'us-east-1',
    credentials: fakeCredentials,
    allowedTypes: ['image/*'],
    ...options,
  } as PresignerOptions<Context, Method>);
}

/**
 * A presigner for unit tests on the SDK path: given an S3Client (and so no region or credentials
 * of its own), it makes its S3 calls through that client, which aws-sdk-client-mock answers. With
 * credentials instead (`testPresigner`), it calls S3 over fetch (src/core/s3-fetch.ts).
 */
export function sdkTestPresigner<Context = unknown, Method extends UploadMethod = 'PUT'>(
  options: Partial<PresignerOptions<Context, Method>> = {},
) {
  return testPresigner<Context, Method>({
    region: undefined,
    credentials: undefined,
    client: new S3Client({ region: 'us-east-1', credentials: fakeCredentials }),
    ...options,
  });
}

/** Decodes a POST policy's conditions. */
export function policyConditions(fields: Record<string, string>): unknown[] {
  return JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')).conditions;
}

/** The PresignError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function presignError(promise: Promise<unknown>): Promise<PresignError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPresignError(error)) throw new Error(`expected a PresignError, got ${String(error)}`);
  return error;
}
