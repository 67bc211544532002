import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toFetchHandler } from '../../src/adapters/fetch.js';
import { isUploadError, uploadFiles, type FileUpload } from '../../src/client/index.js';
import { createHttpHandler } from '../../src/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import { testPresigner } from '../helpers/presign.js';

// The state machine of uploadFiles in Node: presign and presignBatch answered by the real handler
// and presigner (fake credentials sign locally), multipart steps by a stand-in, and the storage by
// a fake XMLHttpRequest that the test answers by hand. What RGW and Chromium do is proven in
// test/react/use-uploads.browser.test.ts.

const PART_SIZE = 4;
const MULTIPART_THRESHOLD = 8;

interface Sent {
  url: string;
  size: number;
  /** The headers sent with it, by lower-case name. */
  headers: Record<string, string>;
  answer(status: number): void;
  /** Reports `loaded` bytes of the body sent, as the browser's upload progress event does. */
  progress(loaded: number): void;
  aborted: boolean;
}

let sent: Sent[];
let inFlight: number;
let peak: number;
let endpointCalls: Array<{ action: string; files?: number }>;
let supportsBatch: boolean;
let profilesSent: unknown[];

class FakeXhr {
  status = 0;
  responseText = '';
  upload = new EventTarget();
  private readonly events = new EventTarget();
  private url = '';
  private headers: Record<string, string> = {};
  private done = false;
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  getResponseHeader(name: string) {
    return name === 'etag' ? '"etag"' : null;
  }
  addEventListener(type: string, listener: EventListener) {
    this.events.addEventListener(type, listener);
  }
  send(body: Blob) {
    inFlight++;
    peak = Math.max(peak, inFlight);
    const entry: Sent = {
      url: this.url,
      size: body.size,
      headers: this.headers,
      aborted: false,
      answer: (status) => {
        if (this.finish()) return;
        this.status = status;
        this.responseText = status === 200 ? '' : '<Error><Code>AccessDenied</Code></Error>';
        this.events.dispatchEvent(new Event('load'));
      },
      progress: (loaded) => {
        const event = Object.assign(new Event('progress'), { lengthComputable: true, loaded, total: body.size });
        this.upload.dispatchEvent(event);
      },
    };
    sent.push(entry);
    this.abort = () => {
      if (this.finish()) return;
      entry.aborted = true;
      this.events.dispatchEvent(new Event('abort'));
    };
  }
  abort() {}
  private finish(): boolean {
    if (this.done) return true;
    this.done = true;
    inFlight--;
    return false;
  }
}

const handle = createHttpHandler(testPresigner({ allowedTypes: ['image/*'], maxSize: 1024 }));
const handleProfiles = createHttpHandler({ avatar: testPresigner({ allowedTypes: ['image/*'], maxSize: 1024 }) });

