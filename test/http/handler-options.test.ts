import { describe, expect, it } from 'vitest';
import { createHttpHandler, PresignError, type HandlerOptions } from '../../src/index.js';
import { testPresigner } from '../helpers/presign.js';

// Options that TypeScript would refuse still arrive from JavaScript, JSON config or env parsing.
const badOptions: [field: string, options: Record<string, unknown>, message: RegExp][] = [
  ['maxBodySize', { maxBodySize: '16kb' }, /must be a number of bytes/],
  ['maxBodySize', { maxBodySize: Number.NaN }, /must be a number of bytes/],
  ['maxBodySize', { maxBodySize: 0 }, /must be at least 1 byte/],
  ['maxBodySize', { maxBodySize: 1.5 }, /must be a whole number of bytes/],
  ['allowedOrigins', { allowedOrigins: 'https://app.example.com' }, /must be an array of origins/],
  ['allowedOrigins', { allowedOrigins: ['https://app.example.com/'] }, /must list origins such as/],
  ['allowedHeaders', { allowedHeaders: 'authorization' }, /must be an array of header names/],
  ['allowedHeaders', { allowedHeaders: ['x-token\r\nx-evil: 1'] }, /must list header names/],
  [
    'allowedOrigins',
    { allowedOrigins: ['*'], allowCredentials: true },
    /"\*" cannot be combined with allowCredentials/,
  ],
  ['allowCredentials', { allowCredentials: 'yes' }, /must be true or false/],
  ['authorize', { authorize: 'bearer' }, /must be a function/],
  ['onPresign', { onPresign: {} }, /must be a function/],
  ['onError', { onError: 'console' }, /must be a function/],
];

function creationError(options: Record<string, unknown>): unknown {
  try {
    createHttpHandler(testPresigner(), options as HandlerOptions);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('createHttpHandler: handler options', () => {
  it.each(badOptions)('refuses a bad "%s" at creation with INVALID_OPTIONS naming it', (field, options, message) => {
    const error = creationError(options);
    expect(error).toBeInstanceOf(PresignError);
    expect((error as PresignError).code).toBe('INVALID_OPTIONS');
    expect((error as PresignError).message).toContain(`Invalid handler option "${field}"`);
    expect((error as PresignError).message).toMatch(message);
  });

  it('keeps the body limit when maxBodySize is valid', async () => {
    const handle = createHttpHandler(testPresigner(), { maxBodySize: 64 });
    const response = await handle({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fileName: 'a.jpg', contentType: 'image/jpeg', padding: 'x'.repeat(100) }),
    });
    expect(response.status).toBe(413);
  });

  it('refuses a non-object as the options', () => {
    const error = creationError('cors' as never);
    expect((error as PresignError).code).toBe('INVALID_OPTIONS');
    expect((error as PresignError).message).toContain('Invalid handler option "options"');
  });
});
