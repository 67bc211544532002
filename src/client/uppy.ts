import { formatSize } from '../format-size.js';
import { DEFAULT_PART_SIZE, partSizeFor, type ChecksumAlgorithm, type ProfileChoice } from '../protocol.js';
import { UploadError } from './errors.js';
import { DEFAULT_CHECKSUM, hashBlob } from './hash.js';
import {
  abortMultipart,
  completeMultipart,
  createMultipart,
  listParts,
  signParts,
  type CompletedMultipart,
  type SignedPartUrl,
  type StartedMultipart,
  type StoredPartInfo,
} from './multipart-endpoint.js';
import { partUrls } from './part-urls.js';
import { endpointOf, requestPresign, type EndpointHeaders, type PresignEndpoint } from './request-presign.js';
import { isForbiddenHeader } from './send-with-progress.js';
import { DEFAULT_MULTIPART_THRESHOLD } from './upload-file.js';

/** Options of {@link presignForUppy}. */
export interface PresignForUppyOptions {
  /** URL of the presign endpoint, e.g. `/api/presign`. */
  endpoint: string;
  /** Extra headers for the presign endpoint, e.g. an `authorization`, or a function (possibly async) called before each request. */
  headers?: EndpointHeaders;
  /**
   * On an endpoint with profiles, the one this upload is for, e.g. `avatar`. With the type of the
   * server's profiles, `presignForUppy<typeof profiles>(…)`, only their names compile.
   */
  profile?: string | undefined;
  /** Files of this many bytes or more go as multipart uploads. Default 100 MiB, as `uploadFile`'s; `Infinity` never. */
  multipartThreshold?: number;
  /**
   * The presigner's `partSize`, default 8 MiB as the presigner's. Uppy cuts the parts itself and each
   * part URL signs its exact length, so both must agree; a mismatch fails the upload at its start.
   */
  partSize?: number;
  /**
   * The digest each upload (each part) declares, hashed from the file's bytes in the page: the
   * presigner's `checksum` algorithm, so that the storage refuses any other bytes; `none` hashes
   * nothing. A file Uppy holds no bytes of (a remote file through Companion) declares none.
   * @default 'md5'
   */
  checksum?: ChecksumAlgorithm | 'none';
}

/** The parts of an Uppy file the helper reads (structural, so Uppy stays an optional dependency). */
export interface UppyFileLike {
  id: string;
  name?: string | undefined;
  type?: string | undefined;
  size: number | null;
  /** The file's bytes: hashed for the digest the upload declares. */
  data?: unknown;
}

/** What `getUploadParameters` (Uppy 4–5) expects back. */
export interface UppyUploadParameters {
  method: 'PUT' | 'POST';
  url: string;
  fields: Record<string, string>;
  headers: Record<string, string>;
}

/** What Uppy 6's `signRequest` receives: a PutObject, or a step of a multipart upload (`uploadId` set; `partNumber` for a part). */
export interface UppySignRequest {
  method: string;
  key: string;
  contentType?: string | undefined;
  uploadId?: string | undefined;
  partNumber?: number | undefined;
}

/** What Uppy 6's `signRequest` returns. */
export interface UppySignedRequest {
  url: string;
  key: string;
  headers?: Record<string, string>;
  fields?: Record<string, string>;
}

/** A part URL as Uppy 4–5 send it: PUT to `url` with `headers`. */
export interface UppyPartUrl {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
}

/** A multipart upload as Uppy 4–5 name it. */
export interface UppyMultipartUpload {
  uploadId: string;
  key: string;
}

/** A part as Uppy 4–5 list it. */
export interface UppyPart {
  PartNumber?: number;
  Size?: number;
  ETag?: string;
}

