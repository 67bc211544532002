// Opening what receipt.ts seals: only `verify` and the multipart steps do it, so a function that
// only presigns never loads this.
import { PresignError } from '../errors.js';
import { equalInConstantTime, textOfBase64Url } from './hmac.js';
import {
  CLAIM_COUNT,
  contextHash,
  mac,
  NAMES,
  VERSION,
  type Binding,
  type MaybePromise,
  type SealPurpose,
} from './receipt.js';

/**
 * Opens what {@link seal} made, for this presigner and this caller: the claims, or a
 * `PresignError`. `INVALID_TOKEN` (403) for anything altered, forged, expired, of another purpose or
 * issued by another configuration; `FORBIDDEN` (403) when it was issued to another caller. The
 * messages name no secret and no hash.
 */
export function open(
  secret: string,
  purpose: SealPurpose,
  sealed: string,
  expected: Binding,
): MaybePromise<(string | number | null)[]> {
  const [payload, signature, extra] = sealed.split('.');
  const wanted = mac(secret, purpose, payload ?? '');
  const caller = contextHash(secret, expected.context);
  const { fingerprint } = expected;
  const openWith = (wanted: string, caller: string, fingerprint: string) => {
    // A MAC is compared as the text it was issued as: no decoder's leniency lets two strings pass.
    if (extra !== undefined || !payload || !equalInConstantTime(signature ?? '', wanted))
      throw new PresignError(
        'INVALID_TOKEN',
        `The ${NAMES[purpose]} is not one this service issued, or it was altered.`,
      );
    return openPayload(purpose, payload, { caller, fingerprint });
  };
  return wanted instanceof Promise || caller instanceof Promise || fingerprint instanceof Promise
    ? Promise.all([wanted, caller, fingerprint]).then((values) => openWith(...values))
    : openWith(wanted, caller, fingerprint);
}

/** The claims of a payload whose MAC is right, or why they do not hold here. */
function openPayload(
  purpose: SealPurpose,
  payload: string,
  expected: { caller: string; fingerprint: string },
): (string | number | null)[] {
  const name = NAMES[purpose];
  const fields = JSON.parse(textOfBase64Url(payload)) as unknown[];
  const [version, sealedPurpose, , fingerprint, caller, expires, ...claims] = fields;
  if (version !== VERSION || sealedPurpose !== purpose || claims.length !== CLAIM_COUNT[purpose]) {
    throw new PresignError('INVALID_TOKEN', `The ${name} is of another kind or version.`);
  }
  if (fingerprint !== expected.fingerprint) {
    throw new PresignError(
      'INVALID_TOKEN',
      `The ${name} was issued under another configuration (bucket, prefix, types, size, method or profile).`,
    );
  }
  if ((expires as number) * 1000 <= Date.now()) {
    throw new PresignError('INVALID_TOKEN', `The ${name} has expired; start the upload again.`);
  }
  if (caller !== expected.caller) {
    throw new PresignError('FORBIDDEN', `This ${name} was issued to another caller.`);
  }
  return claims as (string | number | null)[];
}
