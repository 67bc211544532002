import { PresignError } from '../errors.js';
import {
  CompleteMultipartSchema,
  CreateMultipartSchema,
  SignPartsSchema,
  UploadTokenSchema,
} from '../action-schemas.js';
import { MAX_PARTS } from '../schemas.js';
import type { CompletedUpload, MultipartUpload, Presigner, SignedPart, SignedParts, StoredPart } from '../types.js';
import { parseRequest, type ResolvedOptions } from './config.js';
import { admitChecksum } from './checksum.js';
import { multipartDisabled } from './create-presigner.js';
import { clampToCredentials, expiry, hoistedChecksum, loadCredentials, signing, type Signer } from './signer.js';
import { presignPut, type Credentials } from './sigv4.js';
import { asStorageError, s3ErrorCode, type S3Calls } from './s3-calls.js';
import type { PartToSign } from './sdk-signer.js';
import { partSizeFor } from '../protocol.js';
import { open } from './receipt-open.js';
import { seal } from './receipt.js';
import { admitUpload } from './upload-request.js';

// A multipart upload is stateless on the server: what it declared (key, upload id, size, part size,
// type) travels in a token sealed with `secret` (receipt.ts), bound to this presigner's rules and
// to the caller, so any instance can check a later request without a database. Each part URL signs
// that part's exact length, so the storage itself refuses a part of another size, and completion
// first checks every part the storage holds: the object can never be larger than declared.

/** How long a token is accepted: long enough for a slow upload of 5 TiB, short enough to end. */
const TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/** What a token carries, sealed. */
interface UploadClaims {
  bucket: string;
  key: string;
  uploadId: string;
  size: number;
  partSize: number;
  contentType: string;
}

/** The multipart methods of a presigner. */
export type MultipartOperations<Context> = Pick<
  Presigner<Context>,
  'createMultipart' | 'signParts' | 'listParts' | 'completeMultipart' | 'abortMultipart'
>;

/**
 * The multipart half of a presigner; `client` and `signer` are shared with single uploads, and
 * `receipt` seals what `verify` later takes back (see create-presigner.ts).
 */
