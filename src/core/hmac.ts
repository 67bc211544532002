// SHA-256 and HMAC-SHA256, as the SigV4 signature and the sealed receipts need them. Where the
// runtime has node:crypto (Node, Bun, Deno, workerd with nodejs_compat) they are synchronous and
// cheapest; Web-only runtimes (workerd without nodejs_compat, Vercel's Edge runtime) have Web
// Crypto, whose answers are promises. node:crypto is looked up when this module loads rather than
// imported, so that a runtime without it can load the package at all.

type NodeCrypto = typeof import('node:crypto');
type MaybePromise<T> = T | Promise<T>;

interface NodeLikeProcess {
  getBuiltinModule?: (id: string) => unknown;
}

/**
 * node:crypto, or `undefined` where the runtime has none (or, like Node before 20.16, no
 * `process.getBuiltinModule` to reach it without an import): then Web Crypto signs.
 */
export const nodeCrypto = (globalThis as { process?: NodeLikeProcess }).process?.getBuiltinModule?.('node:crypto') as
  NodeCrypto | undefined;

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += HEX[byte];
  return hex;
}

/** Base64 of `bytes`, through `btoa` (Web runtimes have no Buffer). */
function base64(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep the argument list of fromCharCode far below any engine's limit.
  for (let start = 0; start < bytes.length; start += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  return btoa(binary);
}

/** Base64 of `text` as UTF-8. */
export const utf8Base64 = (text: string): string =>
  nodeCrypto ? Buffer.from(text, 'utf8').toString('base64') : base64(encoder.encode(text));

/** Base64url (no padding) of `text` as UTF-8. */
export const utf8Base64Url = (text: string): string =>
  nodeCrypto ? Buffer.from(text, 'utf8').toString('base64url') : toBase64Url(base64(encoder.encode(text)));

const toBase64Url = (base64Text: string) => base64Text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/**
 * The UTF-8 text of base64url `encoded`; only ever given what this package encoded and MAC'd, so
 * a malformed string is a bug and throws.
 */
export function textOfBase64Url(encoded: string): string {
  if (nodeCrypto) return Buffer.from(encoded, 'base64url').toString('utf8');
  const binary = atob(encoded.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

/** SHA-256 of `text` (UTF-8) with Web Crypto. */
export async function webSha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** An HMAC-SHA256 key for Web Crypto: importing costs as much as a signature, so callers keep it. */
export function webHmacKey(secret: string | Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const raw = typeof secret === 'string' ? encoder.encode(secret) : secret;
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** HMAC-SHA256 of `text` (UTF-8) under `key` with Web Crypto. */
export async function webHmac(key: CryptoKey, text: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
}

/** HMAC-SHA256 of `text` under `secret`, base64url: synchronous where node:crypto is. */
export function hmacBase64Url(secret: string, text: string): MaybePromise<string> {
  if (nodeCrypto) return nodeCrypto.createHmac('sha256', secret).update(text, 'utf8').digest('base64url');
  return webHmacKey(secret)
    .then((key) => webHmac(key, text))
    .then((mac) => toBase64Url(base64(mac)));
}

/** SHA-256 of `text`, base64url: synchronous where node:crypto is. */
export function sha256Base64Url(text: string): MaybePromise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(text, 'utf8').digest('base64url');
  return webSha256(text).then((hash) => toBase64Url(base64(hash)));
}

/**
 * Whether two strings are equal, in a time that depends on their length only: a MAC compared
 * with `===` would tell an attacker, through timing, how many of its first characters are right.
 */
export function equalInConstantTime(given: string, wanted: string): boolean {
  if (given.length !== wanted.length) return false;
  let difference = 0;
  for (let i = 0; i < wanted.length; i++) difference |= given.charCodeAt(i) ^ wanted.charCodeAt(i);
  return difference === 0;
}
