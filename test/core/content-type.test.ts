import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTypeAllowed, parseContentType, WILDCARD_TYPES } from '../../src/core/content-type.js';
import { presignError, testPresigner } from '../helpers/presign.js';

const EVERY_WILDCARD = Object.keys(WILDCARD_TYPES);

/** README's table under `allowedTypes`: each wildcard and the types it admits. */
function readmeWildcardTable(): Record<string, string[]> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('##### `allowedTypes`'), readme.indexOf('##### `prefix`'));
  const table: Record<string, string[]> = {};
  for (const [, wildcard, types] of section.matchAll(/^\| `([^`]+\/\*)` +\| (.+?) +\|$/gm)) {
    table[wildcard!] = [...types!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
  }
  return table;
}

// Active types in the spellings a review found or a browser accepts; each must stay outside every wildcard.
const ACTIVE_TYPES = [
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/xsl',
  'application/xslt+xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/mathml+xml',
  'text/javascript',
  'application/javascript',
  'text/x-javascript',
  'application/x-javascript',
  'text/jscript',
  'text/javascript1.0',
  'text/javascript1.5',
  'text/livescript',
  'text/ecmascript',
  'text/x-ecmascript',
  'application/ecmascript',
  'application/x-ecmascript',
  'application/wasm',
  'text/css',
  'text/vtt',
  'application/pdf+xml',
  'application/octet-stream',
  'application/x-msdownload',
  'application/hta',
  'application/java-archive',
  'application/x-sh',
  'multipart/x-mixed-replace',
  'multipart/form-data',
  'message/rfc822',
  'text/x-component',
  'application/x-shockwave-flash',
  'text/cache-manifest',
];

describe('wildcards', () => {
  it('README lists exactly the types each wildcard admits', () => {
    expect(readmeWildcardTable()).toEqual(WILDCARD_TYPES);
  });

  it.each(ACTIVE_TYPES)('no wildcard admits %s, in any case or with parameters', async (type) => {
    const presigner = testPresigner({ allowedTypes: EVERY_WILDCARD });
    for (const spelling of [type, type.toUpperCase(), `${type}; charset=utf-8`, ` ${type} ;q=1`]) {
      const error = await presignError(presigner.presign({ fileName: 'probe', contentType: spelling }));
      expect(error.code, spelling).toBe('TYPE_NOT_ALLOWED');
    }
  });

  it('admits nothing outside its lists, whatever the subtype', () => {
    const subtype = fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,30}$/);
    fc.assert(
      fc.property(fc.constantFrom(...EVERY_WILDCARD), subtype, (wildcard, name) => {
        const essence = `${wildcard.slice(0, -1)}${name}`;
        expect(isTypeAllowed(essence, [wildcard])).toBe(WILDCARD_TYPES[wildcard]!.includes(essence));
      }),
      { numRuns: 2000 },
    );
  });

  it('admits each listed type, however the request spells it', async () => {
    const presigner = testPresigner({ allowedTypes: EVERY_WILDCARD });
    for (const type of Object.values(WILDCARD_TYPES).flat()) {
      const result = await presigner.presign({
        fileName: 'probe',
        contentType: `${type.toUpperCase()}; charset=utf-8`,
      });
      expect(result.key, type).toMatch(/^uploads\//);
      expect(parseContentType(type)?.essence).toBe(type);
    }
  });

  it('still admits a type named exactly, even an active one', async () => {
    const presigner = testPresigner({ allowedTypes: ['text/xsl', 'model/gltf-binary'] });
    await expect(presigner.presign({ fileName: 'style.xsl', contentType: 'text/xsl' })).resolves.toMatchObject({
      key: expect.stringMatching(/-style-xsl$/),
    });
    await expect(presigner.presign({ fileName: 'scene.glb', contentType: 'model/gltf-binary' })).resolves.toBeDefined();
  });

  it.each(['multipart/*', 'model/*', 'message/*', 'x-custom/*', 'IMAGE/PNG/*'])(
    'refuses the wildcard %s when the presigner is created',
    (wildcard) => {
      expect(() => testPresigner({ allowedTypes: ['image/*', wildcard] })).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTIONS',
          message: expect.stringMatching(/"allowedTypes".*image\/\*, audio\/\*/),
        }),
      );
    },
  );

  it('accepts its wildcards in any case', async () => {
    const presigner = testPresigner({ allowedTypes: ['IMAGE/*'] });
    await expect(presigner.presign({ fileName: 'a.png', contentType: 'image/png' })).resolves.toBeDefined();
  });
});