export function multipartOperations<Context>(
  config: ResolvedOptions,
  s3: () => Promise<S3Calls>,
  signer: Signer | Promise<Signer>,
  {
    fingerprint,
    receipt,
  }: {
    fingerprint: string | Promise<string>;
    receipt: (key: string, context: unknown, expires: number) => string | Promise<string> | undefined;
  },
): MultipartOperations<Context> {
  const secret = () => {
    if (config.secret === undefined) throw multipartDisabled();
    return config.secret;
  };
  // Every step after the first is for the caller the upload was issued to, under these same rules.
  const open = (token: string, context: unknown) => openToken(secret(), token, { fingerprint, context }, config.bucket);

  return {
    async createMultipart(input, context) {
      const tokenSecret = secret();
      const request = parseRequest(CreateMultipartSchema, input, 'multipart request');
      const upload = admitUpload(config, request, context as Context, true);
      const uploadId = await storageCall(async () =>
        (await s3()).createMultipartUpload(upload.key, {
          contentType: upload.contentType,
          contentDisposition: upload.contentDisposition,
        }),
      );
      const partSize = partSizeFor(request.size, config.partSize);
      const expires = Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_SECONDS;
      const claims: UploadClaims = {
        bucket: config.bucket,
        key: upload.key,
        uploadId,
        size: request.size,
        partSize,
        contentType: upload.contentType,
      };
      return {
        method: 'MULTIPART',
        key: upload.key,
        uploadId,
        token: await sealToken(tokenSecret, claims, expires, { fingerprint, context }),
        receipt: (await receipt(upload.key, context, expires))!,
        size: request.size,
        contentType: upload.contentType,
        partSize,
        partCount: partCountOf(claims),
        expiresAt: new Date(expires * 1000).toISOString(),
      } satisfies MultipartUpload;
    },

    async signParts(input, context) {
      const request = parseRequest(SignPartsSchema, input, 'signParts request');
      const claims = await open(request.token, context);
      const partCount = partCountOf(claims);
      const beyond = request.partNumbers.find((partNumber) => partNumber > partCount);
      if (beyond !== undefined) {
        throw new PresignError(
          'INVALID_REQUEST',
          `Part ${beyond} is beyond this upload, which has ${partCount} part${partCount === 1 ? '' : 's'}.`,
        );
      }
      const { checksums } = request;
      if (checksums !== undefined && checksums.length !== request.partNumbers.length) {
        throw new PresignError(
          'INVALID_REQUEST',
          `Invalid signParts request: checksums must hold one digest per part number (${request.partNumbers.length}), not ${checksums.length}.`,
        );
      }
      // Each part's digest is signed into its URL: the promise needs no state on the server.
      const declared = request.partNumbers.map((partNumber, index) =>
        admitChecksum(config.checksum, checksums?.[index], `checksums[${index}] (part ${partNumber})`),
      );
      const resolved = await signer;
      const credentials = await loadCredentials(resolved);
      const expiresIn = clampToCredentials(credentials, config.expiresIn);
      const date = new Date();
      const parts = await signing(() =>
        Promise.all(
          request.partNumbers.map(async (partNumber, index) => {
            const size = partLength(claims, partNumber);
            const checksum = declared[index];
            const url = await signPart(resolved, credentials, {
              bucket: claims.bucket,
              key: claims.key,
              uploadId: claims.uploadId,
              partNumber,
              size,
              checksum,
              expiresIn,
              date,
            });
            const headers: SignedPart['headers'] = { 'content-length': String(size) };
            if (checksum?.algorithm === 'md5') headers['content-md5'] = checksum.value;
            return { partNumber, url, headers };
          }),
        ),
      );
      return { parts, expiresAt: expiry(date, expiresIn), expiresIn } satisfies SignedParts;
    },

    async listParts(input, context) {
      const claims = await open(parseRequest(UploadTokenSchema, input, 'listParts request').token, context);
      const parts = await storedParts(await s3(), claims);
      if (!parts) throw uploadGone(claims);
      return { key: claims.key, parts };
    },

    async completeMultipart(input, context) {
      const request = parseRequest(CompleteMultipartSchema, input, 'completeMultipart request');
      const claims = await open(request.token, context);
      const calls = await s3();
      const parts = await storedParts(calls, claims);
      // Completed already (a retry after a lost answer): the object it made is the answer.
      if (!parts) return (await storedObject(calls, claims)) ?? Promise.reject(uploadGone(claims));
      assertComplete(claims, parts, request.parts ?? []);
      await storageCall(() => calls.completeMultipartUpload(claims.key, claims.uploadId, parts));
      // Some servers (Ceph RGW) answer Complete with an empty ETag: HeadObject tells what is stored.
      const stored = await storedObject(calls, claims);
      if (!stored)
        throw new PresignError('STORAGE_ERROR', `CompleteMultipartUpload succeeded but ${claims.key} is not readable.`);
      return stored;
    },

    async abortMultipart(input, context) {
      const claims = await open(parseRequest(UploadTokenSchema, input, 'abortMultipart request').token, context);
      const calls = await s3();
      // A part still arriving during the abort can survive it (as S3 documents): abort until the
      // storage no longer knows the upload.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await calls.abortMultipartUpload(claims.key, claims.uploadId);
        } catch (error) {
          if (!isNoSuchUpload(error)) throw asStorageError(error);
        }
        if (await storedParts(calls, claims)) continue;
        // The storage forgets a completed upload as it forgets an aborted one: the object tells them apart.
        if (await storedObject(calls, claims)) {
          throw new PresignError(
            'UPLOAD_COMPLETED',
            `The multipart upload of ${claims.key} was already completed: the object stays (delete it if it is unwanted).`,
          );
        }
        return { key: claims.key, aborted: true };
      }
      throw new PresignError('STORAGE_ERROR', `The multipart upload of ${claims.key} survived three aborts.`);
    },
  };
}

const partCountOf = ({ size, partSize }: UploadClaims) => Math.max(1, Math.ceil(size / partSize));

/** Every part is `partSize` bytes but the last, which holds the rest. */
function partLength(claims: UploadClaims, partNumber: number): number {
  const count = partCountOf(claims);
  return partNumber < count ? claims.partSize : claims.size - (count - 1) * claims.partSize;
}

