import * as v from 'valibot';

import {
  CHECKSUM_ALGORITHMS,
  DEFAULT_PART_SIZE,
  MAX_BATCH_FILES,
  MAX_EXPIRES_IN,
  MAX_OBJECT_SIZE,
  MAX_PARTS,
  MAX_PARTS_PER_REQUEST,
  MAX_SINGLE_UPLOAD_SIZE,
  MIN_PART_SIZE,
} from './protocol.js';

export {
  MAX_BATCH_FILES,
  MAX_EXPIRES_IN,
  MAX_OBJECT_SIZE,
  MAX_PARTS,
  MAX_PARTS_PER_REQUEST,
  MAX_SINGLE_UPLOAD_SIZE,
  MIN_PART_SIZE,
};

/**
 * The request a client sends to be given an upload: the original contract
 * `{"fileName":"sample.jpg","contentType":"image/jpeg"}`, plus `size` in bytes.
 *
 * @example
 * ```ts
 * import * as v from 'valibot';
 * const request = v.parse(PresignRequestSchema, await req.json());
 * ```
 */
export const PresignRequestSchema = v.object({
  fileName: v.pipe(
    v.string('fileName must be a string'),
    v.nonEmpty('fileName must not be empty'),
    v.maxLength(1024, 'fileName must be at most 1024 characters'),
  ),
  contentType: v.pipe(
    v.string('contentType must be a string'),
    v.nonEmpty('contentType must not be empty'),
    v.maxLength(255, 'contentType must be at most 255 characters'),
  ),
  size: v.optional(
    v.pipe(
      v.number('size must be a number of bytes'),
      v.safeInteger('size must be a whole number of bytes'),
      v.minValue(0, 'size must not be negative'),
    ),
  ),
  // Checked against the presigner's algorithm by admitChecksum; bounded here like every string.
  checksum: v.optional(v.pipe(v.string('checksum must be a base64 digest'), v.maxLength(64, 'checksum is too long'))),
});

const nonEmptyString = (message: string) => v.pipe(v.string(message), v.nonEmpty(message));

/** The options `createPresigner` accepts; it turns each issue into an error naming the option. */
export const PresignerOptionsSchema = v.object({
  bucket: v.pipe(
    nonEmptyString('must be a non-empty string'),
    // Access point and Outposts ARNs are accepted too: the SDK signs for those.
    v.regex(
      /^(?:[A-Za-z0-9][A-Za-z0-9._-]{2,254}|arn:[\w-]+:s3[\w-]*:[\w-]*:\d*:[\w./:-]+)$/,
      'must be a bucket name: 3 or more letters, digits, dots, dashes or underscores',
    ),
  ),
  prefix: v.optional(
    v.pipe(
      nonEmptyString('must be a non-empty string ending with "/"'),
      v.endsWith('/', 'must end with "/" (e.g. "uploads/")'),
      v.check((prefix) => !prefix.startsWith('/'), 'must not start with "/"'),
      v.maxBytes(512, 'must be at most 512 bytes'),
    ),
    'uploads/',
  ),
  allowedTypes: v.pipe(
    v.array(v.string(), 'must be an array of content types such as ["image/*", "application/pdf"]'),
    v.minLength(1, 'must name at least one content type: an empty list would refuse every upload'),
  ),
  maxSize: v.optional(
    v.pipe(
      v.number('must be a number of bytes'),
      v.safeInteger('must be a whole number of bytes'),
      v.minValue(1, 'must be at least 1 byte'),
      v.maxValue(MAX_OBJECT_SIZE, 'must be at most 5 TiB, the largest object S3 stores'),
    ),
  ),
  expiresIn: v.optional(
    v.pipe(
      v.number('must be a number of seconds'),
      v.safeInteger('must be a whole number of seconds'),
      v.minValue(1, 'must be at least 1 second'),
      v.maxValue(MAX_EXPIRES_IN, 'must be at most 604800 seconds (7 days), the SigV4 limit'),
    ),
    300,
  ),
  method: v.optional(v.picklist(['PUT', 'POST'], 'must be "PUT" or "POST"'), 'PUT'),
  contentDisposition: v.optional(
    v.picklist(['attachment', 'inline', 'auto'], 'must be "attachment", "inline" or "auto"'),
    'auto',
  ),
  overwrite: v.optional(v.boolean('must be true or false'), false),
  checksum: v.optional(
    v.pipe(
      v.union(
        [
          v.picklist([...CHECKSUM_ALGORITHMS, 'none']),
          v.object({ algorithm: v.picklist(CHECKSUM_ALGORITHMS), required: v.optional(v.boolean()) }),
        ],
        `must be one of "${CHECKSUM_ALGORITHMS.join('", "')}", "none", or { algorithm, required }`,
      ),
      v.transform((checksum) =>
        typeof checksum === 'string'
          ? { algorithm: checksum, required: false }
          : { algorithm: checksum.algorithm, required: checksum.required ?? false },
      ),
    ),
    'md5',
  ),
  region: v.optional(nonEmptyString('must be a non-empty string')),
  endpoint: v.optional(v.pipe(nonEmptyString('must be a URL'), v.url('must be a URL such as http://127.0.0.1:7480'))),
  forcePathStyle: v.optional(v.boolean('must be true or false')),
  credentials: v.optional(
    v.custom<object>(
      (credentials) =>
        typeof credentials === 'function' ||
        (typeof credentials === 'object' &&
          credentials !== null &&
          'accessKeyId' in credentials &&
          'secretAccessKey' in credentials),
      'must be { accessKeyId, secretAccessKey, sessionToken? } or a provider function',
    ),
  ),
  client: v.optional(
    v.custom<object>(
      (client) => typeof client === 'object' && client !== null && 'send' in client && 'config' in client,
      'must be an S3Client',
    ),
  ),
  key: v.optional(v.function('must be a function')),
  quarantinePrefix: v.optional(
    v.pipe(
      nonEmptyString('must be a non-empty string ending with "/"'),
      v.endsWith('/', 'must end with "/" (e.g. "quarantine/")'),
      v.check((prefix) => !prefix.startsWith('/'), 'must not start with "/"'),
    ),
  ),
  onUploadComplete: v.optional(v.function('must be a function')),
  secret: v.optional(
    v.pipe(
      v.string('must be a string'),
      v.minLength(32, 'must be at least 32 characters: it signs upload receipts and multipart tokens'),
    ),
  ),
  /** @deprecated The former name of `secret`. */
  multipartSecret: v.optional(
    v.pipe(
      v.string('must be a string'),
      v.minLength(32, 'must be at least 32 characters: it signs upload receipts and multipart tokens'),
    ),
  ),
  partSize: v.optional(
    v.pipe(
      v.number('must be a number of bytes'),
      v.safeInteger('must be a whole number of bytes'),
      v.minValue(MIN_PART_SIZE, 'must be at least 5 MiB (5242880), the smallest part S3 accepts'),
      v.maxValue(MAX_SINGLE_UPLOAD_SIZE, 'must be at most 5 GiB, the largest part S3 accepts'),
    ),
    DEFAULT_PART_SIZE,
  ),
});

