import * as v from 'valibot';

/** Seven days: the longest a SigV4 presigned URL may live. */
export const MAX_EXPIRES_IN = 604_800;
/** Five GiB: the largest object a single PUT or POST may create. */
export const MAX_SINGLE_UPLOAD_SIZE = 5 * 1024 ** 3;

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
      v.maxValue(MAX_SINGLE_UPLOAD_SIZE, 'must be at most 5 GiB, the largest single upload S3 accepts'),
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
  region: v.optional(nonEmptyString('must be a non-empty string')),
  endpoint: v.optional(v.pipe(nonEmptyString('must be a URL'), v.url('must be a URL such as http://127.0.0.1:7480'))),
  forcePathStyle: v.optional(v.boolean('must be true or false')),
  credentials: v.optional(
    v.custom<object>(
      (credentials) =>
        typeof credentials === 'function' ||
        (typeof credentials === 'object' && credentials !== null && 'accessKeyId' in credentials && 'secretAccessKey' in credentials),
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
});
