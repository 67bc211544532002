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
