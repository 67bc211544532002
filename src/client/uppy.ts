import { UploadError } from './errors.js';
import { requestPresign, type PresignedUpload } from './request-presign.js';
import { isForbiddenHeader } from './send-with-progress.js';

/** Options of {@link presignForUppy}. */
export interface PresignForUppyOptions {
  /** URL of the presign endpoint, e.g. `/api/presign`. */
  endpoint: string;
  /** Extra headers for the presign request, e.g. an `authorization`. */
  headers?: Record<string, string>;
}

/** The parts of an Uppy file the helper reads (structural, so Uppy stays an optional dependency). */
export interface UppyFileLike {
  id: string;
  name?: string | undefined;
  type?: string | undefined;
  size: number | null;
}

/** What `getUploadParameters` (Uppy 4–5) expects back. */
export interface UppyUploadParameters {
  method: 'PUT' | 'POST';
  url: string;
  fields: Record<string, string>;
  headers: Record<string, string>;
}

/** What Uppy 6's `signRequest` receives; only the PutObject shape is supported. */
export interface UppySignRequest {
  method: string;
  key: string;
  contentType?: string | undefined;
  uploadId?: string | undefined;
  partNumber?: number | undefined;
}

/** What Uppy 6's `signRequest` returns. */
export interface UppySignedRequest {
  url: string;
  key: string;
  headers?: Record<string, string>;
  fields?: Record<string, string>;
}

/** Options for `uppy.use(AwsS3, …)`, for `@uppy/aws-s3` 4, 5 and 6 alike. */
export interface UppyAwsS3Options {
  /** The endpoint signs single uploads only; multipart would need other routes. */
  shouldUseMultipart: false;
  /** Uppy 4–5: `{ method, url, fields, headers }` for one file. */
  getUploadParameters: (file: UppyFileLike) => Promise<UppyUploadParameters>;
  /** Uppy 6: remembers the file under its id, so `signRequest` can presign with its name and size. */
  generateObjectKey: (file: UppyFileLike) => string;
  /** Uppy 6: presigns the PutObject request that `generateObjectKey` named. */
  signRequest: (request: UppySignRequest) => Promise<UppySignedRequest>;
}

/**
 * Connects Uppy's `@uppy/aws-s3` plugin to the presign endpoint: the server still chooses the key,
 * signs the type and size, and Uppy sends exactly what was signed (PUT headers or POST fields).
 * Works with Uppy 6 (`signRequest`) and Uppy 4–5 (`getUploadParameters`).
 *
 * @example
 * ```ts
 * import Uppy from '@uppy/core';
 * import AwsS3 from '@uppy/aws-s3';
 * import { presignForUppy } from 'upload-presigner/client';
 *
 * const uppy = new Uppy().use(AwsS3, presignForUppy({ endpoint: '/api/presign' }));
 * uppy.on('upload-success', (file, response) => console.log(response.body?.key));
 * ```
 */
export function presignForUppy(options: PresignForUppyOptions): UppyAwsS3Options {
  const files = new Map<string, UppyFileLike>();
  const presign = (file: UppyFileLike, contentType?: string) =>
    requestPresign(
      { endpoint: options.endpoint, headers: options.headers },
      {
        fileName: file.name ?? 'upload',
        contentType: contentType || file.type || 'application/octet-stream',
        size: file.size ?? 0,
      },
    );

  return {
    shouldUseMultipart: false,
    async getUploadParameters(file) {
      const presigned = await presign(file);
      return presigned.method === 'PUT'
        ? { method: 'PUT', url: presigned.uploadUrl, fields: {}, headers: settableHeaders(presigned) }
        : { method: 'POST', url: presigned.uploadUrl, fields: presigned.fields, headers: {} };
    },
    generateObjectKey(file) {
      files.set(file.id, file);
      return file.id;
    },
    async signRequest(request) {
      const file = files.get(request.key);
      if (request.method !== 'PUT' || request.uploadId !== undefined || !file) {
        throw new UploadError(
          `The presign endpoint signs single uploads only, not ${request.method} ${request.uploadId ? 'multipart ' : ''}requests; ` +
            'pass presignForUppy(…) to uppy.use(AwsS3, …) unchanged (it sets shouldUseMultipart: false and generateObjectKey).',
          { stage: 'presign', status: 0, code: 'UNSUPPORTED_REQUEST' },
        );
      }
      // Uppy may sign again when it retries, so the file stays known; a file's metadata is small.
      const presigned = await presign(file, request.contentType);
      return presigned.method === 'PUT'
        ? { url: presigned.uploadUrl, key: presigned.key, headers: settableHeaders(presigned) }
        : { url: presigned.uploadUrl, key: presigned.key, fields: presigned.fields };
    },
  };
}

/** Browsers send Content-Length themselves and refuse scripts that try. */
function settableHeaders(presigned: Extract<PresignedUpload, { method: 'PUT' }>): Record<string, string> {
  return Object.fromEntries(Object.entries(presigned.headers).filter(([name]) => !isForbiddenHeader(name)));
}