// Browsers send an exact origin; a path or trailing slash would never match it.
const isOrigin = (origin: string) => origin === '*' || (URL.canParse(origin) && new URL(origin).origin === origin);
// Header names end up in `writeHead`/`new Response`: refuse what would break or split them.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const isFunction = v.optional(v.function('must be a function'));

/**
 * The options `createHttpHandler` and every adapter accept; the handler turns each issue into an
 * `INVALID_OPTIONS` error naming the option. `presignerFromEnv` reuses its entries for `PRESIGN_*`.
 *
 * @example
 * ```ts
 * import * as v from 'valibot';
 * const options = v.parse(HandlerOptionsSchema, { allowedOrigins: ['https://app.example.com'] });
 * ```
 */
export const HandlerOptionsSchema = v.pipe(
  v.object({
    allowedOrigins: v.optional(
      v.pipe(
        v.array(v.string(), 'must be an array of origins such as ["https://app.example.com"]'),
        v.check(
          (origins) => origins.every(isOrigin),
          'must list origins such as "https://app.example.com" (no path, no trailing slash) or "*"',
        ),
      ),
    ),
    allowCredentials: v.optional(v.boolean('must be true or false')),
    allowedHeaders: v.optional(
      v.pipe(
        v.array(v.string(), 'must be an array of header names such as ["content-type", "authorization"]'),
        v.check(
          (names) => names.every((name) => HEADER_NAME.test(name)),
          'must list header names such as "authorization"',
        ),
      ),
    ),
    maxBodySize: v.optional(
      v.pipe(
        v.number('must be a number of bytes'),
        v.safeInteger('must be a whole number of bytes'),
        v.minValue(1, 'must be at least 1 byte'),
      ),
    ),
    authorize: isFunction,
    onPresign: isFunction,
    onError: isFunction,
  }),
  v.forward(
    v.check(
      ({ allowedOrigins, allowCredentials }) => !(allowCredentials && allowedOrigins?.includes('*')),
      '"*" cannot be combined with allowCredentials; list the origins',
    ),
    ['allowedOrigins'],
  ),
);
