import { create, parse } from 'content-disposition';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentDispositionFor } from '../../src/core/disposition.js';
import { toSafeName } from '../../src/core/keys.js';

describe('contentDispositionFor', () => {
  it.each(['image/jpeg', 'image/png', 'image/webp', 'audio/mpeg', 'video/mp4'])(
    'leaves plain media (%s) inline under "auto"',
    (type) => {
      expect(contentDispositionFor('auto', type, 'a.bin')).toBeUndefined();
    },
  );

  it.each([
    'image/svg+xml',
    'image/vnd.example+xml',
    'text/html',
    'text/plain',
    'application/pdf',
    'application/xhtml+xml',
    'text/xml',
    'application/octet-stream',
  ])('makes a document (%s) an attachment under "auto"', (type) => {
    expect(contentDispositionFor('auto', type, 'a.bin')).toBe('attachment; filename=a.bin');
  });

  it('follows an explicit mode whatever the type', () => {
    expect(contentDispositionFor('attachment', 'image/jpeg', 'a.jpg')).toBe('attachment; filename=a.jpg');
    expect(contentDispositionFor('inline', 'text/html', 'a.html')).toBeUndefined();
  });

  it("builds, for any safe name, content-disposition's header to the byte", () => {
    const names = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
      fc.stringMatching(/^[ -~]{1,30}$/),
      fc.constantFrom("it's (1) *", 'a"b\\c', 'résumé', '%41', 'a b', '日本', 'résumé (1)', 'é(1).bin'),
    );
    fc.assert(
      fc.property(names, (fileName) => {
        let safeName: string;
        try {
          safeName = toSafeName(fileName, 'application/octet-stream');
        } catch {
          return; // refused for another type's extension: no header is ever built
        }
        // Accents dropped, other non-ASCII runs a dash.
        const fallback = safeName
          .normalize('NFKD')
          .replace(/\p{M}+/gu, '')
          .replace(/[^\x20-\x7e]+/g, '-');
        expect(contentDispositionFor('attachment', 'application/octet-stream', safeName)).toBe(
          create(safeName, { type: 'attachment', fallback }),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('gives any file name as a one-line ASCII header that reads back as the same name', () => {
    fc.assert(
      // Names ending in another type's extension are refused before any header is built.
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((name) => !/\.[^.]*$/.test(name)),
        (fileName) => {
          const safeName = toSafeName(fileName, 'application/octet-stream');
          const header = contentDispositionFor('attachment', 'application/octet-stream', safeName)!;
          expect(header).toMatch(/^[\x20-\x7e]+$/);
          expect(parse(header)).toMatchObject({ type: 'attachment', parameters: { filename: safeName } });
        },
      ),
      { numRuns: 2000 },
    );
  });
});
