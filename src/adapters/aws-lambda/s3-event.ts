import { isPresignError } from '../../errors.js';
import { logError } from '../../http/handle-presign.js';
import type { Presigner, VerifiedUpload } from '../../types.js';
import type { S3Event } from './types.js';

/** What one S3 event's records came to. */
export interface S3EventOutcome {
  verified: VerifiedUpload[];
  refused: { key: string; reason: string }[];
}

/**
 * A handler for S3 `ObjectCreated` events that verifies each new object with `presigner.verify`,
 * so that completion never depends on the browser calling back. It verifies by key, which is
 * trusted here: the storage is calling, not a browser. Refused objects are removed by `verify`;
 * objects outside the presigner's prefix are left alone (verify refuses their keys). A POST upload
 * arrives under its staging key (`${prefix}.staging/…`), which `verify` checks and promotes to the
 * final key; that copy raises an event of its own, whose verify is a repeat (`onUploadComplete`
 * runs again: keep it idempotent, e.g. a put by key).
 * Anything else that fails (the storage unreachable) is thrown, so that Lambda retries the event.
 *
 * @example
 * ```ts
 * import { createPresigner } from 'upload-presigner';
 * import { toS3EventHandler } from 'upload-presigner/aws-lambda';
 *
 * const presigner = createPresigner({
 *   bucket: 'my-uploads',
 *   allowedTypes: ['image/*'],
 *   onUploadComplete: (upload) => saveMetadata(upload),
 * });
 * export const handler = toS3EventHandler(presigner);
 * ```
 */
export function toS3EventHandler(presigner: Presigner): (event: S3Event) => Promise<S3EventOutcome> {
  return async (event) => {
    const outcome: S3EventOutcome = { verified: [], refused: [] };
    for (const record of event.Records ?? []) {
      if (!record.eventName?.startsWith('ObjectCreated:')) continue;
      // S3 event keys are form-encoded: `+` is a space.
      const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
      try {
        outcome.verified.push(await presigner.verify({ key }));
      } catch (error) {
        if (!isPresignError(error) || error.status >= 500) throw error;
        outcome.refused.push({ key, reason: error.message });
        logError(error);
      }
    }
    return outcome;
  };
}
