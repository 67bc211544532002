import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSafeKey, MAX_KEY_BYTES, toSafeName } from '../../src/core/keys.js';
import { isPresignError } from '../../src/index.js';
import { testPresigner } from '../helpers/presign.js';

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
    ['data.bin', 'application/x-custom', 'data.bin'],
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
});

describe('keys, for any file name a client can send', () => {
  const fileName = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 3000 }),
    fc.array(fc.constantFrom('..', '/', '\\', '.', '\u0000', '\u202E', '%2e%2e', '%2F', 'CON', ' ', '+', '~', 'é', 'e\u0301', '😀', '.jpg', '.html'), { maxLength: 40 }).map((parts) => parts.join('')),
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