async function endpoint(_url: string, init: RequestInit): Promise<Response> {
  const body = JSON.parse(init.body as string);
  endpointCalls.push({ action: body.action ?? 'presign', files: body.files?.length });
  profilesSent.push(body.profile);
  const json = (value: unknown) => new Response(JSON.stringify(value), { status: 200 });
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  switch (body.action) {
    case 'presignBatch':
      if (!supportsBatch)
        return new Response('{"error":{"code":"INVALID_REQUEST","message":"Unknown action"}}', { status: 400 });
      break;
    case 'createMultipart':
      return json({
        method: 'MULTIPART',
        key: `uploads/${body.fileName}`,
        uploadId: 'id',
        token: body.fileName,
        receipt: 'r',
        size: body.size,
        contentType: body.contentType,
        partSize: PART_SIZE,
        partCount: Math.ceil(body.size / PART_SIZE),
        expiresAt,
      });
    case 'signParts':
      return json({
        parts: body.partNumbers.map((partNumber: number) => ({
          partNumber,
          url: `https://s3.test/${body.token}?partNumber=${partNumber}`,
          headers: {},
        })),
        expiresAt,
        expiresIn: 3600,
      });
    case 'completeMultipart':
      return json({ key: `uploads/${body.token}`, size: 12, contentType: 'image/png' });
    case 'abortMultipart':
      return json({ key: `uploads/${body.token}`, aborted: true });
  }
  const answer = await (body.profile ? handleProfiles : handle)({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: init.body,
  });
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

const image = (name: string, size: number, type = 'image/png') => new File([new Uint8Array(size)], name, { type });

/** A long-lived signal, like one per page, that keeps count of the listeners added to it and not removed. */
function countingSignal() {
  const controller = new AbortController();
  const { signal } = controller;
  const listeners = new Set<unknown>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (...args: Parameters<typeof add>) => {
    listeners.add(args[1]);
    add(...args);
  };
  signal.removeEventListener = (...args: Parameters<typeof remove>) => {
    listeners.delete(args[1]);
    remove(...args);
  };
  return { controller, signal, listeners };
}

/** Holds every presignBatch request until `answerAll`, keeping its signal; other actions go through. */
function holdBatches() {
  const requests: Array<{ signal: AbortSignal; answer(): void }> = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    if (JSON.parse(init.body as string).action !== 'presignBatch') return endpoint(url, init);
    await new Promise<void>((resolve, reject) => {
      // A request sent without a signal cannot be aborted: it keeps one that never aborts.
      const signal = init.signal ?? new AbortController().signal;
      requests.push({ signal, answer: resolve });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    return endpoint(url, init);
  });
  return { requests, answerAll: () => requests.forEach((request) => request.answer()) };
}

/** Answers every request the storage holds open with 200, until the uploads settle. */
async function answerAll(settled: Promise<unknown>): Promise<void> {
  let done = false;
  void settled.finally(() => (done = true));
  while (!done) {
    for (const request of sent) request.answer(200);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

beforeEach(() => {
  sent = [];
  inFlight = 0;
  peak = 0;
  endpointCalls = [];
  profilesSent = [];
  supportsBatch = true;
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  vi.stubGlobal('fetch', endpoint);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const options = { endpoint: '/api/presign', multipartThreshold: MULTIPART_THRESHOLD, retries: 0 };

describe('uploadFiles', () => {
  it('keeps single uploads and the parts of multipart ones within one budget of connections', async () => {
    // Prepare: two multipart files of 3 parts and four small files, a budget of 3.
    const files = [image('m1.png', 12), image('s1.png', 2), image('m2.png', 12), image('s2.png', 2)];
    files.push(image('s3.png', 2), image('s4.png', 2));
    // Act
    const uploads = uploadFiles(files, { ...options, concurrency: 3, partConcurrency: 3 });
    await expect.poll(() => inFlight, { timeout: STEP_MS }).toBe(3);
    await answerAll(uploads.settled());
    // Assess
    expect(peak).toBe(3);
    expect(sent).toHaveLength(2 * 3 + 4);
    expect(uploads.files.map((file) => file.status)).toEqual(Array(6).fill('done'));
    expect(uploads.progress).toEqual({ loaded: 32, total: 32, percent: 100 });
  });

  it('presigns small files in batches, and one refused file fails alone with the server reason', async () => {
    // Prepare
    const files = [
      image('a.png', 2),
      image('evil.html', 2, 'image/png'),
      image('c.png', 2),
      image('d.pdf', 2, 'application/pdf'),
    ];
    const changes: FileUpload[][] = [];
    // Act
    const uploads = uploadFiles(files, { ...options, concurrency: 2, onChange: (now) => changes.push([...now]) });
    await answerAll(uploads.settled());
    // Assess
    expect(endpointCalls).toEqual([{ action: 'presignBatch', files: 4 }]);
    const [a, html, c, pdf] = uploads.files;
    expect([a!.status, c!.status]).toEqual(['done', 'done']);
    expect(a!.key).toMatch(/^uploads\/.+-a\.png$/);
    expect(html!.status).toBe('error');
    expect(isUploadError(html!.error) && [html!.error.stage, html!.error.status, html!.error.code]).toEqual([
      'presign',
      400,
      'EXTENSION_MISMATCH',
    ]);
    expect(isUploadError(pdf!.error) && pdf!.error.code).toBe('TYPE_NOT_ALLOWED');
    expect(sent).toHaveLength(2);
    // Each file went queued → uploading → an end, and never back.
    const order = ['queued', 'uploading', 'done', 'error'];
    for (let id = 0; id < 4; id++) {
      const statuses = changes.map((files) => order.indexOf(files[id]!.status));
      expect(statuses).toEqual([...statuses].sort());
    }
    expect(uploads.progress).toEqual({ loaded: 4, total: 4, percent: 100 });
  });

  it('names the profile in every request, batches included', async () => {
    // Act
    const uploads = uploadFiles([image('a.png', 2), image('b.png', 2)], { ...options, profile: 'avatar' });
    await answerAll(uploads.settled());
    // Assess
    expect(endpointCalls).toEqual([{ action: 'presignBatch', files: 2 }]);
    expect(profilesSent).toEqual(['avatar']);
    expect(uploads.files.map((file) => file.status)).toEqual(['done', 'done']);
  });

  it("signs each small file's digest in its batch: a presigner that requires one stores every file", async () => {
    // Prepare: the endpoint is the fetch adapter of a presigner that refuses any upload without an MD5.
    const strict = toFetchHandler(testPresigner({ checksum: { algorithm: 'md5', required: true } }));
    const actions: string[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      actions.push(JSON.parse(init.body as string).action ?? 'presign');
      return strict(new Request(new URL(url, 'https://app.test'), init));
    });
    const files = [1, 2, 3].map(
      (fill) => new File([new Uint8Array(3).fill(fill)], `${fill}.png`, { type: 'image/png' }),
    );
    // Act
    const uploads = uploadFiles(files, options);
    await answerAll(uploads.settled());
    // Assess
    expect(uploads.files.map((file) => file.error ?? file.status)).toEqual(['done', 'done', 'done']);
    expect(actions).toEqual(['presignBatch']);
    const md5 = (fill: number) => createHash('md5').update(new Uint8Array(3).fill(fill)).digest('base64');
    const headersOf = (fill: number) => sent.find((request) => request.url.includes(`-${fill}.png?`))?.headers;
    expect([1, 2, 3].map((fill) => headersOf(fill)?.['content-md5'])).toEqual([md5(1), md5(2), md5(3)]);
  });

  it('leaves a file it cannot read out of its batch: that file fails alone, the others are stored', async () => {
    // Prepare: a file whose bytes cannot be read (deleted from the disk since it was picked).
    const strict = toFetchHandler(testPresigner({ checksum: { algorithm: 'md5', required: true } }));
    const bodies: { action?: string; files?: unknown[] }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      bodies.push(JSON.parse(init.body as string));
      return strict(new Request(new URL(url, 'https://app.test'), init));
    });
    const unreadable = image('gone.png', 2);
    const gone = new DOMException('The file could not be read.', 'NotReadableError');
    unreadable.slice = () => Object.assign(new Blob(), { arrayBuffer: () => Promise.reject(gone) });
    // Act
    const uploads = uploadFiles([image('a.png', 2), unreadable, image('c.png', 2)], options);
    await answerAll(uploads.settled());
    // Assess
    expect(uploads.files.map((file) => file.error ?? file.status)).toEqual(['done', gone, 'done']);
    expect(bodies.map((body) => body.files?.length)).toEqual([2]);
  });

  it("hashes nothing with `checksum: 'none'`", async () => {
    // Act
    const uploads = uploadFiles([image('a.png', 2), image('b.png', 2)], { ...options, checksum: 'none' });
    await answerAll(uploads.settled());
    // Assess
    expect(uploads.files.map((file) => file.status)).toEqual(['done', 'done']);
    expect(sent.map((request) => request.headers['content-md5'])).toEqual([undefined, undefined]);
  });

  it('asks file by file when the endpoint has no batch action, and stops asking for batches', async () => {
    // Prepare
    supportsBatch = false;
    // Act
    const uploads = uploadFiles([image('a.png', 2), image('b.png', 2), image('c.png', 2)], {
      ...options,
      concurrency: 1,
    });
    await answerAll(uploads.settled());
    // Assess
    expect(endpointCalls.map((call) => call.action)).toEqual(['presignBatch', 'presign', 'presign', 'presign']);
    expect(uploads.files.every((file) => file.status === 'done')).toBe(true);
  });

  it('cancels one file (aborting its multipart upload) while the others complete', async () => {
    // Prepare
    const uploads = uploadFiles([image('m1.png', 12), image('s1.png', 2)], { ...options, concurrency: 4 });
    await expect
      .poll(() => sent.filter((request) => request.url.includes('m1.png')).length, { timeout: STEP_MS })
      .toBe(3);
    // Act
    uploads.cancel(0);
    await answerAll(uploads.settled());
    // Assess
    expect(uploads.files.map((file) => file.status)).toEqual(['cancelled', 'done']);
    expect(sent.filter((request) => request.url.includes('m1.png')).every((request) => request.aborted)).toBe(true);
    expect(endpointCalls.filter((call) => call.action === 'abortMultipart')).toHaveLength(1);
    expect(uploads.progress.percent).toBe(100);
  });

  it('cancels every file, queued ones included, and retries only the failed ones', async () => {
    // Prepare: the first file's PUT is refused by the storage, the others wait.
    const uploads = uploadFiles([image('a.png', 2), image('b.png', 2), image('c.png', 2)], {
      ...options,
      concurrency: 1,
    });
    await expect.poll(() => sent.length, { timeout: STEP_MS }).toBe(1);
    sent[0]!.answer(403);
    await expect.poll(() => uploads.files[0]!.status, { timeout: STEP_MS }).toBe('error');
    await expect.poll(() => sent.length, { timeout: STEP_MS }).toBe(2);
    // Act
    uploads.cancel();
    const afterCancel = await uploads.settled();
    uploads.retry();
    const retried = uploads.settled();
    await answerAll(retried);
    // Assess
    expect(afterCancel.map((file) => file.status)).toEqual(['error', 'cancelled', 'cancelled']);
    expect(isUploadError(afterCancel[0]!.error) && afterCancel[0]!.error.stage).toBe('upload');
    expect((await retried).map((file) => file.status)).toEqual(['done', 'cancelled', 'cancelled']);
    uploads.retry(2);
    await answerAll(uploads.settled());
    expect(uploads.files.map((file) => file.status)).toEqual(['done', 'cancelled', 'done']);
  });

  it('cancels everything when its signal aborts, and takes files added later', async () => {
    // Prepare
    const controller = new AbortController();
    const uploads = uploadFiles([], { ...options, signal: controller.signal });
    // Act
    const [added] = uploads.add([image('a.png', 2)]);
    await expect.poll(() => sent.length, { timeout: STEP_MS }).toBe(1);
    controller.abort();
    // Assess
    expect((await uploads.settled()).map((file) => file.status)).toEqual(['cancelled']);
    expect(added!.status).toBe('queued');
    expect(sent[0]!.aborted).toBe(true);
  });

  it('leaves no listener on a long-lived signal once a batch settles, and still cancels files added later', async () => {
    // Prepare: one signal for the life of the page, three batches in turn.
    const { controller, signal, listeners } = countingSignal();
    for (const name of ['a.png', 'b.png', 'c.png']) {
      // Act
      const uploads = uploadFiles([image(name, 2)], { ...options, signal });
      await answerAll(uploads.settled());
      // Assess
      expect(uploads.files.map((file) => file.status)).toEqual(['done']);
      expect(listeners.size).toBe(0);
    }
    // A settled queue given more files listens again until they end, and the signal still cancels them.
    const uploads = uploadFiles([], { ...options, signal });
    uploads.add([image('d.png', 2)]);
    await expect.poll(() => sent.length, { timeout: STEP_MS }).toBe(4);
    expect(listeners.size).toBe(1);
    controller.abort();
    expect((await uploads.settled()).map((file) => file.status)).toEqual(['cancelled']);
    expect(sent[3]!.aborted).toBe(true);
  });

  it('coalesces a burst of progress events into few calls, and reports each change of status at once', async () => {
    // Prepare: three files sending at once.
    const changes: (readonly FileUpload[])[] = [];
    let progressCalls = 0;
    const uploads = uploadFiles([image('a.png', 1000), image('b.png', 1000), image('c.png', 1000)], {
      ...options,
      multipartThreshold: 4096,
      concurrency: 3,
      onChange: (files) => changes.push(files),
      onProgress: () => progressCalls++,
    });
    await expect.poll(() => sent.length, { timeout: STEP_MS }).toBe(3);
    await expect
      .poll(() => changes.at(-1)?.every((file) => file.status === 'uploading'), { timeout: STEP_MS })
      .toBe(true);
    const before = { changes: changes.length, progressCalls };
    // Act: a thousand progress events of each file, as fast as a browser on loopback sends them.
    for (let loaded = 1; loaded <= 1000; loaded++) for (const request of sent) request.progress(loaded);
    // Assess: none reached the callbacks on the spot, and the latest came in one call soon after.
    expect([changes.length, progressCalls]).toEqual([before.changes, before.progressCalls]);
    await expect
      .poll(() => changes.at(-1)?.map((file) => file.progress.loaded), { timeout: STEP_MS })
      .toEqual([1000, 1000, 1000]);
    expect(changes.length - before.changes).toBeLessThanOrEqual(2);
    expect(progressCalls - before.progressCalls).toBeLessThanOrEqual(2);
    expect(uploads.progress).toEqual({ loaded: 3000, total: 3000, percent: 99 });
    // A file's end is reported at once, the batch's end before `settled` resolves.
    sent.find((request) => request.url.includes('-a.png?'))!.answer(200);
    await expect.poll(() => uploads.files[0]!.status, { timeout: STEP_MS, interval: 1 }).toBe('done');
    expect(changes.at(-1)![0]!.status).toBe('done');
    for (const request of sent) request.answer(200);
    const settled = await uploads.settled();
    expect(changes.at(-1)).toEqual(settled);
    expect(settled.map((file) => file.status)).toEqual(['done', 'done', 'done']);
    expect(uploads.progress).toEqual({ loaded: 3000, total: 3000, percent: 100 });
  });

  it('aborts a batch presign request once every file in it is cancelled, and starts no upload', async () => {
    // Prepare: the endpoint holds the batch request until the test answers it.
    const held = holdBatches();
    const uploads = uploadFiles([image('a.png', 2), image('b.png', 2), image('c.png', 2)], options);
    await expect.poll(() => held.requests.length, { timeout: STEP_MS }).toBe(1);
    // Act: cancel one file, then every file.
    uploads.cancel(1);
    const abortedAfterOne = held.requests[0]!.signal.aborted;
    uploads.cancel();
    // Assess
    expect(abortedAfterOne).toBe(false);
    expect(held.requests[0]!.signal.aborted).toBe(true);
    expect((await uploads.settled()).map((file) => file.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    // Nothing reached the endpoint after the aborted batch, nor the storage.
    expect(endpointCalls).toEqual([]);
    expect(sent).toHaveLength(0);
  });

  it('lets a batch presign request run on for the files not cancelled, and uploads only those', async () => {
    // Prepare
    const held = holdBatches();
    const uploads = uploadFiles([image('a.png', 2), image('b.png', 2), image('c.png', 2)], options);
    await expect.poll(() => held.requests.length, { timeout: STEP_MS }).toBe(1);
    // Act: the file that started the batch and another are cancelled while it is in flight.
    uploads.cancel(0);
    uploads.cancel(2);
    held.answerAll();
    await answerAll(uploads.settled());
    // Assess
    expect(held.requests[0]!.signal.aborted).toBe(false);
    expect(uploads.files.map((file) => file.status)).toEqual(['cancelled', 'done', 'cancelled']);
    expect(sent.map((request) => new URL(request.url).pathname)).toEqual([expect.stringMatching(/-b\.png$/)]);
    expect(endpointCalls.map((call) => call.action)).toEqual(['presignBatch']);
  });

  it('hashes a file once: a retry after a refused PUT, and a presign again after its URL expired, reuse its digest', async () => {
    // Prepare: count the reads of each file, which is what hashing a small file does.
    const reads = new Map<string, number>();
    const counted = (name: string) => {
      const file = image(name, 2);
      const slice = file.slice.bind(file);
      file.slice = (...args: Parameters<Blob['slice']>) => (
        reads.set(name, (reads.get(name) ?? 0) + 1),
        slice(...args)
      );
      return file;
    };
    vi.useFakeTimers({ toFake: ['Date'] });
    const uploads = uploadFiles([counted('a.png'), counted('b.png')], { ...options, concurrency: 1 });
    await expect.poll(() => sent.length, { timeout: STEP_MS }).toBe(1);
    // Act: the first PUT is refused and takes almost 300 s, so b's batched URL expires before its turn.
    vi.setSystemTime(Date.now() + 298_000);
    sent[0]!.answer(403);
    await answerAll(uploads.settled());
    uploads.retry(0);
    await answerAll(uploads.settled());
    // Assess
    expect(uploads.files.map((file) => file.status)).toEqual(['done', 'done']);
    expect(endpointCalls.map((call) => call.action)).toEqual(['presignBatch', 'presign', 'presignBatch']);
    expect(Object.fromEntries(reads)).toEqual({ 'a.png': 1, 'b.png': 1 });
    const md5 = createHash('md5').update(new Uint8Array(2)).digest('base64');
    expect(sent.map((request) => request.headers['content-md5'])).toEqual([md5, md5, md5]);
  });

  it('hashes a file once on an endpoint without batches too: a retry reuses the digest its presign signed', async () => {
    // Prepare
    supportsBatch = false;
    let reads = 0;
    const file = image('a.png', 2);
    const slice = file.slice.bind(file);
    file.slice = (...args: Parameters<Blob['slice']>) => (reads++, slice(...args));
    const uploads = uploadFiles([file], options);
    await expect.poll(() => sent.length, { timeout: STEP_MS }).toBe(1);
    sent[0]!.answer(403);
    await uploads.settled();
    // Act
    uploads.retry(0);
    await answerAll(uploads.settled());
    // Assess
    expect(uploads.files.map((item) => item.status)).toEqual(['done']);
    expect(endpointCalls.map((call) => call.action)).toEqual(['presignBatch', 'presign', 'presign']);
    expect(reads).toBe(1);
    expect(sent[1]!.headers['content-md5']).toBe(sent[0]!.headers['content-md5']);
  });

  it('presigns a file again on its own when the URL its batch signed would expire before its turn', async () => {
    // Prepare: two files presigned in one batch (URLs valid 300 s), sent one after the other.
    vi.useFakeTimers({ toFake: ['Date'] });
    const uploads = uploadFiles([image('a.png', 2), image('b.png', 2)], { ...options, concurrency: 1 });
    await expect.poll(() => sent.length, { timeout: STEP_MS }).toBe(1);
    // Act: the first upload takes almost 300 s.
    vi.setSystemTime(Date.now() + 298_000);
    await answerAll(uploads.settled());
    // Assess
    expect(endpointCalls.map((call) => call.action)).toEqual(['presignBatch', 'presign']);
    const signedAt = sent.map((request) => new URL(request.url).searchParams.get('X-Amz-Date'));
    expect(signedAt[1]! > signedAt[0]!).toBe(true);
    expect(uploads.files.map((file) => file.status)).toEqual(['done', 'done']);
  });
});
