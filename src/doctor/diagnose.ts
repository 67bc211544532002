import { readErrorXml } from './error-xml.js';
import { explainFailure, type DiagnoseInput, type Diagnosis } from './explain-failure.js';

export type { DiagnoseInput, Diagnosis, DiagnosisCause, ErrorXml } from './explain-failure.js';

/**
 * Explains a failed upload to a presigned URL — `SignatureDoesNotMatch`, `AccessDenied` and the
 * rest — from the storage's error body, the URL, and the headers that were signed and sent.
 * It compares what it can: the server's own CanonicalRequest when the body carries one (AWS),
 * otherwise the sent headers against the signed ones (Ceph RGW, MinIO and R2 send no details).
 * It runs in linear time on any input, however hostile.
 *
 * @example
 * ```ts
 * import { diagnose } from 'upload-presigner/doctor';
 *
 * const { uploadUrl, headers } = await presigner.presign({ fileName: 'a.jpg', contentType: 'image/jpeg' });
 * const sent = { 'content-type': 'image/png' };
 * const response = await fetch(uploadUrl, { method: 'PUT', headers: sent, body: file });
 * if (!response.ok) {
 *   const diagnosis = diagnose({ status: response.status, body: await response.text(), url: uploadUrl, sentHeaders: sent, expectedHeaders: headers });
 *   console.log(diagnosis.cause, diagnosis.fix); // CONTENT_TYPE_MISMATCH, "Send exactly Content-Type: image/jpeg …"
 * }
 * ```
 */
export function diagnose(input: DiagnoseInput): Diagnosis {
  return explainFailure(input, readErrorXml(input.body));
}
