/** How a stored object is served: see `PresignerOptions.contentDisposition`. */
export type DispositionMode = 'attachment' | 'inline' | 'auto';

// Plain pictures, sound and film: a browser shows them inertly, never as a document that runs
// script on the storage's origin. Anything XML-based (SVG) or outside these three is a document.
const INERT_MEDIA = /^(?:image|audio|video)\/(?![^]*(?:xml|svg))/;

/**
 * The Content-Disposition an upload is signed with, or `undefined` when none is: `attachment`
 * with the file name (RFC 6266, a `filename*` per RFC 8187 when the name is not ASCII), so that
 * opening the stored object downloads it rather than rendering it on the bucket's origin.
 *
 * @param safeName The file name as `toSafeName` made it: no quotes, controls or path characters.
 * @example
 * ```ts
 * contentDispositionFor('auto', 'application/pdf', 'résumé.pdf');
 * // `attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`
 * contentDispositionFor('auto', 'image/jpeg', 'photo.jpg'); // undefined: shown inline
 * ```
 */
export function contentDispositionFor(mode: DispositionMode, essence: string, safeName: string): string | undefined {
  if (mode === 'inline' || (mode === 'auto' && INERT_MEDIA.test(essence))) return undefined;
  // content-disposition's create(safeName, { fallback }) to the byte (a test compares them): a
  // formatter is a few lines, while its bundle (a parser too, as CommonJS) is 3.5 kB of every presign.
  const fallback = asciiFallback(safeName);
  const filename = TOKEN.test(fallback) ? fallback : `"${fallback.replace(/[\\"]/g, '\\$&')}"`;
  if (fallback === safeName) return `attachment; filename=${filename}`;
  // encodeURIComponent leaves these four, which RFC 8187's attr-char does not allow.
  const encoded = encodeURIComponent(safeName).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename=${filename}; filename*=UTF-8''${encoded}`;
}
/** RFC 9110's token: a value that needs no quotes. */
const TOKEN = /^[!#$%&'*+.0-9A-Z^_`a-z|~-]+$/;

/** The name for clients that ignore `filename*`: accents dropped, other non-ASCII runs a dash. */
function asciiFallback(name: string): string {
  // Most names are ASCII already, and normalising costs more than the rest of the header.
  if (PRINTABLE_ASCII.test(name)) return name;
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\x20-\x7e]+/g, '-');
}
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
