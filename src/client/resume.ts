import type { StartedMultipart } from './multipart-endpoint.js';
import type { PresignBody } from './request-presign.js';

/** The most interrupted uploads a browser remembers; the oldest is forgotten first. */
export const MAX_RESUMABLE_UPLOADS = 20;
/** How much of each end of the file the fingerprint hashes. */
const EDGE_BYTES = 64 * 1024;
/** A record whose token expires sooner than this is not worth resuming: the rest could outlive it. */
const MIN_TOKEN_LIFE_MS = 10 * 60 * 1000;
const DATABASE = 'upload-presigner';
const STORE = 'resumable-uploads';

/** What the browser keeps of an interrupted multipart upload: the token is its only credential. */
export interface ResumeRecord {
  upload: StartedMultipart;
  /** Unix ms of the save, to forget the oldest first. */
  savedAt: number;
}

/** One file's place in the store of interrupted uploads (see {@link openResumable}). */
export interface Resumable {
  /** The upload this file was interrupted in, unless none is stored or it cannot be resumed any more. */
  find(): Promise<StartedMultipart | undefined>;
  save(upload: StartedMultipart): Promise<void>;
  forget(): Promise<void>;
}

type IdbKeyval = typeof import('idb-keyval');
let store: Promise<{ idb: IdbKeyval; store: ReturnType<IdbKeyval['createStore']> }> | undefined;

/** idb-keyval is loaded on the first multipart upload only, so a page that never makes one never loads it. */
function openStore() {
  store ??= import('idb-keyval').then((idb) => ({ idb, store: idb.createStore(DATABASE, STORE) }));
  return store;
}

/**
 * The place in IndexedDB where an interrupted multipart upload of this file to this endpoint and
 * profile is kept, or `undefined` where the browser offers no IndexedDB or no Web Crypto (an insecure
 * origin): the upload then simply cannot resume. The record's key is the endpoint's URL, the profile
 * (a token is sealed for one profile: another refuses it) and a fingerprint of the file: name, size,
 * lastModified, declared type and the SHA-256 of its first and last 64 KiB, so that only the same
 * file picked again for the same profile finds it.
 *
 * @example
 * ```ts
 * const resumable = await openResumable(file, body, { endpoint: '/api/presign', profile: 'video' });
 * const upload = (await resumable?.find()) ?? (await createMultipart(target, body));
 * ```
 */
export async function openResumable(
  file: Blob,
  body: PresignBody,
  { endpoint, profile }: { endpoint: string; profile?: string | undefined },
): Promise<Resumable | undefined> {
  if (typeof indexedDB === 'undefined' || typeof crypto === 'undefined' || !crypto.subtle) return undefined;
  try {
    const url = new URL(endpoint, globalThis.location?.href).href;
    const key = JSON.stringify([url, profile ?? null, await fingerprint(file, body)]);
    const { idb, store } = await openStore();
    return {
      async find() {
        const record = await idb.get<ResumeRecord>(key, store);
        if (record && isResumable(record, body)) return record.upload;
        if (record) await idb.del(key, store);
        return undefined;
      },
      async save(upload) {
        await idb.set(key, { upload, savedAt: Date.now() } satisfies ResumeRecord, store);
        await keepNewest(idb, store);
      },
      forget: () => idb.del(key, store),
    };
  } catch {
    return undefined;
  }
}

/**
 * Forgets every interrupted upload this browser kept, e.g. when a user signs out: their parts stay
 * in the storage until the bucket's lifecycle rule removes them (or resolve each with `abortMultipart`
 * before). Resolves once they are gone; does nothing where the browser has no IndexedDB.
 *
 * @example
 * ```ts
 * import { clearResumableUploads } from 'upload-presigner/client';
 *
 * signOutButton.onclick = async () => {
 *   await clearResumableUploads();
 *   location.assign('/signed-out');
 * };
 * ```
 */
export async function clearResumableUploads(): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  const { idb, store } = await openStore();
  await idb.clear(store);
}

/** Whether a stored upload is still this file's and lives long enough to finish; anything else starts over. */
function isResumable(record: ResumeRecord, body: PresignBody): boolean {
  const { upload } = record;
  return (
    typeof upload?.token === 'string' &&
    upload.size === body.size &&
    Date.parse(upload.expiresAt) - Date.now() > MIN_TOKEN_LIFE_MS
  );
}

/** Drops the records whose tokens have expired, then the oldest beyond {@link MAX_RESUMABLE_UPLOADS}. */
async function keepNewest(idb: IdbKeyval, store: ReturnType<IdbKeyval['createStore']>): Promise<void> {
  const records = await idb.entries<IDBValidKey, ResumeRecord>(store);
  const expired = (record: ResumeRecord | undefined) => !(Date.parse(record?.upload?.expiresAt ?? '') > Date.now());
  const live = records.filter(([, record]) => !expired(record));
  const newestFirst = live.sort(([, a], [, b]) => b.savedAt - a.savedAt);
  const dropped = [...records.filter(([, record]) => expired(record)), ...newestFirst.slice(MAX_RESUMABLE_UPLOADS)].map(
    ([key]) => key,
  );
  if (dropped.length > 0) await idb.delMany(dropped, store);
}

async function fingerprint(file: Blob, body: PresignBody): Promise<string> {
  const { lastModified } = file as Partial<File>;
  const described = new TextEncoder().encode(
    JSON.stringify([body.fileName, body.contentType, file.size, lastModified ?? null]),
  );
  const edges = new Blob([described, file.slice(0, EDGE_BYTES), file.slice(Math.max(0, file.size - EDGE_BYTES))]);
  const digest = await crypto.subtle.digest('SHA-256', await edges.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
