import { parseRequest, type ResolvedOptions } from './config.js';
import type { DeclaredChecksum } from './checksum.js';
import { receiptsDisabled } from './create-presigner.js';
import { assertSafeKey } from './keys.js';
import { open } from './receipt-open.js';
import { finalKeyOf, stagingKeyOf } from './staging.js';
import type { VerifiedUpload, VerifyRequest } from '../types.js';
import { asStorageError, type S3Calls } from './s3-calls.js';

/**
 * `presigner.verify`: opens the receipt (or takes the key server code names), checks the stored
 * object against the presigner's rules, promotes a POST upload, and runs `onUploadComplete`.
 */
export async function verifyUpload<Context>(
  {
    config,
    fingerprint,
    s3: calls,
  }: { config: ResolvedOptions; fingerprint: string | Promise<string>; s3: () => Promise<S3Calls> },
  input: VerifyRequest | string,
  context: Context | undefined,
): Promise<VerifiedUpload> {
  const request =
    typeof input === 'string'
      ? { key: input }
      : parseRequest((await import('../action-schemas.js')).VerifyRequestSchema, input, 'verify request');
  let key: string;
  let stagingKey: string | null;
  let contentDisposition: string | null = null;
  let declared: string | null = null;
  if ('receipt' in request) {
    if (config.secret === undefined) throw receiptsDisabled();
    [key, stagingKey, contentDisposition, declared] = (await open(config.secret, 'receipt', request.receipt, {
      fingerprint,
      context,
    })) as [string, string | null, string | null, string | null];
  } else {
    // Trusted server code (an S3 event) may name a staging key: it stands for its final key.
    key = finalKeyOf(config.prefix, request.key) ?? request.key;
    assertSafeKey(key, config.prefix, '');
    stagingKey = config.method === 'POST' ? stagingKeyOf(config.prefix, key) : null;
  }
  const [{ verifyObject }, s3] = await Promise.all([import('./verify.js'), calls()]);
  // `md5:<base64>`: base64 has no colon.
  const [algorithm, value] = declared?.split(':') ?? [];
  const rules = declared ? { ...config, declaredChecksum: { algorithm, value } as DeclaredChecksum } : config;
  // A call the storage failed is STORAGE_ERROR; what verification refused is its own code already.
  const upload = await (
    stagingKey === null
      ? verifyObject(s3, rules, key)
      : import('./promote.js').then(({ verifyStaged }) =>
          verifyStaged(s3, verifyObject, rules, { key, stagingKey, contentDisposition }),
        )
  ).catch((error: unknown) => Promise.reject(asStorageError(error)));
  await config.onUploadComplete?.(upload, context);
  return upload;
}