/** Options for `uppy.use(AwsS3, …)`, for `@uppy/aws-s3` 4, 5 and 6 alike. */
export interface UppyAwsS3Options {
  /** Multipart for files of `multipartThreshold` bytes or more. */
  shouldUseMultipart: (file: UppyFileLike) => boolean;
  /** The presigner's part size, grown as the server grows it, so that Uppy cuts the parts the URLs sign. */
  getChunkSize: (file: { size: number }) => number;
  /** Uppy 4–5: `{ method, url, fields, headers }` for one file. */
  getUploadParameters: (file: UppyFileLike) => Promise<UppyUploadParameters>;
  /** Uppy 6: remembers the file under its id, so `signRequest` can presign with its name and size. */
  generateObjectKey: (file: UppyFileLike) => string;
  /** Uppy 6: presigns the PutObject request that `generateObjectKey` named, and answers each multipart step. */
  signRequest: (request: UppySignRequest) => Promise<UppySignedRequest>;
  /** Uppy 4–5: starts a multipart upload on the endpoint. */
  createMultipartUpload: (file: UppyFileLike) => Promise<UppyMultipartUpload>;
  /** Uppy 4–5: the URL of one part, signed with its exact length (and the digest of `body`, the part's bytes). */
  signPart: (
    file: UppyFileLike,
    options: UppyMultipartUpload & { partNumber: number; body?: Blob },
  ) => Promise<UppyPartUrl>;
  /** Uppy 4–5: the parts the storage holds, to resume. */
  listParts: (file: UppyFileLike, options: UppyMultipartUpload) => Promise<UppyPart[]>;
  /** Uppy 4–5: completes the upload; the server checks the stored parts itself. */
  completeMultipartUpload: (
    file: UppyFileLike,
    options: UppyMultipartUpload & { parts: UppyPart[] },
  ) => Promise<{ location: string }>;
  /** Uppy 4–5: aborts the upload, so the storage drops its parts. */
  abortMultipartUpload: (file: UppyFileLike, options: UppyMultipartUpload) => Promise<void>;
}

/** Part URLs signed per `signParts` call: Uppy asks for one part at a time. */
const SIGN_AHEAD = 8;

interface MultipartState {
  upload: StartedMultipart;
  /** The file's bytes, when Uppy holds them: each part is hashed from them before it is signed. */
  bytes: Blob | undefined;
  urlFor: (partNumber: number) => Promise<SignedPartUrl>;
  /** The object's URL, read off the first part URL. */
  location: string;
}

/**
 * Connects Uppy's `@uppy/aws-s3` plugin to the presign endpoint: the server still chooses the key,
 * signs the type and size, and Uppy sends exactly what was signed (PUT headers or POST fields).
 * Files of `multipartThreshold` bytes or more go as multipart uploads run by the endpoint. Works
 * with Uppy 6 (`signRequest`) and Uppy 4–5 (`getUploadParameters` and the multipart functions).
 *
 * Uppy 6 sends each multipart step to the URL `signRequest` returns and reads S3's XML answer; the
 * endpoint runs those steps on the server, so for them the helper returns a `data:` URL that holds
 * the answer (a page whose CSP sets `connect-src` must allow `data:`). Uppy must read each part's
 * ETag: the bucket's CORS rules need `ExposeHeaders: ["ETag"]`.
 *
 * Each file (each part) is hashed in the page before it is presigned, and the digest signed, so
 * the storage refuses bytes that changed on the way (see `checksum`).
 *
 * @example
 * ```ts
 * import Uppy from '@uppy/core';
 * import AwsS3 from '@uppy/aws-s3';
 * import { presignForUppy } from 'upload-presigner/client';
 *
 * const uppy = new Uppy().use(AwsS3, presignForUppy({ endpoint: '/api/presign' }));
 * uppy.on('upload-success', (file, response) => console.log(response.body?.key));
 * ```
 */
