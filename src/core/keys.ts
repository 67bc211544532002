import { PresignError } from '../errors.js';
import { STANDARD_TYPES } from './mime-types.js';

/** S3's limit on a key's UTF-8 length. */
export const MAX_KEY_BYTES = 1024;
/** A file name longer than this is shortened, keeping its extension. */
const MAX_NAME_BYTES = 255;

// Web-only runtimes (workerd, Vercel Edge) have no Buffer; TextEncoder copies, so Buffer comes first.
const utf8 = new TextEncoder();
const byteLength =
  typeof Buffer === 'function'
    ? (text: string) => Buffer.byteLength(text, 'utf8')
    : (text: string) => utf8.encode(text).length;

/**
 * mime/lite's answers from mime's standard table, which mime-types.ts holds in half the bytes
 * (every presign loads it), one line per top-level type, each read into a map when first asked: a
 * presign of an image reads the image line only. mime/lite maps all ~330 types and their extensions
 * when it is imported, most of a millisecond of every cold start. A `*` marks an extension that its
 * type does not claim. test/core/mime.test.ts holds every answer to mime/lite's.
 */
export const standardMime = {
  getAllExtensions(type: string): Set<string> | null {
    const extensions = extensionsOfType(type);
    return extensions ? new Set(extensions.map(unstar)) : null;
  },
  /** For a media type (mime/lite answers '' rather than null for an empty one). */
  getExtension(type: string): string | null {
    const first = extensionsOfType(type)?.[0];
    return first === undefined ? null : unstar(first);
  },
  /** For a bare extension, without a path or dot. */
  getType(extension: string): string | null {
    typesByExtension ??= new Map(
      STANDARD_TYPES.flatMap((line) => {
        const topLevel = line.slice(0, line.indexOf(':'));
        return [...subtypesOf(topLevel)!].flatMap(([subtype, extensions]) =>
          extensions
            .filter((extension) => !extension.startsWith('*'))
            .map((extension): [string, string] => [extension, `${topLevel}/${subtype}`]),
        );
      }),
    );
    return typesByExtension.get(extension.toLowerCase()) ?? null;
  },
};
let typesByExtension: Map<string, string> | undefined;
/** Holds only the table's own top-level types, so callers' types cannot grow it. */
const subtypesByTopLevel = new Map<string, Map<string, readonly string[]>>();
function subtypesOf(topLevel: string): Map<string, readonly string[]> | undefined {
  let subtypes = subtypesByTopLevel.get(topLevel);
  if (subtypes) return subtypes;
  const line = STANDARD_TYPES.find((candidate) => candidate.startsWith(`${topLevel}:`));
  if (line === undefined) return undefined;
  subtypes = new Map();
  for (const entry of line.slice(topLevel.length + 1).split(',')) {
    const [subtype, ...extensions] = entry.split(' ');
    subtypes.set(subtype!, extensions);
  }
  subtypesByTopLevel.set(topLevel, subtypes);
  return subtypes;
}
const unstar = (extension: string) => (extension.startsWith('*') ? extension.slice(1) : extension);
function extensionsOfType(type: string): readonly string[] | undefined {
  const essence = type.split(';')[0]!.trim().toLowerCase();
  const slash = essence.indexOf('/');
  return slash < 0 ? undefined : subtypesOf(essence.slice(0, slash))?.get(essence.slice(slash + 1));
}

// getAllExtensions makes a new Set on every call; a service asks about the same few types again and again.
const extensionsByType = new Map<string, ReadonlySet<string> | null>();
function extensionsOf(contentType: string): ReadonlySet<string> | null {
  let extensions = extensionsByType.get(contentType);
  if (extensions === undefined) {
    if (extensionsByType.size >= 256) extensionsByType.clear();
    extensionsByType.set(contentType, (extensions = standardMime.getAllExtensions(contentType)));
  }
  return extensions;
}

// Control, format (bidi overrides, zero-width joiners), separator and surrogate code points, and
// the backslash: none may reach a key.
const UNSAFE_IN_KEY = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\\]/u;
// Letters, marks and digits of any script survive in file names, and a few punctuation marks that
// need no escaping in URLs; everything else, spaces and `+` and `%` included, becomes a dash.
const NOT_NAME_CHARACTER = /[^\p{L}\p{M}\p{N}._()-]+/gu;
// The same two classes within ASCII, for the usual name and key: V8 takes about a millisecond of a
// cold start to compile a Unicode property class on its first use.
const ASCII = /^[\0-\x7f]*$/;
const UNSAFE_IN_ASCII_KEY = /[\0-\x1f\x7f\\]/;
const NOT_ASCII_NAME_CHARACTER = /[^A-Za-z0-9._()-]+/g;
// A path segment that is empty, "." or "..".
const UNSAFE_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;
// Extensions that a desktop runs or a browser renders as a page once a download is saved under
// them. No maintained list exists on npm; this one follows the file types Windows, macOS and Linux
// execute on a double click and the markup browsers render. A type's own extension is still fine
// (an SVG named exactly in `allowedTypes` may end in .svg).
const EXECUTABLE_OR_MARKUP = new Set([
  'exe',
  'msi',
  'msp',
  'msix',
  'appx',
  'bat',
  'cmd',
  'com',
  'scr',
  'pif',
  'cpl',
  'dll',
  'msc',
  'reg',
  'inf',
  'lnk',
  'url',
  'ps1',
  'psm1',
  'vbs',
  'vbe',
  'js',
  'jse',
  'mjs',
  'cjs',
  'wsf',
  'wsh',
  'hta',
  'chm',
  'jar',
  'sh',
  'bash',
  'command',
  'app',
  'pkg',
  'dmg',
  'desktop',
  'html',
  'htm',
  'shtml',
  'xhtml',
  'xht',
  'mht',
  'mhtml',
  'svg',
  'svgz',
  'xml',
  'xsl',
  'xslt',
  'php',
  'asp',
  'aspx',
  'jsp',
  'swf',
]);

