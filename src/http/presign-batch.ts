// `presignBatch`: loaded by the handler when a batch first arrives, so that a function that only
// presigns one file at a time never parses this.
import { PresignBatchSchema } from '../action-schemas.js';
import { parseRequest } from '../core/config.js';
import { isPresignError, PresignError, type PresignErrorBody } from '../errors.js';
import { MAX_BATCH_FILES, type PresignBatchItem } from '../protocol.js';
import type { HttpRequest, PresignResult } from '../types.js';
import { reportSafely, serverError } from './handle-presign.js';

/**
 * Presigns each file of `{"action":"presignBatch","files":[…]}` as its own `presign` would be, and
 * answers `{"results":[…]}` in the same order: one refused file fails alone, with the code and
 * status a single presign would have answered.
 */
export async function presignBatch(
  input: unknown,
  presignOne: (file: unknown) => Promise<PresignResult>,
  reportError: (error: unknown) => void,
): Promise<{ results: PresignBatchItem[] }> {
  const { files } = parseRequest(PresignBatchSchema, input, 'presignBatch request');
  if (files.length > MAX_BATCH_FILES) {
    throw new PresignError(
      'TOO_MANY_FILES',
      `A batch presigns at most ${MAX_BATCH_FILES} files; this one names ${files.length}: split it.`,
    );
  }
  const settle = (file: unknown) =>
    presignOne(file).catch((error: unknown): PresignBatchItem => {
      const known = isPresignError(error) && error.status < 500 ? error : undefined;
      if (known) return { status: known.status, ...known.toJSON() };
      reportSafely(reportError, error);
      const answer = serverError(isPresignError(error) ? error.code : 'INTERNAL_ERROR');
      return { status: answer.status, ...(JSON.parse(answer.body) as PresignErrorBody) };
    });
  return { results: await Promise.all(files.map(settle)) };
}

/**
 * The request `authorize` would have seen had the file come alone: a hook that reads the body
 * (to allow a type per user, say) judges each file of a batch as it judges a single presign.
 */
export function singlePresignRequest<Raw>(request: HttpRequest<Raw>, file: unknown): HttpRequest<Raw> {
  if (typeof request.body !== 'string' && !(request.body instanceof Uint8Array)) return { ...request, body: file };
  const text = JSON.stringify(file) ?? '';
  const body = typeof request.body === 'string' ? text : new TextEncoder().encode(text);
  const length = String(new TextEncoder().encode(text).byteLength);
  return { ...request, headers: { ...request.headers, 'content-length': length }, body };
}
