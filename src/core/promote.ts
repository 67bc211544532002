import { isPresignError, PresignError } from '../errors.js';
import type { VerifiedUpload } from '../types.js';
import { S3CallError, type S3Calls } from './s3-calls.js';
import { STAGING_FOLDER } from './staging.js';
import type { VerifyRules } from './verify.js';

// Loaded by `verify` only: promotion is no part of a presign (staging.ts holds the layout both share).

type VerifyObject = (s3: S3Calls, rules: VerifyRules, key: string) => Promise<VerifiedUpload>;

/**
 * Verifies a POST upload and promotes it: the final key when it is there already (promoted
 * before), else the staging object, checked (and removed when refused), copied to the final key and
 * deleted. A staging object left behind by a form sent again is deleted, never promoted.
 */
export async function verifyStaged(
  s3: S3Calls,
  verifyObject: VerifyObject,
  rules: VerifyRules,
  { key, stagingKey, contentDisposition }: { key: string; stagingKey: string; contentDisposition?: string | null },
): Promise<VerifiedUpload> {
  const promoted = await verifyObject(s3, rules, key).catch((error: unknown) =>
    isPresignError(error) && error.code === 'NOT_FOUND' ? undefined : Promise.reject(error),
  );
  if (promoted) {
    await s3.deleteObject(stagingKey);
    return promoted;
  }

  // Refused staging objects are quarantined under their final name, not under `.staging/`.
  const staged = await verifyObject(s3, { ...rules, prefix: `${rules.prefix}${STAGING_FOLDER}` }, stagingKey).catch(
    (error: unknown) =>
      Promise.reject(
        isPresignError(error) && error.code === 'NOT_FOUND'
          ? new PresignError('NOT_FOUND', `No object was uploaded for ${key}.`, { cause: error })
          : error,
      ),
  );
  // Both conditions close the races between the check and the copy on AWS S3: the staging object
  // must still be the one checked (a form sent again meanwhile), and the final key must still be
  // free (a concurrent verify). Ceph RGW 16 ignores both (measured); there the ETag comparison
  // below catches changed bytes, and two verifies racing within these few milliseconds can
  // replace a promoted object with another staging object — one that was checked all the same.
  const copied = await s3
    .copyObject(stagingKey, key, {
      ifMatch: staged.etag,
      ifNoneMatch: true,
      // The disposition the form was signed with (the receipt carries it): AWS stored it on the
      // staging object already, Ceph RGW 16 did not, so the final object is given it here.
      replaceHeaders: contentDisposition ? { contentType: staged.contentType, contentDisposition } : undefined,
    })
    .catch((cause: unknown) => {
      if (cause instanceof S3CallError && cause.code === 'PreconditionFailed')
        throw new PresignError(
          'VERIFY_CONFLICT',
          `The upload ${key} changed while it was verified, or another verify promoted it first: verify it again.`,
          { cause },
        );
      throw cause;
    });
  await s3.deleteObject(stagingKey);
  // A copy of other bytes than those checked: check what was promoted (removed when refused).
  const upload = copied.etag === staged.etag ? staged : await verifyObject(s3, rules, key);
  return { ...upload, key };
}
