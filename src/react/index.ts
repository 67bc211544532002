/**
 * React bindings for upload-presigner's browser client: hooks that hold the state of one upload
 * (`useUpload`) or many (`useUploads`): each file queued, uploading, done, failed or cancelled, its
 * progress, key and error, with `upload`, `cancel`, `retry` and `reset`. They render nothing.
 * React is an optional peer dependency: only this entry imports it.
 *
 * @example
 * ```tsx
 * import { useUploads } from 'upload-presigner/react';
 *
 * const { files, progress, upload, cancel, retry } = useUploads({ endpoint: '/api/presign' });
 * ```
 *
 * @module
 */
export { useUpload, useUploads } from './use-uploads.js';
export type { UseUpload, UseUploads } from './use-uploads.js';
export type { FileUpload, FileUploadStatus, UploadFilesOptions } from '../client/upload-files.js';
export type { UploadProgress } from '../client/send-with-progress.js';
