import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { isForbiddenHeader } from '../../src/client/send-with-progress.js';
import { parseStorageError } from '../../src/client/errors.js';

describe('upload-presigner/client bundle', () => {
  it('is browser code: no Node built-ins, no AWS SDK, nothing from the server side but the doctor', async () => {
    // Act
    const result = await build({
      entryPoints: ['src/client/index.ts'],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      logLevel: 'silent',
    });
    // Assess
    const inputs = Object.keys(result.metafile.inputs);
    // diagnose() is pure string work, shared with the server so that both explain errors alike.
    expect(inputs.filter((path) => !path.startsWith('src/client/'))).toEqual(['src/doctor/diagnose.ts']);
    expect(result.outputFiles[0]!.text).not.toMatch(/node:|@aws-sdk|valibot/);
  });
});

describe('client helpers', () => {
  it('reads the code and message of an S3 error document, decoding entities', () => {
    expect(parseStorageError('<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>a &amp; b</Message></Error>')).toEqual({
      code: 'SignatureDoesNotMatch',
      message: 'a & b',
    });
    expect(parseStorageError('<Error><Code>AccessDenied</Code><Message></Message></Error>')).toEqual({ code: 'AccessDenied', message: undefined });
    expect(parseStorageError('Bad Gateway')).toEqual({ code: undefined, message: undefined });
  });

  it('skips headers that browsers refuse to let scripts set, and only those', () => {
    expect(['Content-Length', 'host', 'Proxy-Authorization', 'sec-fetch-mode'].filter(isForbiddenHeader)).toHaveLength(4);
    expect(['content-type', 'x-amz-meta-owner', 'content-disposition', 'authorization'].some(isForbiddenHeader)).toBe(false);
  });
});