export function presignForUppy<Profiles = never>(
  options: PresignForUppyOptions & ProfileChoice<Profiles>,
): UppyAwsS3Options {
  const target: PresignEndpoint = endpointOf(options);
  const threshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
  const chunkSize = (size: number) => partSizeFor(size, options.partSize ?? DEFAULT_PART_SIZE);
  const files = new Map<string, UppyFileLike>();
  const checksum = options.checksum ?? DEFAULT_CHECKSUM;
  const presign = async (file: UppyFileLike, contentType?: string) => {
    const bytes = checksum === 'none' ? undefined : bytesOf(file);
    const digest = bytes && (await hashBlob(bytes, checksum as ChecksumAlgorithm));
    return requestPresign(target, { ...describe(file, contentType), ...(digest && { checksum: digest }) });
  };
  const multipart = multipartUploads(target, chunkSize, checksum);

  return {
    shouldUseMultipart: (file) => (file.size ?? 0) > 0 && (file.size ?? 0) >= threshold,
    getChunkSize: (file) => chunkSize(file.size),
    async getUploadParameters(file) {
      const presigned = await presign(file);
      return presigned.method === 'PUT'
        ? { method: 'PUT', url: presigned.uploadUrl, fields: {}, headers: settableHeaders(presigned.headers) }
        : { method: 'POST', url: presigned.uploadUrl, fields: presigned.fields, headers: {} };
    },
    generateObjectKey(file) {
      files.set(file.id, file);
      return file.id;
    },
    async signRequest(request) {
      if (request.uploadId !== undefined) return answerMultipartStep(multipart, request.uploadId, request);
      // Uppy may sign again when it retries, so the file stays known; a file's metadata is small.
      const file = files.get(request.key);
      if (file && request.method === 'PUT') {
        const presigned = await presign(file, request.contentType);
        return presigned.method === 'PUT'
          ? { url: presigned.uploadUrl, key: presigned.key, headers: settableHeaders(presigned.headers) }
          : { url: presigned.uploadUrl, key: presigned.key, fields: presigned.fields };
      }
      if (file && request.method === 'POST') {
        const { upload } = await multipart.start(file);
        const xml = `<InitiateMultipartUploadResult>${element('Key', upload.key)}${element('UploadId', upload.uploadId)}</InitiateMultipartUploadResult>`;
        return { url: xmlAnswer(xml), key: upload.key };
      }
      throw unsupportedRequest(request);
    },
    async createMultipartUpload(file) {
      const { upload } = await multipart.start(file);
      return { uploadId: upload.uploadId, key: upload.key };
    },
    async signPart(_file, { uploadId, partNumber, body }) {
      const part = await multipart.partUrl(multipart.known(uploadId), partNumber, body);
      return { method: 'PUT', url: part.url, headers: settableHeaders(part.headers) };
    },
    async listParts(_file, { uploadId }) {
      const parts = await multipart.stored(multipart.known(uploadId));
      return parts.map(({ partNumber, size, etag }) => ({ PartNumber: partNumber, Size: size, ETag: etag }));
    },
    async completeMultipartUpload(_file, { uploadId }) {
      const state = multipart.known(uploadId);
      await multipart.complete(state);
      return { location: state.location };
    },
    async abortMultipartUpload(_file, { uploadId }) {
      await multipart.abort(multipart.known(uploadId));
    },
  };
}

/** The bytes of a file Uppy holds in the page; a remote file (Companion) has none. */
const bytesOf = (file: UppyFileLike): Blob | undefined => (file.data instanceof Blob ? file.data : undefined);

/** What the endpoint is told about a file Uppy hands over. */
function describe(file: UppyFileLike, contentType?: string) {
  return {
    fileName: file.name ?? 'upload',
    contentType: contentType || file.type || 'application/octet-stream',
    size: file.size ?? 0,
  };
}

type MultipartUploads = ReturnType<typeof multipartUploads>;

/** The multipart uploads this page started, by upload id: Uppy names an upload by its id, the endpoint by its token. */
function multipartUploads(
  target: PresignEndpoint,
  chunkSize: (size: number) => number,
  checksum: ChecksumAlgorithm | 'none',
) {
  const uploads = new Map<string, MultipartState>();
  const hash = (bytes: Blob, start = 0, end = bytes.size) =>
    hashBlob(bytes, checksum as ChecksumAlgorithm, { start, end });

  async function start(file: UppyFileLike): Promise<MultipartState> {
    const upload = await createMultipart(target, describe(file));
    if (upload.partSize !== chunkSize(upload.size)) {
      await abortMultipart(target, upload.token).catch(() => undefined);
      throw new UploadError(
        `The presigner cuts parts of ${formatSize(upload.partSize)}, but Uppy would cut ${formatSize(chunkSize(upload.size))}: ` +
          "pass the presigner's partSize to presignForUppy({ partSize }).",
        { stage: 'presign', status: 0, code: 'PART_SIZE_MISMATCH' },
      );
    }
    const bytes = checksum === 'none' ? undefined : bytesOf(file);
    const { partSize, partCount, token } = upload;
    // Parts are hashed as a batch is signed: Uppy sends a few at a time, the batch is 8 parts ahead.
    const digestsOf = (numbers: number[]) =>
      Promise.all(numbers.map((n) => hash(bytes!, (n - 1) * partSize, Math.min(n * partSize, upload.size))));
    const state: MultipartState = {
      upload,
      bytes,
      urlFor: partUrls(
        async (numbers) => signParts(target, token, numbers, bytes && (await digestsOf(numbers))),
        partCount,
        SIGN_AHEAD,
      ),
      location: '',
    };
    uploads.set(upload.uploadId, state);
    return state;
  }
  function known(uploadId: string): MultipartState {
    const state = uploads.get(uploadId);
    if (state) return state;
    throw new UploadError(
      `presignForUppy did not start the multipart upload ${uploadId} in this page, or it has ended; ` +
        'an upload cannot resume after a reload, since its token lives in memory.',
      { stage: 'presign', status: 0, code: 'UNKNOWN_UPLOAD' },
    );
  }
  /**
   * The URL of one part. Without the file's bytes (Uppy 4–5 may hand `signPart` only the part's
   * `body`), the part is signed alone with the digest of `body`.
   */
  async function partUrl(state: MultipartState, partNumber: number, body?: Blob): Promise<SignedPartUrl> {
    const part =
      checksum !== 'none' && !state.bytes && body
        ? (await signParts(target, state.upload.token, [partNumber], [await hash(body)])).parts[0]!
        : await state.urlFor(partNumber);
    state.location ||= part.url.split('?')[0]!;
    return part;
  }
  async function complete(state: MultipartState): Promise<CompletedMultipart> {
    const stored = await completeMultipart(target, state.upload.token);
    uploads.delete(state.upload.uploadId);
    return stored;
  }
  async function abort(state: MultipartState): Promise<void> {
    await abortMultipart(target, state.upload.token);
    uploads.delete(state.upload.uploadId);
  }
  const stored = async (state: MultipartState): Promise<StoredPartInfo[]> =>
    (await listParts(target, state.upload.token)).parts;

  return { start, known, partUrl, complete, abort, stored };
}

