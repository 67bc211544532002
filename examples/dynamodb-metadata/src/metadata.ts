import type { VerifiedUpload } from 'upload-presigner';

/** One item of the table: what is known about a verified upload. The partition key is `key`. */
export interface UploadItem {
  key: string;
  /** The safe file name: the last key segment without its `<uuid>-`. */
  fileName: string;
  contentType: string;
  size: number;
  /** The `<userId>` of a key `<prefix><userId>/<uuid>-<name>`, else `anonymous`. */
  uploader: string;
  /** The object's LastModified (ISO 8601), or the time of verification when the storage gave none. */
  createdAt: string;
}

const UUID_DASH = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-/i;

/**
 * Keys are `<prefix><uuid>-<name>` (the library's default) or `<prefix><userId>/<uuid>-<name>` (a
 * `key` function that puts the user's id first, see the README). Anything deeper than one segment
 * under the prefix takes its first segment as the uploader.
 */
export function toItem(upload: VerifiedUpload, prefix: string, now: () => Date = () => new Date()): UploadItem {
  const relative = upload.key.startsWith(prefix) ? upload.key.slice(prefix.length) : upload.key;
  const segments = relative.split('/');
  const last = segments.at(-1)!;
  return {
    key: upload.key,
    fileName: last.replace(UUID_DASH, ''),
    contentType: upload.contentType,
    size: upload.size,
    uploader: segments.length > 1 ? segments[0]! : 'anonymous',
    createdAt: upload.lastModified ?? now().toISOString(),
  };
}
