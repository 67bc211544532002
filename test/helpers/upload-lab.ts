import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
} from '@aws-sdk/client-s3';
import type { Page, Request } from 'playwright-core';
import { track } from './browser.js';
import { rgwClient, TEST_BUCKET } from './s3.js';

// Helpers of the resume and fault tests: a page that uploads the file picked in its <input> (or one
// it made itself) with uploadFile, and what RGW holds afterwards.

const ENTRY = `
import * as client from './src/client/index.ts';
import { createStore, entries, set } from 'idb-keyval';

const input = document.getElementById('file');
const status = document.getElementById('status');
const made = {};
const describe = (error) => ({ name: error.name, message: error.message, stage: error.stage, status: error.status, code: error.code });
const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
const records = createStore('upload-presigner', 'resumable-uploads');

window.makeFile = async (name, size, type) => {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + 65536, size)));
  made[name] = new File([bytes], name, { type });
  return hex(await crypto.subtle.digest('SHA-256', bytes));
};

// A copy of a made file (or the picked one) that differs from it in one byte only: same name, size,
// type and lastModified.
window.makeVariant = async (name, of, position) => {
  const original = of ? made[of] : input.files[0];
  const bytes = new Uint8Array(await original.arrayBuffer());
  bytes[position] ^= 0xff;
  made[name] = new File([bytes], original.name, { type: original.type, lastModified: original.lastModified });
  return hex(await crypto.subtle.digest('SHA-256', bytes));
};

window.upload = async (options, name) => {
  window.controller = new AbortController();
  const file = name ? made[name] : input.files[0];
  status.textContent = 'Uploading ' + file.name + '…';
  try {
    window.percent = 0;
    const onProgress = (progress) => (window.percent = progress.percent);
    const result = await client.uploadFile(file, { endpoint: '/presign', signal: window.controller.signal, onProgress, ...options });
    status.textContent = 'Uploaded ' + result.size + ' bytes as ' + result.method + ': ' + result.key;
    return { ok: true, result };
  } catch (error) {
    status.textContent = error.message;
    return { ok: false, error: describe(error) };
  }
};

// uploadFiles with the picked file and the made ones named, as a page of many files would; each
// file's end as { name, status, key, error }.
window.uploadMany = async (options, names = []) => {
  window.controller = new AbortController();
  const files = [input.files[0], ...names.map((name) => made[name])];
  const uploads = client.uploadFiles(files, { endpoint: '/presign', signal: window.controller.signal, ...options });
  const settled = await uploads.settled();
  return settled.map(({ name, status, key, error }) => ({ name, status, key, error: error && describe(error) }));
};

// The records the client keeps in IndexedDB, as [key, record] pairs.
window.resumeRecords = () => entries(records);
window.ageRecords = async (expiresAt) => {
  for (const [key, record] of await entries(records)) await set(key, { ...record, upload: { ...record.upload, expiresAt } }, records);
};
window.clearResumable = () => client.clearResumableUploads();
window.ready = true;
`;

export const LAB_PAGE = `<!doctype html><meta charset="utf-8"><title>upload-presigner resume and faults</title>
<style>body{font:16px sans-serif;margin:24px} #status{display:block;margin-top:12px;white-space:pre-wrap;max-width:760px}</style>
<h1>Resume and fault test page</h1>
<input type="file" id="file">
<output id="status">Idle</output>
<script type="module" src="/page.js"></script>`;

/** The page's script: `bundleForBrowser(LAB_ENTRY)`. */
export const LAB_ENTRY = ENTRY;

export interface LabOutcome {
  ok: boolean;
  result?: { key: string; location: string; size: number; method: string; contentType: string };
  error?: { name: string; message: string; stage?: string; status?: number; code?: string };
}

/**
 * Runs `window.upload` in the page (the picked file, or one the page made) and tracks it, so that
 * `closePage` waits for it.
 *
 * @example
 * const outcome = await uploadInLab(page, { multipartThreshold: 10 * MIB });
 */
export function uploadInLab(page: Page, options: Record<string, unknown>, madeName?: string): Promise<LabOutcome> {
  return track(
    page,
    page.evaluate(([opts, name]) => (window as any).upload(opts, name) as Promise<LabOutcome>, [
      options,
      madeName,
    ] as const),
  );
}

/** A file of random bytes on disk (so that the page can pick the same file twice) and its SHA-256. */
export async function randomFileOnDisk(name: string, size: number) {
  const dir = await mkdtemp(join(tmpdir(), 'upload-presigner-lab-'));
  const path = join(dir, name);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < size; written += 1024 ** 2) {
    const chunk = randomBytes(Math.min(1024 ** 2, size - written));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { path, sha256: hash.digest('hex'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The upload's last reported percent. */
export function percentInLab(page: Page): Promise<number> {
  return page.evaluate(() => (window as any).percent as number);
}

/** The part PUTs a page sends to `storage`, by part number, in order (retries included). */
export function watchPartPuts(page: Page, storage: string): number[] {
  const puts: number[] = [];
  page.on('request', (request: Request) => {
    if (request.method() !== 'PUT' || !request.url().startsWith(storage)) return;
    const partNumber = Number(new URL(request.url()).searchParams.get('partNumber'));
    if (partNumber) puts.push(partNumber);
  });
  return puts;
}

/** The actions a page asks the endpoint at `url` for. */
export function watchActions(page: Page, url: string): string[] {
  const actions: string[] = [];
  page.on('request', (request) => {
    if (request.url() === url) actions.push((request.postDataJSON() as { action?: string })?.action ?? 'presign');
  });
  return actions;
}

export async function storedSha256(key: string, bucket = TEST_BUCKET): Promise<string> {
  const object = await rgwClient().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

/** The part numbers RGW holds for an upload. */
export async function storedParts(key: string, uploadId: string, bucket = TEST_BUCKET): Promise<number[]> {
  const listed = await rgwClient().send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  return (listed.Parts ?? []).map((part) => part.PartNumber!);
}

/** The multipart uploads RGW still has open under `key`. */
export async function openUploads(key: string, bucket = TEST_BUCKET): Promise<string[]> {
  const listed = await rgwClient().send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  return (listed.Uploads ?? []).filter((upload) => upload.Key === key).map((upload) => upload.UploadId!);
}

/** Deletes what a test stored: its objects and any upload it left open on purpose. */
export async function removeUploads(keys: Iterable<string>, bucket = TEST_BUCKET): Promise<void> {
  const client = rgwClient();
  for (const key of keys) {
    for (const UploadId of await openUploads(key, bucket))
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}
