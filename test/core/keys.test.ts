import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSafeKey, MAX_KEY_BYTES, standardMime, toSafeName } from '../../src/core/keys.js';
import { isPresignError } from '../../src/index.js';
import { presignError, testPresigner } from '../helpers/presign.js';

describe('toSafeName', () => {
  it.each([
    ['sample.jpg', 'image/jpeg', 'sample.jpg'],
    ['Photo.JPG', 'image/jpeg', 'Photo.jpg'],
    ['holiday photo (1).jpeg', 'image/jpeg', 'holiday-photo-(1).jpeg'],
    ['C:\\fakepath\\photo.png', 'image/png', 'photo.png'],
    ['../../etc/passwd.png', 'image/png', 'passwd.png'],
    ['...png', 'image/png', 'png.png'],
    ['..', 'image/png', 'file.png'],
    ['a\u0000b\u001fc.png', 'image/png', 'a-b-c.png'],
    ['invoice\u202Egpj.exe.png', 'image/png', 'invoice-gpj.exe.png'],
    ['a+b%20c#d?.png', 'image/png', 'a-b-20c-d.png'],
    ['写真 2024.png', 'image/png', '写真-2024.png'],
    ['cafe\u0301.png', 'image/png', 'café.png'],
    ['report', 'application/pdf', 'report.pdf'],
    ['report.v2', 'application/pdf', 'report.v2.pdf'],
    ['archive.tar.gz', 'application/gzip', 'archive.tar.gz'],
    ['data.bin', 'application/x-custom', 'data-bin'],
  ])('%j as %s becomes %j', (fileName, contentType, expected) => {
    expect(toSafeName(fileName, contentType)).toBe(expected);
  });

  it.each([
    ['evil.html', 'image/jpeg'],
    ['photo.png', 'image/jpeg'],
    ['script.js', 'image/png'],
  ])('refuses %j declared as %s', (fileName, contentType) => {
    expect(() => toSafeName(fileName, contentType)).toThrow(expect.objectContaining({ code: 'EXTENSION_MISMATCH' }));
  });

  it('keeps and replaces each ASCII character in an ASCII name as in a name with other characters', () => {
    // An ASCII name takes ASCII copies of the Unicode classes (they compile faster at a cold start).
    for (let code = 0; code < 128; code++) {
      const character = String.fromCharCode(code);
      expect(toSafeName(`a${character}b.png`, 'image/png').slice(1)).toBe(
        toSafeName(`é${character}b.png`, 'image/png').slice(1),
      );
    }
    expect(toSafeName('Az09._()-x+ %~!y.png', 'image/png')).toBe('Az09._()-x-y.png');
  });

  it('shortens long names by bytes, keeping the extension and whole code points', () => {
    const name = toSafeName(`${'😀é'.repeat(40)}${'写'.repeat(200)}.png`, 'image/png', 100);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(100);
    expect(name.endsWith('.png')).toBe(true);
    expect(name.isWellFormed()).toBe(true);
  });
});

describe('assertSafeKey', () => {
  it('accepts a plain key inside the prefix', () => {
    expect(() => assertSafeKey('uploads/u-1/a.jpg', 'uploads/', 'image/jpeg')).not.toThrow();
  });

  it('refuses the same ASCII characters in an ASCII key as in a key with other characters', () => {
    const refused = (key: string) => {
      try {
        assertSafeKey(key, 'uploads/', 'image/png');
        return false;
      } catch {
        return true;
      }
    };
    const refusedCodes = [];
    for (let code = 0; code < 128; code++) {
      const character = String.fromCharCode(code);
      expect(refused(`uploads/a${character}b.png`), `code ${code}`).toBe(refused(`uploads/é${character}b.png`));
      if (refused(`uploads/a${character}b.png`)) refusedCodes.push(code);
    }
    // Control characters and the backslash.
    expect(refusedCodes).toEqual([...Array.from({ length: 32 }, (_, code) => code), 92, 127]);
  });
});

describe('keys, for any file name a client can send', () => {
  const fileName = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 3000 }),
    fc
      .array(
        fc.constantFrom(
          '..',
          '/',
          '\\',
          '.',
          '\u0000',
          '\u202E',
          '%2e%2e',
          '%2F',
          'CON',
          ' ',
          '+',
          '~',
          'é',
          'e\u0301',
          '😀',
          '.jpg',
          '.html',
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join('')),
  );

  it('stay inside the prefix, at most 1024 bytes, with nothing unsafe, or are refused with a known code', async () => {
    const presigner = testPresigner({ prefix: 'user-files/' });
    await fc.assert(
      fc.asyncProperty(fileName, async (name) => {
        try {
          const { key } = await presigner.presign({ fileName: name, contentType: 'image/jpeg' });
          expect(key.startsWith('user-files/')).toBe(true);
          expect(Buffer.byteLength(key)).toBeLessThanOrEqual(MAX_KEY_BYTES);
          expect(key.isWellFormed()).toBe(true);
          expect(key).not.toMatch(/[\p{Cc}\p{Cf}\\%+]|\/\.\.?(\/|$)|\/\//u);
          expect(key.slice('user-files/'.length)).not.toContain('/');
          expect(key).toMatch(/\.(jpg|jpeg|jpe)$/);
        } catch (error) {
          if (!isPresignError(error)) throw error;
          expect(['INVALID_REQUEST', 'EXTENSION_MISMATCH']).toContain(error.code);
        }
      }),
      { numRuns: 2000 },
    );
  }, 60_000);
});

