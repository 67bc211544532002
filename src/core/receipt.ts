import { hmacBase64Url, sha256Base64Url, utf8Base64Url } from './hmac.js';
import type { ResolvedOptions } from './config.js';

// What the presigner issues and later takes back from a browser (a multipart token, a receipt) is
// sealed here: MAC'd with `secret`, bound to the exact configuration that issued it (its
// fingerprint) and to the caller it was issued to (a hash of `authorize`'s context). So another
// presigner sharing the secret, or another user holding the string, gets nowhere with it.
// Where node:crypto is, sealing and opening are synchronous; with Web Crypto they are promises.

export type MaybePromise<T> = T | Promise<T>;
const then = <T, U>(value: MaybePromise<T>, next: (value: T) => U): MaybePromise<U> =>
  value instanceof Promise ? value.then(next) : next(value);

/** What a sealed string is for; one is never accepted as the other. */
export type SealPurpose = 'receipt' | 'multipart';

/** Version of the sealed layout; strings of another version are refused. */
export const VERSION = 2;

/** What binds a sealed string to one presigner and one caller. */
export interface Binding {
  /** {@link configFingerprint} of the presigner that issues or opens it. */
  fingerprint: MaybePromise<string>;
  /** What `authorize` returned for the caller (`undefined` without `authorize`). */
  context: unknown;
}

export const NAMES: Record<SealPurpose, string> = { receipt: 'upload receipt', multipart: 'multipart upload token' };
// Field counts, so that a string of one purpose can never parse as the other even before its MAC.
export const CLAIM_COUNT: Record<SealPurpose, number> = { receipt: 4, multipart: 5 };

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
export function contextHash(secret: string, context: unknown): MaybePromise<string> {
  return hmacBase64Url(secret, `upload-presigner caller\n${canonicalJson(context)}`);
}

/**
 * A hash of every rule that decides what an upload may be: where it goes (bucket, endpoint, prefix,
 * quarantine), what it may hold (types, size) and how it is sent (method, part size, expiry…): every
 * option but the secrets, the credentials and the code. A presigner with other rules, even one
 * whose prefix contains this one's, refuses what this one issued.
 */
export function configFingerprint(config: ResolvedOptions, profile?: string): MaybePromise<string> {
  const rules: Record<string, unknown> = { ...config };
  // A profile's name counts as a rule: profiles alike in every other rule still differ in hooks and keys.
  if (profile !== undefined) rules.profile = profile;
  // Credentials and secrets rotate without changing a rule; functions and the client have no JSON.
  for (const name of ['client', 'credentials', 'secret', 'multipartSecret', 'key', 'onUploadComplete'])
    delete rules[name];
  return sha256Base64Url(canonicalJson(rules));
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
): MaybePromise<string> {
  const sealWith = (fingerprint: string, caller: string) => {
    const payload = utf8Base64Url(JSON.stringify([VERSION, purpose, bucket, fingerprint, caller, expires, ...claims]));
    return then(mac(secret, purpose, payload), (signature) => `${payload}.${signature}`);
  };
  const caller = contextHash(secret, context);
  return fingerprint instanceof Promise || caller instanceof Promise
    ? Promise.all([fingerprint, caller]).then(([fingerprint, caller]) => sealWith(fingerprint, caller))
    : sealWith(fingerprint, caller);
}

// The purpose is in the MAC's input too: a receipt's MAC can never pass as a token's.
export const mac = (secret: string, purpose: SealPurpose, payload: string) =>
  hmacBase64Url(secret, `upload-presigner ${purpose}\n${payload}`);
