import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { isForbiddenHeader } from '../../src/client/send-with-progress.js';

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
    // The doctor's explanation is shared with the server so that both explain errors alike; the
    // browser reads the XML with its own DOMParser, so no XML parser is bundled.
    // The protocol (action names, wire types, limits, the part-size rule) is shared and imports nothing.
    // idb-keyval (under 1 kB) keeps interrupted multipart uploads; it loads on the first one only.
    // format-size (dependency-free) words the Uppy part-size refusal as the server words its sizes.
    expect(inputs.filter((path) => !path.startsWith('src/client/'))).toEqual([
      'src/doctor/error-xml-dom.ts',
      'src/doctor/explain-failure.ts',
      'src/protocol.ts',
      // hash-wasm's MD5, SHA-256, CRC32 and CRC64 (28 kB minified), loaded when the first file is hashed.
      'node_modules/hash-wasm/dist/index.esm.js',
      'node_modules/idb-keyval/dist/index.js',
      'src/format-size.ts',
    ]);
    expect(result.outputFiles[0]!.text).not.toMatch(/node:|@aws-sdk|valibot/);
  });
});

describe('client helpers', () => {
  it('skips headers that browsers refuse to let scripts set, and only those', () => {
    expect(['Content-Length', 'host', 'Proxy-Authorization', 'sec-fetch-mode'].filter(isForbiddenHeader)).toHaveLength(
      4,
    );
    expect(['content-type', 'x-amz-meta-owner', 'content-disposition', 'authorization'].some(isForbiddenHeader)).toBe(
      false,
    );
  });
});