/** Completion proceeds only when the storage holds exactly the declared parts, each at its length. */
function assertComplete(
  claims: UploadClaims,
  parts: StoredPart[],
  sent: { partNumber: number; etag?: string | undefined }[],
): void {
  const count = partCountOf(claims);
  const byNumber = new Map(parts.map((part) => [part.partNumber, part]));
  const problems: string[] = [];
  const missing: number[] = [];
  for (let partNumber = 1; partNumber <= count; partNumber++) {
    const part = byNumber.get(partNumber);
    if (!part) missing.push(partNumber);
    else if (part.size !== partLength(claims, partNumber))
      problems.push(`part ${partNumber} has ${part.size} bytes, not ${partLength(claims, partNumber)}`);
  }
  if (missing.length > 0)
    problems.unshift(
      `${missing.length === 1 ? 'part' : 'parts'} ${listed(missing)} of ${count} ${missing.length === 1 ? 'is' : 'are'} missing`,
    );
  for (const part of parts)
    if (part.partNumber > count) problems.push(`part ${part.partNumber} is beyond the ${count} declared`);
  for (const { partNumber, etag } of sent) {
    const stored = byNumber.get(partNumber);
    if (etag && stored && unquote(etag) !== unquote(stored.etag))
      problems.push(`part ${partNumber} in the storage is not the one sent (ETag ${stored.etag}, not ${etag})`);
  }
  if (problems.length > 0) {
    throw new PresignError(
      'INCOMPLETE_UPLOAD',
      `The upload of ${claims.key} cannot be completed yet: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}.`,
    );
  }
}

const listed = (numbers: number[]) =>
  numbers.length > 10 ? `${numbers.slice(0, 10).join(', ')}, …` : numbers.join(', ');
const unquote = (etag: string) => etag.replace(/^(?:W\/)?"|"$/g, '');

/** Every part the storage holds, or `undefined` when it no longer knows the upload. */
async function storedParts(s3: S3Calls, claims: UploadClaims): Promise<StoredPart[] | undefined> {
  const parts: StoredPart[] = [];
  let marker: string | undefined;
  try {
    // At most 10,000 parts, 1,000 a page: the loop ends.
    for (let page = 0; page <= MAX_PARTS / 1000; page++) {
      const answer = await s3.listParts(claims.key, claims.uploadId, marker);
      parts.push(...answer.parts);
      if (!answer.nextMarker) break;
      marker = answer.nextMarker;
    }
  } catch (error) {
    if (isNoSuchUpload(error)) return undefined;
    throw asStorageError(error);
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

/** The completed object, if it is there with the declared size and type. */
async function storedObject(s3: S3Calls, claims: UploadClaims): Promise<CompletedUpload | undefined> {
  const head = await storageCall(() => s3.headObject(claims.key));
  if (!head || head.size !== claims.size) return undefined;
  return {
    key: claims.key,
    size: head.size,
    contentType: head.contentType ?? claims.contentType,
    ...(head.etag && { etag: head.etag }),
  };
}

const uploadGone = (claims: UploadClaims) =>
  new PresignError(
    'NOT_FOUND',
    `The multipart upload of ${claims.key} no longer exists: it was completed, aborted or expired.`,
  );

// S3 says NoSuchUpload; Ceph RGW says NoSuchKey once the upload was completed.
const isNoSuchUpload = (error: unknown) => ['NoSuchUpload', 'NoSuchKey'].includes(s3ErrorCode(error) ?? '');

const storageCall = <T>(call: () => Promise<T>): Promise<T> =>
  call().catch((error: unknown) => Promise.reject(asStorageError(error)));

function sealToken(
  secret: string,
  claims: UploadClaims,
  expires: number,
  binding: { fingerprint: string | Promise<string>; context: unknown },
): string | Promise<string> {
  const { bucket, key, uploadId, size, partSize, contentType } = claims;
  return seal(secret, 'multipart', binding, { bucket, expires, claims: [key, uploadId, size, partSize, contentType] });
}

async function openToken(
  secret: string,
  token: string,
  binding: { fingerprint: string | Promise<string>; context: unknown },
  bucket: string,
): Promise<UploadClaims> {
  const [key, uploadId, size, partSize, contentType] = (await open(secret, 'multipart', token, binding)) as [
    string,
    string,
    number,
    number,
    string,
  ];
  return { bucket, key, uploadId, size, partSize, contentType };
}

/**
 * One UploadPart URL, its length signed (and its digest, when declared): the storage refuses a part
 * of any other size (or other bytes).
 */
async function signPart(signer: Signer, credentials: Credentials, part: PartToSign): Promise<string> {
  if (signer.sdk) return signer.sdk.part(part);
  const headers: Record<string, string> = { 'content-length': String(part.size) };
  if (part.checksum?.algorithm === 'md5') headers['content-md5'] = part.checksum.value;
  const { location, region } = signer;
  return presignPut({
    location,
    region,
    credentials,
    key: part.key,
    headers,
    expiresIn: part.expiresIn,
    date: part.date,
    part,
    hoisted: hoistedChecksum(part.checksum),
  });
}
