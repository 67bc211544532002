import fc from 'fast-check';
import mime from 'mime/lite';
import standardTypes from 'mime/types/standard.js';
import { describe, expect, it } from 'vitest';
import { standardMime } from '../../src/core/keys.js';
import { STANDARD_TYPES } from '../../src/core/mime-types.js';

// keys.ts reads mime's standard table itself instead of importing mime/lite (which maps the whole
// table on import): every answer it can give must be mime/lite's.

const types = Object.keys(standardTypes);
const extensions = [
  ...new Set(
    Object.values(standardTypes)
      .flat()
      .map((extension) => extension.replace(/^\*/, '')),
  ),
];
const spellings = (type: string) => [type, type.toUpperCase(), ` ${type} `, `${type}; charset=utf-8`, `${type};q=1`];

describe('standardMime', () => {
  it("reads from mime-types.ts exactly mime's standard table, in its order (else run scripts/mime-types.mjs)", () => {
    const table = STANDARD_TYPES.flatMap((line) => {
      const [topLevel, entries] = line.split(':') as [string, string];
      return entries.split(',').map((entry) => {
        const [subtype, ...extensions] = entry.split(' ');
        return [`${topLevel}/${subtype}`, extensions];
      });
    });
    expect(table).toEqual(Object.entries(standardTypes));
  });

  it('gives every type of the table, however it is spelled, the extensions and first extension mime/lite gives', () => {
    for (const type of types.flatMap(spellings)) {
      expect(standardMime.getAllExtensions(type)).toEqual(mime.getAllExtensions(type));
      expect(standardMime.getExtension(type)).toBe(mime.getExtension(type));
    }
  });

  it('gives every extension of the table, in any case, the type mime/lite gives', () => {
    for (const extension of extensions.flatMap((extension) => [extension, extension.toUpperCase()])) {
      expect(standardMime.getType(extension)).toBe(mime.getType(extension));
    }
  });

  it('agrees with mime/lite on anything else', () => {
    const bare = fc.string({ maxLength: 12 }).filter((text) => !/[./\\]/.test(text));
    fc.assert(
      fc.property(
        fc.oneof(bare, fc.constantFrom('', 'constructor', '__proto__', 'toString', 'image/', '/jpeg', 'image/*')),
        (text) => {
          expect(standardMime.getType(text)).toBe(mime.getType(text));
          // mime/lite answers '' rather than null for an empty type; keys.ts asks only about media types.
          if (text.split(';')[0] !== '') expect(standardMime.getExtension(text)).toBe(mime.getExtension(text));
          expect(standardMime.getAllExtensions(text)).toEqual(mime.getAllExtensions(text));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