/**
 * Uppy 6 sends each step of a started multipart upload to the URL `signRequest` returns and reads
 * S3's XML answer: the endpoint runs the step here, and the URL answers what S3 would have.
 */
async function answerMultipartStep(
  multipart: MultipartUploads,
  uploadId: string,
  request: UppySignRequest,
): Promise<UppySignedRequest> {
  // Checked before the id, so an unsupported request is refused as such whatever upload it names.
  const isStep =
    (request.method === 'PUT' && request.partNumber !== undefined) ||
    ['GET', 'POST', 'DELETE'].includes(request.method);
  if (!isStep) throw unsupportedRequest(request);
  const state = multipart.known(uploadId);
  const key = state.upload.key;
  if (request.method === 'PUT' && request.partNumber !== undefined) {
    const part = await multipart.partUrl(state, request.partNumber);
    return { url: part.url, key, headers: settableHeaders(part.headers) };
  }
  if (request.method === 'GET') {
    const parts = (await multipart.stored(state)).map(
      ({ partNumber, etag, size }) =>
        `<Part>${element('PartNumber', partNumber)}${element('ETag', etag)}${element('Size', size)}</Part>`,
    );
    return { url: xmlAnswer(`<ListPartsResult>${parts.join('')}</ListPartsResult>`), key };
  }
  if (request.method === 'POST') {
    const object = await multipart.complete(state);
    const fields =
      element('Location', state.location) +
      element('Key', object.key) +
      (object.etag ? element('ETag', object.etag) : '');
    return {
      url: xmlAnswer(`<CompleteMultipartUploadResult>${fields}</CompleteMultipartUploadResult>`),
      key: object.key,
    };
  }
  // What is left is DELETE: Uppy aborts the upload.
  await multipart.abort(state);
  return { url: xmlAnswer(''), key };
}

function unsupportedRequest(request: UppySignRequest): UploadError {
  return new UploadError(
    `presignForUppy signs uploads and the multipart steps of uploads it started, not ${request.method} ${request.uploadId ? 'multipart ' : ''}requests; ` +
      'pass presignForUppy(…) to uppy.use(AwsS3, …) unchanged (it sets generateObjectKey).',
    { stage: 'presign', status: 0, code: 'UNSUPPORTED_REQUEST' },
  );
}

/** Browsers send Content-Length themselves and refuse scripts that try. */
function settableHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !isForbiddenHeader(name)));
}

/** A URL whose every request (any method) answers `xml`, for the steps the endpoint ran already. */
function xmlAnswer(xml: string): string {
  return `data:application/xml;charset=utf-8,${encodeURIComponent(xml)}`;
}

// Named entities: Uppy's XML reader decodes these five and no numeric ones.
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** `<name>text</name>`, the text escaped. */
const element = (name: string, text: string | number) =>
  `<${name}>${String(text).replace(/[&<>"']/g, (char) => XML_ENTITIES[char]!)}</${name}>`;
