import {
  MAX_PARTS_PER_REQUEST,
  type AbortedUpload,
  type CompletedUpload,
  type MultipartUpload,
  type PartList,
  type SignedPart,
  type SignedParts,
  type StoredPart,
} from '../protocol.js';
import { callEndpoint, type PresignBody, type PresignEndpoint } from './request-presign.js';

// The client's former names of the protocol's multipart answers.
/** A started multipart upload: the protocol's {@link MultipartUpload}. */
export type StartedMultipart = MultipartUpload;
/** One presigned part: the protocol's {@link SignedPart}. */
export type SignedPartUrl = SignedPart;
/** What `signParts` answers: the protocol's {@link SignedParts}. */
export type SignedPartUrls = SignedParts;
/** A part the storage holds: the protocol's {@link StoredPart}. */
export type StoredPartInfo = StoredPart;
/** The object `completeMultipart` made: the protocol's {@link CompletedUpload}. */
export type CompletedMultipart = CompletedUpload;

export { MAX_PARTS_PER_REQUEST };

/**
 * Starts a multipart upload (`{"action":"createMultipart"}`): the server checks the file as it
 * checks a presign, creates the upload in the storage and chooses the part size.
 *
 * @example
 * ```ts
 * const upload = await createMultipart({ endpoint: '/api/presign' }, { fileName: 'a.mp4', contentType: 'video/mp4', size: file.size });
 * ```
 */
export function createMultipart(target: PresignEndpoint, body: PresignBody): Promise<StartedMultipart> {
  return callEndpoint(
    target,
    { action: 'createMultipart', ...body },
    { name: 'createMultipart', expected: 'a multipart upload' },
    isStarted,
  );
}

/**
 * Presigns some parts of an upload (at most {@link MAX_PARTS_PER_REQUEST}), each with its exact length
 * and, given `checksums` (one per part number, in the presigner's algorithm), its digest.
 *
 * @example
 * ```ts
 * const { parts, expiresAt } = await signParts(target, upload.token, [1, 2, 3, 4]);
 * ```
 */
export function signParts(
  target: PresignEndpoint,
  token: string,
  partNumbers: number[],
  checksums?: string[],
): Promise<SignedPartUrls> {
  return callEndpoint(
    target,
    { action: 'signParts', token, partNumbers, ...(checksums && { checksums }) },
    { name: 'signParts', expected: 'part URLs' },
    isSignedParts,
  );
}

/**
 * The parts the storage holds for an upload, e.g. to resume it.
 *
 * @example
 * ```ts
 * const { parts } = await listParts(target, upload.token);
 * ```
 */
export function listParts(target: PresignEndpoint, token: string): Promise<PartList> {
  return callEndpoint(
    target,
    { action: 'listParts', token },
    { name: 'listParts', expected: 'a list of parts' },
    isPartList,
  );
}

/**
 * Completes an upload once the storage holds every part at its length. It sends no part list: the
 * server lists the parts itself (a list of thousands of ETags would outgrow the endpoint's body
 * limit, and reading them needs the bucket to expose ETag). Completing twice answers the same object.
 *
 * @example
 * ```ts
 * const object = await completeMultipart(target, upload.token);
 * ```
 */
export function completeMultipart(target: PresignEndpoint, token: string): Promise<CompletedMultipart> {
  return callEndpoint(
    target,
    { action: 'completeMultipart', token },
    { name: 'completeMultipart', expected: 'the object' },
    isCompleted,
  );
}

/**
 * Aborts an upload: the storage drops every part. Aborting twice is not an error.
 *
 * @example
 * ```ts
 * await abortMultipart(target, upload.token);
 * ```
 */
export function abortMultipart(target: PresignEndpoint, token: string): Promise<AbortedUpload> {
  return callEndpoint(
    target,
    { action: 'abortMultipart', token },
    { name: 'abortMultipart', expected: 'an abort' },
    isAborted,
  );
}

// What each answer must carry for the client to go on; the server's types say the rest.
const isStarted = (value: unknown): value is StartedMultipart =>
  has(value, { key: 'string', uploadId: 'string', token: 'string', partSize: 'number', partCount: 'number' }) &&
  value.method === 'MULTIPART';
const isSignedParts = (value: unknown): value is SignedPartUrls =>
  has(value, { expiresAt: 'string' }) && Array.isArray(value.parts);
const isPartList = (value: unknown): value is PartList => has(value, { key: 'string' }) && Array.isArray(value.parts);
const isCompleted = (value: unknown): value is CompletedMultipart =>
  has(value, { key: 'string', size: 'number', contentType: 'string' });
const isAborted = (value: unknown): value is AbortedUpload => has(value, { key: 'string' }) && value.aborted === true;

/** Whether `value` is an object whose named fields have these `typeof`s. */
function has(value: unknown, fields: Record<string, 'string' | 'number'>): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return Object.entries(fields).every(([name, type]) => typeof record[name] === type);
}
