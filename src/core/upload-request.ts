import { PresignError } from '../errors.js';
import { formatSize } from '../format-size.js';
import { MAX_OBJECT_SIZE, MAX_SINGLE_UPLOAD_SIZE } from '../schemas.js';
import type { KeyInput } from '../types.js';
import { admitChecksum, type DeclaredChecksum } from './checksum.js';
import type { ResolvedOptions } from './config.js';
import { isTypeAllowed, parseContentType } from './content-type.js';
import { contentDispositionFor } from './disposition.js';
import { assertSafeKey, nameBudget, toSafeName } from './keys.js';
import { finalKeyOf } from './staging.js';

/** An upload the rules admit: where it goes, its signed type and disposition, and its declared size. */
export interface AdmittedUpload {
  key: string;
  contentType: string;
  size: number | undefined;
  /** Signed into the upload when the object is to download rather than render. */
  contentDisposition: string | undefined;
  /** The digest of the bytes, signed into a single upload; a multipart upload declares one per part. */
  checksum: DeclaredChecksum | undefined;
}

/**
 * Applies the rules every upload shares, single or multipart: an allowed type, a size within
 * `maxSize` (declared, when the size is to be signed), and a fresh, safe key inside the prefix.
 */
export function admitUpload<Context>(
  config: ResolvedOptions,
  request: { fileName: string; contentType: string; size?: number | undefined; checksum?: string | undefined },
  context: Context,
  multipart: boolean,
): AdmittedUpload {
  const contentType = parseContentType(request.contentType);
  if (!contentType) {
    throw new PresignError('INVALID_REQUEST', `"${request.contentType}" is not a media type such as "image/jpeg".`);
  }
  if (!isTypeAllowed(contentType.essence, config.allowedTypes)) {
    throw new PresignError('TYPE_NOT_ALLOWED', `Uploads of type ${contentType.essence} are not allowed.`);
  }
  const { size } = request;
  if (config.maxSize !== undefined) {
    if (size === undefined && config.method === 'PUT') {
      throw new PresignError(
        'SIZE_REQUIRED',
        'The request must declare "size" in bytes: uploads are limited in size, and the limit is signed into the URL.',
      );
    }
    if (size !== undefined && size > config.maxSize) {
      throw new PresignError(
        'TOO_LARGE',
        // The excess too: "5 MiB (5,242,881 bytes)" beside a limit of "5 MiB" would read as equal.
        `The file is ${formatSize(size)}, ${formatSize(size - config.maxSize)} over the limit of ${formatSize(config.maxSize)}.`,
      );
    }
  }
  if (!multipart && size !== undefined && size > MAX_SINGLE_UPLOAD_SIZE) {
    throw new PresignError(
      'TOO_LARGE',
      `The file is ${formatSize(size)}; one request carries at most 5 GiB: upload it in parts (createMultipart).`,
    );
  }
  if (size !== undefined && size > MAX_OBJECT_SIZE) {
    throw new PresignError('TOO_LARGE', `The file is ${formatSize(size)}; S3 stores objects of at most 5 TiB.`);
  }

  if (multipart && request.checksum !== undefined) {
    throw new PresignError(
      'INVALID_REQUEST',
      'A multipart upload declares a digest per part ("checksums" in signParts), not one "checksum" for the whole file.',
    );
  }
  const checksum = multipart ? undefined : admitChecksum(config.checksum, request.checksum);

  const id = crypto.randomUUID();
  const safeName = toSafeName(request.fileName, contentType.essence, nameBudget(config.prefix, id));
  const keyInput: KeyInput<Context> = {
    prefix: config.prefix,
    id,
    safeName,
    contentType: contentType.value,
    size,
    context,
  };
  const key = config.key ? config.key(keyInput) : `${config.prefix}${id}-${safeName}`;
  assertSafeKey(key, config.prefix, contentType.essence);
  if (finalKeyOf(config.prefix, key) !== undefined) {
    throw new PresignError(
      'INVALID_KEY',
      `The key ${key} is in ${config.prefix}.staging/, where only POST uploads wait for verify.`,
    );
  }
  const contentDisposition = contentDispositionFor(config.contentDisposition, contentType.essence, safeName);
  return { key, contentType: contentType.value, size, contentDisposition, checksum };
}
