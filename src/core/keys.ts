import mime from 'mime/lite';
import { PresignError } from '../errors.js';

/** S3's limit on a key's UTF-8 length. */
export const MAX_KEY_BYTES = 1024;
/** A file name longer than this is shortened, keeping its extension. */
const MAX_NAME_BYTES = 255;

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

// mime builds a new Set on every call; a service asks about the same few types again and again.
const extensionsByType = new Map<string, ReadonlySet<string> | null>();
function extensionsOf(contentType: string): ReadonlySet<string> | null {
  let extensions = extensionsByType.get(contentType);
  if (extensions === undefined) {
    if (extensionsByType.size >= 256) extensionsByType.clear();
    extensionsByType.set(contentType, (extensions = mime.getAllExtensions(contentType)));
  }
  return extensions;
}

// Control, format (bidi overrides, zero-width joiners), separator and surrogate code points, and
// the backslash: none may reach a key.
const UNSAFE_IN_KEY = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\\]/u;
// Letters, marks and digits of any script survive in file names, and a few punctuation marks that
// need no escaping in URLs; everything else, spaces and `+` and `%` included, becomes a dash.
const NOT_NAME_CHARACTER = /[^\p{L}\p{M}\p{N}._()-]+/gu;

/**
 * Splits a name into base and lower-cased extension. A leading dot does not start an extension.
 */
function splitExtension(name: string): [base: string, extension: string | undefined] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot + 1).toLowerCase()] : [name, undefined];
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a code point. */
function truncateBytes(text: string, maxBytes: number): string {
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
 * `maxBytes`, and an extension consistent with `contentType`. An extension that belongs to another
 * known type is refused rather than silently replaced, since the name is what a downloader sees.
 */
export function toSafeName(fileName: string, contentType: string, maxBytes = MAX_NAME_BYTES): string {
  const basename = fileName.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = basename
    .replace(NOT_NAME_CHARACTER, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[.\-_]+|[.\-]+$/g, '');
  let [base, extension] = splitExtension(cleaned);
  const typeExtensions = extensionsOf(contentType);
  if (extension && typeExtensions && !typeExtensions.has(extension)) {
    const extensionType = mime.getType(extension);
    if (extensionType) {
      throw new PresignError(
        'EXTENSION_MISMATCH',
        `The file name ends in ".${extension}", which is ${extensionType}, but the declared type is ${contentType}.`,
      );
    }
    // An extension no one knows (`report.v2`) is part of the name, not a type claim.
    [base, extension] = [`${base}.${extension}`, undefined];
  }
  extension ??= mime.getExtension(contentType) ?? undefined;
  const suffix = extension ? `.${extension}` : '';
  const trimmedBase = truncateBytes(base || 'file', maxBytes - byteLength(suffix)).replace(/[.\-]+$/, '');
  return `${trimmedBase || 'file'}${suffix}`;
}

/** The byte budget left for the file name in a default key `${prefix}${id}-${name}`. */
export function nameBudget(prefix: string, id: string): number {
  return Math.min(MAX_NAME_BYTES, MAX_KEY_BYTES - byteLength(prefix) - byteLength(id) - 1);
}

/**
 * Refuses a key that could escape the prefix, hide characters, or break S3's limits, whoever built
 * it: the default builder or a custom `key` function.
 */
export function assertSafeKey(key: unknown, prefix: string, contentType: string): asserts key is string {
  const refuse = (reason: string): never => {
    throw new PresignError('INVALID_KEY', `The upload key is not safe: ${reason}.`);
  };
  if (typeof key !== 'string') return refuse('the key function must return a string');
  if (!key.startsWith(prefix) || key.length === prefix.length) refuse(`it must start with "${prefix}" and name an object inside it`);
  if (byteLength(key) > MAX_KEY_BYTES) refuse(`it is longer than ${MAX_KEY_BYTES} bytes`);
  if (!key.isWellFormed() || UNSAFE_IN_KEY.test(key)) refuse('it contains control, format or backslash characters');
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    refuse('it contains an empty, "." or ".." path segment');
  const [, extension] = splitExtension(key.slice(key.lastIndexOf('/') + 1));
  const typeExtensions = extensionsOf(contentType);
  const extensionType = extension && mime.getType(extension);
  if (typeExtensions && extensionType && !typeExtensions.has(extension))
    refuse(`its extension ".${extension}" is ${extensionType}, not ${contentType}`);
}
