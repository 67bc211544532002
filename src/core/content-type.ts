import { format, parse as parseMediaType } from 'content-type';

// What `allowedTypes` may name: an exact type or a family wildcard (checked once, at creation).
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const PATTERN = new RegExp(`^(${TOKEN})/(${TOKEN}|\\*)$`);

/**
 * What each wildcard admits: a list of types no browser executes or renders as a document, so a
 * stored object cannot run script from the storage's origin (stored XSS) whatever bytes it holds.
 * An allowlist rather than a denylist, because active types have too many spellings to list
 * (`text/xsl`, `text/x-javascript`, `text/jscript`, `application/x-ecmascript`, `*+xml`…).
 * Naming any other type exactly in `allowedTypes` admits it. README's table under `allowedTypes`
 * is this one (test/core/content-type.test.ts compares them).
 *
 * @example
 * ```ts
 * WILDCARD_TYPES['image/*'].includes('image/png'); // true; image/svg+xml is not listed
 * ```
 */
export const WILDCARD_TYPES: Readonly<Record<string, readonly string[]>> = {
  'image/*': [
    'image/jpeg',
    'image/png',
    'image/gif',
    'image/webp',
    'image/avif',
    'image/heic',
    'image/heif',
    'image/bmp',
    'image/tiff',
    'image/jxl',
    'image/apng',
    'image/x-icon',
    'image/vnd.microsoft.icon',
  ],
  'audio/*': [
    'audio/mpeg',
    'audio/mp4',
    'audio/aac',
    'audio/ogg',
    'audio/opus',
    'audio/wav',
    'audio/webm',
    'audio/flac',
  ],
  'video/*': [
    'video/mp4',
    'video/webm',
    'video/ogg',
    'video/quicktime',
    'video/mpeg',
    'video/3gpp',
    'video/x-matroska',
  ],
  'text/*': ['text/plain', 'text/csv', 'text/markdown', 'text/tab-separated-values', 'text/calendar'],
  'application/*': [
    'application/pdf',
    'application/zip',
    'application/gzip',
    'application/json',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    'application/vnd.oasis.opendocument.text',
    'application/vnd.oasis.opendocument.spreadsheet',
    'application/vnd.oasis.opendocument.presentation',
  ],
  'font/*': ['font/woff', 'font/woff2', 'font/ttf', 'font/otf', 'font/collection'],
};

/**
 * Parses a Content-Type, lower-casing the type and subtype so that `IMAGE/JPEG` and `image/jpeg`
 * are one type (jshttp's `content-type`, formatted back canonically: parameter names lower-cased, values
 * quoted only where needed). Returns `undefined` for anything that is not a media type or not printable ASCII.
 */
export function parseContentType(raw: string): { essence: string; value: string } | undefined {
  // A service sees the same few types over and over; parsing them again is the costly part.
  let parsed = parsedTypes.get(raw);
  if (parsed === undefined && !parsedTypes.has(raw)) {
    if (parsedTypes.size >= 256) parsedTypes.clear();
    parsedTypes.set(raw, (parsed = parse(raw)));
  }
  return parsed;
}
const parsedTypes = new Map<string, { essence: string; value: string } | undefined>();

// Printable ASCII only: a header a browser can send and SigV4 signs byte for byte.
const HEADER_TEXT = /^[\t\x20-\x7e]*$/;

function parse(raw: string): { essence: string; value: string } | undefined {
  if (!HEADER_TEXT.test(raw)) return undefined;
  try {
    const { type, parameters } = parseMediaType(raw.trim());
    return { essence: type, value: format({ type, parameters }) };
  } catch {
    return undefined;
  }
}

/**
 * Tells whether `pattern` is an exact media type or a wildcard of a family in {@link WILDCARD_TYPES}:
 * `model/*` or `multipart/*` would admit types no list vouches for, so they are refused.
 *
 * @example
 * ```ts
 * isTypePattern('image/*'); // true
 * isTypePattern('multipart/*'); // false
 * ```
 */
export function isTypePattern(pattern: string): boolean {
  return PATTERN.test(pattern) && (!pattern.endsWith('/*') || Object.hasOwn(WILDCARD_TYPES, pattern.toLowerCase()));
}

/**
 * Whether `essence` is admitted by `patterns` (both already lower-cased): named exactly, or listed
 * for one of the wildcards.
 *
 * @example
 * ```ts
 * isTypeAllowed('image/png', ['image/*']); // true
 * isTypeAllowed('text/xsl', ['text/*']); // false
 * ```
 */
export function isTypeAllowed(essence: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => pattern === essence || (WILDCARD_TYPES[pattern]?.includes(essence) ?? false));
}
