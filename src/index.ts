/**
 * upload-presigner: presigned S3 uploads whose limits (type, size, key, expiry) the storage
 * itself enforces. The adapters live at `upload-presigner/aws-lambda`, `/express` and `/fetch`.
 *
 * @module
 */
export { createPresigner } from './core/create-presigner.js';
export { createHttpHandler } from './http/handle-presign.js';
export { ERROR_STATUS, PresignError, isPresignError } from './errors.js';
export type { PresignErrorBody, PresignErrorCode } from './errors.js';
export { MAX_EXPIRES_IN, MAX_SINGLE_UPLOAD_SIZE, PresignRequestSchema } from './schemas.js';
export type {
  HandlerOptions,
  HttpRequest,
  HttpResponse,
  KeyInput,
  PresignedPost,
  PresignedPut,
  Presigner,
  PresignerOptions,
  PresignRequest,
  PresignResult,
  VerifiedUpload,
} from './types.js';
