/**
 * upload-presigner: presigned S3 uploads whose limits (type, size, key, expiry) the storage
 * itself enforces. The adapters live at `upload-presigner/aws-lambda`, `/express` and `/fetch`.
 *
 * @module
 */
export { createPresigner, createPresignOnlyPresigner } from './core/create-presigner.js';
export type { PresignOnlyOptions } from './core/create-presigner.js';
export { createHttpHandler } from './http/handle-presign.js';
export type { ProfileName, Presigners, Profiles } from './core/profiles.js';
export { ERROR_STATUS, PresignError, isPresignError } from './errors.js';
export type { PresignErrorBody, PresignErrorCode, PresignIssue } from './errors.js';
export { ACTIONS, DEFAULT_PART_SIZE, partSizeFor } from './protocol.js';
export type {
  AbortedUpload,
  Action,
  ActionAnswers,
  ActionBody,
  ActionRequests,
  ErrorBody,
  ErrorCode,
  ErrorIssue,
  MultipartBody,
  PartList,
  PresignBatchItem,
  PresignBody,
  SignPartsBody,
} from './protocol.js';
export {
  CompleteMultipartSchema,
  CreateMultipartSchema,
  SignPartsSchema,
  UploadTokenSchema,
  VerifyRequestSchema,
} from './action-schemas.js';
export {
  HandlerOptionsSchema,
  MAX_EXPIRES_IN,
  MAX_OBJECT_SIZE,
  MAX_PARTS,
  MAX_PARTS_PER_REQUEST,
  MAX_SINGLE_UPLOAD_SIZE,
  MIN_PART_SIZE,
  PresignRequestSchema,
} from './schemas.js';
export type {
  CompletedUpload,
  HandlerOptions,
  HttpRequest,
  HttpResponse,
  KeyInput,
  MultipartUpload,
  PresignedPost,
  PresignedPut,
  Presigner,
  PresignerOptions,
  PresignRequest,
  PresignResult,
  PresignResultFor,
  PresignInput,
  CreateMultipartInput,
  SignPartsInput,
  CompleteMultipartInput,
  UploadTokenInput,
  UploadMethod,
  SignedPart,
  SignedParts,
  StoredPart,
  VerifiedUpload,
  VerifyRequest,
} from './types.js';
