/**
 * Browser client for upload-presigner: asks the presign endpoint for a URL, then uploads straight
 * to the storage with progress, abort, retries and errors that say which stage failed and why;
 * large files go as multipart uploads, several parts at a time.
 * Browser-only code with no Node or AWS SDK imports; `presignForUppy` connects Uppy's `@uppy/aws-s3`.
 *
 * @example
 * ```ts
 * import { uploadFile } from 'upload-presigner/client';
 *
 * const { key } = await uploadFile(file, { endpoint: '/api/presign', onProgress: ({ percent }) => console.log(percent) });
 * ```
 *
 * @module
 */
export { uploadFile } from './upload-file.js';
export type { UploadFileOptions, UploadResult } from './upload-file.js';
export { uploadFiles } from './upload-files.js';
export type { FileUpload, FileUploads, FileUploadStatus, UploadFilesOptions } from './upload-files.js';
export { UploadError, isUploadError } from './errors.js';
export { clearResumableUploads } from './resume.js';
export type { ClientErrorCode, UploadErrorCode, UploadErrorOptions, UploadStage } from './errors.js';
export { hashBlob } from './hash.js';
export { requestPresign } from './request-presign.js';
export type { EndpointHeaders, PresignBody, PresignedUpload, PresignEndpoint } from './request-presign.js';
export {
  ACTIONS,
  DEFAULT_PART_SIZE,
  MAX_OBJECT_SIZE,
  MAX_PARTS,
  MAX_PARTS_PER_REQUEST,
  MAX_SINGLE_UPLOAD_SIZE,
  MIN_PART_SIZE,
  partSizeFor,
} from '../protocol.js';
export type {
  AbortedUpload,
  Action,
  ActionAnswers,
  ActionBody,
  ActionRequests,
  CompletedUpload,
  ErrorBody,
  ErrorCode,
  MultipartUpload,
  PartList,
  PresignBatchItem,
  PresignedPost,
  PresignedPut,
  PresignResult,
  ProfileChoice,
  SignedPart,
  SignedParts,
  StoredPart,
  VerifiedUpload,
} from '../protocol.js';
export { sendWithProgress } from './send-with-progress.js';
export type { SendRequest, SendResponse, UploadProgress } from './send-with-progress.js';
export { presignForUppy } from './uppy.js';
export type {
  PresignForUppyOptions,
  UppyAwsS3Options,
  UppyFileLike,
  UppyMultipartUpload,
  UppyPart,
  UppyPartUrl,
  UppySignedRequest,
  UppySignRequest,
  UppyUploadParameters,
} from './uppy.js';
