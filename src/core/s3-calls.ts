import { PresignError } from '../errors.js';
import type { StoredPart } from '../types.js';

// The eight S3 calls the server makes (verification, a POST upload's promotion, multipart steps),
// behind one interface with two implementations: s3-fetch.ts signs them itself, for presigners with
// the direct signer, so that no runtime needs the AWS SDK (or the DOMParser its browser build reads
// XML with); s3-sdk.ts sends them through an S3Client, for presigners that sign through the SDK.

/** What HeadObject tells of a stored object. */
export interface StoredObject {
  size: number;
  contentType?: string | undefined;
  /** As S3 sends it, quotes included. */
  etag?: string | undefined;
  lastModified?: Date | undefined;
  /** The stored `x-amz-checksum-*` values (asked for with `withChecksums`), where the storage keeps them. */
  checksums: Partial<Record<'sha256' | 'crc32' | 'crc64nvme', string>>;
  /** SSE-C or SSE-KMS: the ETag is then no MD5 of the bytes. */
  etagIsNoMd5: boolean;
}

/** The S3 calls of one bucket. */
export interface S3Calls {
  /** `undefined` when there is no such object (404). */
  headObject(key: string, withChecksums?: boolean): Promise<StoredObject | undefined>;
  /** At most the first `count` bytes (a ranged GetObject). */
  firstBytes(key: string, count: number): Promise<Uint8Array>;
  copyObject(
    source: string,
    target: string,
    options?: {
      /** Copy only while the source still has this ETag. */
      ifMatch?: string | undefined;
      /** Copy only while `target` does not exist. */
      ifNoneMatch?: boolean;
      /** Replace the metadata with these headers instead of copying the source's. */
      replaceHeaders?: { contentType: string; contentDisposition: string } | undefined;
    },
  ): Promise<{ etag?: string | undefined }>;
  deleteObject(key: string): Promise<void>;
  /** The new upload's id. */
  createMultipartUpload(
    key: string,
    headers: { contentType: string; contentDisposition?: string | undefined },
  ): Promise<string>;
  /** One page of parts, after part number `marker`; `nextMarker` when there are more. */
  listParts(
    key: string,
    uploadId: string,
    marker?: string,
  ): Promise<{ parts: StoredPart[]; nextMarker?: string | undefined }>;
  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
  ): Promise<void>;
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
}

/**
 * An S3 call the storage refused or failed: S3's error code (`NoSuchUpload`, `PreconditionFailed`,
 * `AccessDenied`…, or `NotFound` for a HEAD, which has no body) and the HTTP status. Both
 * implementations throw it, so callers tell answers apart the same way on either path.
 *
 * @example
 * ```ts
 * if (error instanceof S3CallError && error.code === 'NoSuchUpload') return undefined;
 * ```
 */
export class S3CallError extends Error {
  override name = 'S3CallError';
  constructor(
    readonly operation: string,
    readonly code: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed: ${code}${status ? ` (${status})` : ''}: ${message}`, options);
  }
}

/**
 * S3's error code of a failed call, if `error` is one.
 *
 * @example
 * ```ts
 * const gone = ['NoSuchUpload', 'NoSuchKey'].includes(s3ErrorCode(error) ?? '');
 * ```
 */
export const s3ErrorCode = (error: unknown): string | undefined =>
  error instanceof S3CallError ? error.code : undefined;

/**
 * A failed S3 call as the `STORAGE_ERROR` the HTTP handler answers 502 to (its message, with S3's
 * code, goes to the log only); any other error as it is.
 *
 * @example
 * ```ts
 * await s3.deleteObject(key).catch((error) => Promise.reject(asStorageError(error)));
 * ```
 */
export function asStorageError(error: unknown): unknown {
  return error instanceof S3CallError ? new PresignError('STORAGE_ERROR', error.message, { cause: error }) : error;
}
