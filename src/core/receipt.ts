import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { PresignError } from '../errors.js';
import type { ResolvedOptions } from './config.js';

// What the presigner issues and later takes back from a browser (a multipart token, a receipt) is
// sealed here: MAC'd with `secret`, bound to the exact configuration that issued it (its
// fingerprint) and to the caller it was issued to (a hash of `authorize`'s context). So another
// presigner sharing the secret, or another user holding the string, gets nowhere with it.

/** What a sealed string is for; one is never accepted as the other. */
export type SealPurpose = 'receipt' | 'multipart';

/** Version of the sealed layout; strings of another version are refused. */
const VERSION = 2;

/** What binds a sealed string to one presigner and one caller. */
interface Binding {
  /** {@link configFingerprint} of the presigner that issues or opens it. */
  fingerprint: string;
  /** What `authorize` returned for the caller (`undefined` without `authorize`). */
  context: unknown;
}

const NAMES: Record<SealPurpose, string> = { receipt: 'upload receipt', multipart: 'multipart upload token' };
// Field counts, so that a string of one purpose can never parse as the other even before its MAC.
const CLAIM_COUNT: Record<SealPurpose, number> = { receipt: 3, multipart: 5 };

/**
 * JSON with object keys sorted at every level, so that equal values always hash alike; arrays keep
 * their order. Linear in the size of the value (plus the sort of each object's keys).
 */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_, item: unknown) =>
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : item,
    ) ?? 'undefined'
  );
}

/**
 * Who the caller is, as far as the presigner can tell: a MAC of what `authorize` returned. Keyed, so
 * that a sealed string (readable by its holder) does not let anyone guess the context back.
 */
function contextHash(secret: string, context: unknown): string {
  return createHmac('sha256', secret)
    .update(`upload-presigner caller\n${canonicalJson(context)}`)
    .digest('base64url');
}

/**
 * A hash of every rule that decides what an upload may be: where it goes (bucket, endpoint, prefix,
 * quarantine), what it may hold (types, size) and how it is sent (method, part size, expiry…): every
 * option but the secrets, the credentials and the code. A presigner with other rules, even one
 * whose prefix contains this one's, refuses what this one issued.
 */
export function configFingerprint(config: ResolvedOptions, profile?: string): string {
  const rules: Record<string, unknown> = { ...config };
  // A profile's name counts as a rule: profiles alike in every other rule still differ in hooks and keys.
  if (profile !== undefined) rules.profile = profile;
  // Credentials and secrets rotate without changing a rule; functions and the client have no JSON.
  for (const name of ['client', 'credentials', 'secret', 'multipartSecret', 'key', 'onUploadComplete'])
    delete rules[name];
  return createHash('sha256').update(canonicalJson(rules)).digest('base64url');
}

/** `payload.mac`, both base64url: the payload is `[version, purpose, …binding, …claims]` as JSON. */
export function seal(
  secret: string,
  purpose: SealPurpose,
  { fingerprint, context }: Binding,
  {
    bucket,
    expires,
    claims,
  }: { bucket: string; /** Unix seconds. */ expires: number; claims: readonly (string | number | null)[] },
): string {
  const fields = [VERSION, purpose, bucket, fingerprint, contextHash(secret, context), expires, ...claims];
  const payload = Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, purpose, payload).toString('base64url')}`;
}

// The purpose is in the MAC's input too: a receipt's MAC can never pass as a token's.
const mac = (secret: string, purpose: SealPurpose, payload: string) =>
  createHmac('sha256', secret).update(`upload-presigner ${purpose}\n${payload}`).digest();

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
): (string | number | null)[] {
  const name = NAMES[purpose];
  const [payload, signature, extra] = sealed.split('.');
  const given = Buffer.from(signature ?? '', 'base64url');
  const wanted = mac(secret, purpose, payload ?? '');
  if (extra !== undefined || !payload || given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new PresignError('INVALID_TOKEN', `The ${name} is not one this service issued, or it was altered.`);
  }
  const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
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
  if (caller !== contextHash(secret, expected.context)) {
    throw new PresignError('FORBIDDEN', `This ${name} was issued to another caller.`);
  }
  return claims as (string | number | null)[];
}
