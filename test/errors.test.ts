import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, isPresignError, PresignError } from '../src/index.js';

describe('PresignError', () => {
  it('takes its status from the table for every code', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(new PresignError(code as keyof typeof ERROR_STATUS, 'm').status).toBe(status);
    }
  });

  it('serialises code, message and issue paths, never the cause or stack', () => {
    const error = new PresignError('INVALID_REQUEST', 'Bad.', {
      cause: new Error('secret'),
      issues: [
        {
          kind: 'schema',
          type: 'string',
          input: 1,
          expected: 'string',
          received: '1',
          message: 'fileName must be a string',
          path: [{ type: 'object', origin: 'value', input: {}, key: 'fileName', value: 1 }],
        } as never,
      ],
    });
    expect(JSON.stringify(error)).toBe(
      '{"error":{"code":"INVALID_REQUEST","message":"Bad.","issues":[{"path":"fileName","message":"fileName must be a string"}]}}',
    );
  });

  it('is recognised by name across module copies', () => {
    const foreign = Object.assign(new Error('x'), { name: 'PresignError' });
    expect(isPresignError(foreign)).toBe(true);
    expect(isPresignError(new Error('x'))).toBe(false);
  });
});
