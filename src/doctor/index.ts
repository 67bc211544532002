/**
 * The upload doctor: explains why an upload to a presigned URL failed ({@link diagnose}) and
 * checks, and can correct, a bucket's CORS rules for browser uploads ({@link checkBucketCors}).
 *
 * @module
 */
export { diagnose } from './diagnose.js';
export type { DiagnoseInput, Diagnosis, DiagnosisCause } from './diagnose.js';
export { checkBucketCors } from './check-bucket-cors.js';
export type { CheckBucketCorsOptions, CorsProblem, CorsReport, PreflightResult } from './check-bucket-cors.js';
export { probeStorage } from './probe-storage.js';
export type {
  ChecksumFinding,
  ProbeCase,
  ProbeCaseId,
  ProbeStorageOptions,
  StorageProbeReport,
} from './probe-storage.js';
