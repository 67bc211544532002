// RFC 9110 media type: type "/" subtype *( OWS ";" OWS parameter ), parameter values token or quoted.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(
  `^(${TOKEN})/(${TOKEN})((?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*"))*)$`,
);
const PATTERN = new RegExp(`^(${TOKEN})/(${TOKEN}|\\*)$`);

/**
 * Types a browser may execute or render as a document from the storage's origin (stored XSS).
 * A wildcard never admits them; naming one exactly in `allowedTypes` does.
 */
const ACTIVE_CONTENT = new Set([
  'image/svg+xml',
  'text/html',
  'application/xhtml+xml',
  'text/xml',
  'application/xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'text/ecmascript',
  'application/ecmascript',
  'application/wasm',
]);

/**
 * Parses a Content-Type, lower-casing the type and subtype so that `IMAGE/JPEG` and `image/jpeg`
 * are one type. Returns `undefined` for anything that is not a media type.
 */
export function parseContentType(raw: string): { essence: string; value: string } | undefined {
  // A service sees the same few types over and over; the regular expression is the costly part.
  let parsed = parsedTypes.get(raw);
  if (parsed === undefined && !parsedTypes.has(raw)) {
    if (parsedTypes.size >= 256) parsedTypes.clear();
    parsedTypes.set(raw, (parsed = parse(raw)));
  }
  return parsed;
}
const parsedTypes = new Map<string, { essence: string; value: string } | undefined>();

function parse(raw: string): { essence: string; value: string } | undefined {
  const match = MEDIA_TYPE.exec(raw.trim());
  if (!match) return undefined;
  const essence = `${match[1]}/${match[2]}`.toLowerCase();
  const parameters = match[3]!.split(';').slice(1).map((parameter) => parameter.trim());
  return { essence, value: [essence, ...parameters].join('; ') };
}

/** Tells whether `pattern` is an exact media type or a `type/*` wildcard. */
export function isTypePattern(pattern: string): boolean {
  return PATTERN.test(pattern) && !pattern.startsWith('*/');
}

/** Whether `essence` is admitted by `patterns` (already lower-cased). */
export function isTypeAllowed(essence: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('/*')
      ? essence.startsWith(pattern.slice(0, -1)) && !ACTIVE_CONTENT.has(essence)
      : pattern === essence,
  );
}