// Extensions a browser or desktop runs, or renders as a page, once a file is saved under its key.
const EXECUTABLE_OR_MARKUP = [
  'exe',
  'msi',
  'bat',
  'cmd',
  'com',
  'scr',
  'ps1',
  'vbs',
  'js',
  'mjs',
  'hta',
  'html',
  'htm',
  'xhtml',
  'svg',
  'xml',
  'xsl',
  'jar',
  'sh',
  'app',
  'lnk',
];

describe('key extensions come from the type, never from the user', () => {
  // Types the MIME table does not know: before, the user's extension survived as the key's.
  const unknownType = fc.constantFrom(
    'image/x-foo',
    'application/x-custom',
    'video/x-private',
    'application/vnd.acme.private',
  );
  const userExtension = fc.oneof(fc.constantFrom(...EXECUTABLE_OR_MARKUP), fc.stringMatching(/^[a-z0-9]{1,6}$/));
  const baseName = fc.oneof(
    fc.constantFrom('setup', 'invoice', 'a.b', 'photo.jpg'),
    fc.string({ minLength: 1, maxLength: 40 }),
  );

  it.each(EXECUTABLE_OR_MARKUP)(
    'a file named payload.%s declared as a type the MIME table does not know keeps no extension',
    async (extension) => {
      const presigner = testPresigner({ allowedTypes: ['image/x-foo'] });
      const { key } = await presigner.presign({ fileName: `payload.${extension}`, contentType: 'image/x-foo' });
      expect(key).toMatch(new RegExp(`-payload-${extension}$`));
    },
  );

  it('for a type the MIME table does not know, no key ends in an extension the user chose', () => {
    fc.assert(
      fc.property(baseName, userExtension, unknownType, (base, extension, contentType) => {
        const name = toSafeName(`${base}.${extension}`, contentType);
        expect(name).not.toContain('.');
      }),
      { numRuns: 2000 },
    );
  });

  it('for a known type, the key ends in one of its extensions or the request is refused', () => {
    const knownType = fc.constantFrom(
      'image/jpeg',
      'image/png',
      'application/pdf',
      'text/plain',
      'video/mp4',
      'font/woff2',
    );
    fc.assert(
      fc.property(baseName, userExtension, knownType, (base, extension, contentType) => {
        try {
          const name = toSafeName(`${base}.${extension}`, contentType);
          expect(standardMime.getAllExtensions(contentType)).toContain(name.slice(name.lastIndexOf('.') + 1));
        } catch (error) {
          expect(error).toMatchObject({ code: 'EXTENSION_MISMATCH' });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it.each(EXECUTABLE_OR_MARKUP)(
    'assertSafeKey refuses a custom key ending in .%s for a type that does not own it',
    (extension) => {
      for (const contentType of ['image/x-foo', 'image/png', 'application/pdf']) {
        expect(() => assertSafeKey(`uploads/u-1/file.${extension}`, 'uploads/', contentType), contentType).toThrow(
          expect.objectContaining({ code: 'INVALID_KEY', message: expect.stringContaining(`.${extension}`) }),
        );
      }
    },
  );

  it('assertSafeKey refuses executable or markup extensions in any case, also through a custom key function', async () => {
    const presigner = testPresigner({ allowedTypes: ['image/x-foo'], key: ({ prefix, id }) => `${prefix}${id}.HTA` });
    const error = await presignError(presigner.presign({ fileName: 'a', contentType: 'image/x-foo' }));
    expect(error.code).toBe('INVALID_KEY');
  });

  it("assertSafeKey accepts a type's own extension, even an active one named exactly", () => {
    expect(() => assertSafeKey('uploads/logo.svg', 'uploads/', 'image/svg+xml')).not.toThrow();
    expect(() => assertSafeKey('uploads/setup.exe', 'uploads/', 'application/octet-stream')).not.toThrow();
    expect(() => assertSafeKey('uploads/data.bin', 'uploads/', 'image/x-foo')).not.toThrow();
  });

  it('assertSafeKey checks only the path while the type is not known yet (verify by key)', () => {
    expect(() => assertSafeKey('uploads/logo.svg', 'uploads/', '')).not.toThrow();
    expect(() => assertSafeKey('uploads/../logo.svg', 'uploads/', '')).toThrow(
      expect.objectContaining({ code: 'INVALID_KEY' }),
    );
  });
});