/**
 * Splits a name into base and lower-cased extension. A leading dot does not start an extension.
 */
function splitExtension(name: string): [base: string, extension: string | undefined] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot + 1).toLowerCase()] : [name, undefined];
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a code point. */
function truncateBytes(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  let result = '';
  for (const character of text) {
    if (byteLength(result + character) > maxBytes) break;
    result += character;
  }
  return result;
}

/**
 * Makes a client's file name safe to put in a key: the basename only (browsers may send
 * `C:\fakepath\photo.jpg`), NFC, no path, control or bidi characters, no leading dots, at most
 * `maxBytes`, and an extension that comes from `contentType`, never from the user: the user's is
 * kept only when it is one of the type's own, and a type the MIME table does not know gets none.
 * An extension that belongs to another known type is refused rather than silently replaced,
 * since the name is what a downloader sees.
 */
export function toSafeName(fileName: string, contentType: string, maxBytes = MAX_NAME_BYTES): string {
  const normalized = fileName.normalize('NFC');
  const basename = normalized.slice(Math.max(normalized.lastIndexOf('/'), normalized.lastIndexOf('\\')) + 1);
  const cleaned = basename
    .replace(ASCII.test(basename) ? NOT_ASCII_NAME_CHARACTER : NOT_NAME_CHARACTER, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[.\-_]+|[.\-]+$/g, '');
  let [base, extension] = splitExtension(cleaned);
  const typeExtensions = extensionsOf(contentType);
  if (extension && typeExtensions && !typeExtensions.has(extension)) {
    const extensionType = standardMime.getType(extension);
    if (extensionType) {
      throw new PresignError(
        'EXTENSION_MISMATCH',
        `The file name ends in ".${extension}", which is ${extensionType}, but the declared type is ${contentType}.`,
      );
    }
    // An extension no one knows (`report.v2`) is part of the name, not a type claim.
    [base, extension] = [`${base}.${extension}`, undefined];
  }
  if (!typeExtensions) {
    // A type the table does not know vouches for no extension: any the user wrote (`.exe`,
    // `.html.x`) would decide how the download opens, so the name keeps no dot at all.
    [base, extension] = [cleaned.replace(/[.-]+/g, '-'), undefined];
  }
  extension ??= standardMime.getExtension(contentType) ?? undefined;
  const suffix = extension ? `.${extension}` : '';
  const trimmedBase = truncateBytes(base || 'file', maxBytes - byteLength(suffix)).replace(/[.\-]+$/, '');
  return `${trimmedBase || 'file'}${suffix}`;
}

/** The byte budget left for the file name in a default key `${prefix}${id}-${name}`. */
export function nameBudget(prefix: string, id: string): number {
  return Math.min(MAX_NAME_BYTES, MAX_KEY_BYTES - byteLength(prefix) - byteLength(id) - 1);
}

function refuse(reason: string): never {
  throw new PresignError('INVALID_KEY', `The upload key is not safe: ${reason}.`);
}

/**
 * Refuses a key that could escape the prefix, hide characters, break S3's limits, or end in an
 * extension that is not its type's (another type's, or one that runs or renders as a page),
 * whoever built it: the default builder or a custom `key` function. With `contentType` `''` (not
 * known yet) the extension is not checked.
 */
export function assertSafeKey(key: unknown, prefix: string, contentType: string): asserts key is string {
  if (typeof key !== 'string') return refuse('the key function must return a string');
  if (!key.startsWith(prefix) || key.length === prefix.length)
    refuse(`it must start with "${prefix}" and name an object inside it`);
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short keys need no counting.
  if (key.length * 3 > MAX_KEY_BYTES && byteLength(key) > MAX_KEY_BYTES)
    refuse(`it is longer than ${MAX_KEY_BYTES} bytes`);
  const unsafe = ASCII.test(key) ? UNSAFE_IN_ASCII_KEY : UNSAFE_IN_KEY;
  if (!key.isWellFormed() || unsafe.test(key)) refuse('it contains control, format or backslash characters');
  if (UNSAFE_SEGMENT.test(key)) refuse('it contains an empty, "." or ".." path segment');
  const [, extension] = splitExtension(key.slice(key.lastIndexOf('/') + 1));
  const typeExtensions = extensionsOf(contentType);
  // No type yet (verify by key checks the stored type itself): only the path is checked.
  if (!extension || !contentType || typeExtensions?.has(extension)) return;
  if (EXECUTABLE_OR_MARKUP.has(extension))
    refuse(`its extension ".${extension}" is executable or markup, and not ${contentType}'s`);
  const extensionType = typeExtensions && standardMime.getType(extension);
  if (extensionType) refuse(`its extension ".${extension}" is ${extensionType}, not ${contentType}`);
}
