// The bodies of every action but `presign`: a module of their own, so that a function that only
// presigns (the Lambda handler's cold start) does not load them; the handler and the presigner
// import them when such an action first arrives.
import * as v from 'valibot';

import { MAX_PARTS, MAX_PARTS_PER_REQUEST } from './protocol.js';
import { PresignRequestSchema } from './schemas.js';

const uploadToken = v.pipe(
  v.string('token must be the string createMultipart returned'),
  v.nonEmpty('token must not be empty'),
  v.maxLength(4096, 'token is too long'),
);
const partNumber = v.pipe(
  v.number('partNumber must be a number'),
  v.safeInteger('partNumber must be a whole number'),
  v.minValue(1, 'partNumber must be at least 1'),
  v.maxValue(MAX_PARTS, `partNumber must be at most ${MAX_PARTS}`),
);

/** `createMultipart`: a presign request whose `size` is required (part URLs sign each part's length). */
export const CreateMultipartSchema = v.object({
  ...PresignRequestSchema.entries,
  size: v.pipe(
    v.number('size must be a number of bytes: a multipart upload declares its total size'),
    v.safeInteger('size must be a whole number of bytes'),
    v.minValue(1, 'size must be at least 1 byte'),
  ),
});

/** `signParts`: URLs for some parts of an upload, e.g. the next few to send. */
export const SignPartsSchema = v.object({
  token: uploadToken,
  partNumbers: v.pipe(
    v.array(partNumber, 'partNumbers must be an array of part numbers'),
    v.minLength(1, 'partNumbers must name at least one part'),
    v.maxLength(MAX_PARTS_PER_REQUEST, `partNumbers must name at most ${MAX_PARTS_PER_REQUEST} parts per request`),
    v.check((numbers) => new Set(numbers).size === numbers.length, 'partNumbers must not repeat a part'),
  ),
  checksums: v.optional(
    v.array(
      v.pipe(v.string('each checksum must be a base64 digest'), v.maxLength(64, 'a checksum is too long')),
      'checksums must be an array of base64 digests, one per part number',
    ),
  ),
});

/** `completeMultipart`: the parts the client sent; their ETags, when it could read them, are checked against the storage's. */
export const CompleteMultipartSchema = v.object({
  token: uploadToken,
  parts: v.optional(
    v.pipe(
      v.array(
        v.object(
          {
            partNumber,
            etag: v.optional(v.pipe(v.string('etag must be a string'), v.maxLength(256, 'etag is too long'))),
          },
          'each part must be { partNumber, etag }',
        ),
        'parts must be an array of { partNumber, etag }',
      ),
      v.maxLength(MAX_PARTS, `parts must list at most ${MAX_PARTS} parts`),
    ),
  ),
});

/** `listParts` and `abortMultipart`: the upload is named by its token alone. */
export const UploadTokenSchema = v.object({ token: uploadToken });

/**
 * `presignBatch`: `{"action":"presignBatch","files":[{fileName,contentType,size}, …]}`. Each item is
 * checked later, exactly as a `presign` body, so that one bad item fails alone.
 */
export const PresignBatchSchema = v.object({
  files: v.pipe(
    v.array(v.unknown(), 'files must be an array of presign requests such as {"fileName","contentType","size"}'),
    v.minLength(1, 'files must name at least one file'),
  ),
});

/**
 * `verify`: from a browser, the `receipt` that `presign` or `createMultipart` returned, which names
 * the upload and the caller it was issued to; from server code, a `key` will do.
 */
export const VerifyRequestSchema = v.union(
  [
    v.object({
      receipt: v.pipe(
        v.string('receipt must be the string presign returned'),
        v.nonEmpty('receipt must not be empty'),
        v.maxLength(8192, 'receipt is too long'),
      ),
    }),
    v.object({ key: v.pipe(v.string('key must be a string'), v.maxLength(1024, 'key is too long')) }),
  ],
  'a verify request must be { receipt } or { key }',
);
