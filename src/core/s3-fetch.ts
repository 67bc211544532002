import type { S3Calls, StoredObject } from './s3-calls.js';
import { S3CallError } from './s3-calls.js';
import { escapeXml, readS3Xml, type S3Xml } from './s3-xml.js';
import { formatDate, webSignature, type Credentials, type S3Location } from './sigv4.js';

// The S3 calls of a presigner with the direct signer, made with `fetch` and signed here (SigV4 in
// the Authorization header, Web Crypto, which every runtime has): no AWS SDK, so a Worker bundles
// none, and no DOMParser, which the SDK's browser build needs to read S3's XML and workerd lacks.

/** Where and as whom: what the direct signer knows. */
export interface FetchCallsTarget {
  bucket: string;
  location: S3Location;
  region: string;
  credentials(): Credentials | Promise<Credentials>;
}

/** Three attempts with backoff, as the SDK's standard retry mode makes them, on a 5xx, a 429 or a lost connection. */
const ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 100;

/** S3's names for the statuses of answers without a body (a HEAD's). */
const BODILESS_CODES: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  412: 'PreconditionFailed',
};

/** RFC 3986 encoding, as SigV4 wants paths and query strings. */
const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
const escapeKey = (key: string) => key.split('/').map(escapeUri).join('/');

interface Call {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  key: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
  body?: string;
}

/**
 * The S3 calls of `target`'s bucket over `fetch`.
 *
 * @example
 * ```ts
 * const s3 = fetchCalls({ bucket: 'uploads', location, region: 'auto', credentials: () => keys });
 * const head = await s3.headObject('uploads/photo.jpg');
 * ```
 */
export function fetchCalls(target: FetchCallsTarget): S3Calls {
  const { bucket, location, region } = target;

  async function signedRequest({ method, key, query = {}, headers = {}, body }: Call): Promise<Request> {
    const credentials = await target.credentials();
    const { longDate, shortDate, ...date } = formatDate(new Date());
    const path = `${location.basePath}/${escapeKey(key)}`;
    const canonicalQuery = Object.entries(query)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => `${escapeUri(name)}=${escapeUri(value)}`)
      .sort()
      .join('&');
    const signed: Record<string, string> = {
      host: location.host,
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-amz-date': longDate,
      ...(credentials.sessionToken && { 'x-amz-security-token': credentials.sessionToken }),
    };
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) signed[name] = value;
    const names = Object.keys(signed).sort();
    const canonicalHeaders = names.map((name) => `${name}:${signed[name]!.replace(/\s+/g, ' ').trim()}\n`).join('');
    const signedHeaders = names.join(';');
    const canonicalRequest = `${method}\n${path}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\nUNSIGNED-PAYLOAD`;
    const scope = `${shortDate}/${region}/s3/aws4_request`;
    const signature = await webSignature(
      credentials.secretAccessKey,
      { longDate, shortDate, ...date },
      region,
      `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n`,
      canonicalRequest,
    );
    const { host: _host, ...sent } = signed;
    sent.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    const url = `${location.protocol}//${location.host}${path}${canonicalQuery && `?${canonicalQuery}`}`;
    return new Request(url, { method, headers: sent, body: body ?? null });
  }

  /** The storage's answer, once it is a 2xx (retried on a 5xx, a 429 or a lost connection); else its error. */
  async function send(operation: string, call: Call): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(await signedRequest(call));
      } catch (cause) {
        if (attempt < ATTEMPTS) {
          await backoff(attempt);
          continue;
        }
        throw new S3CallError(operation, 'NetworkError', undefined, (cause as Error)?.message ?? String(cause), {
          cause,
        });
      }
      if (response.ok) return response;
      const retried = (response.status >= 500 || response.status === 429) && attempt < ATTEMPTS;
      if (retried) {
        await response.body?.cancel();
        await backoff(attempt);
        continue;
      }
      const xml = call.method === 'HEAD' ? undefined : readS3Xml(await response.text());
      throw new S3CallError(
        operation,
        (xml?.root === 'Error' && xml.fields.Code) || BODILESS_CODES[response.status] || `Http${response.status}`,
        response.status,
        xml?.fields.Message ?? response.statusText,
      );
    }
  }

  /** A 2xx answer's XML; CopyObject and CompleteMultipartUpload may answer 200 with an `<Error>`. */
  async function answerXml(operation: string, response: Response, record?: string): Promise<S3Xml> {
    const xml = readS3Xml(await response.text(), record);
    if (!xml) throw new S3CallError(operation, 'UnreadableAnswer', response.status, 'the answer is not XML');
    if (xml.root === 'Error')
      throw new S3CallError(operation, xml.fields.Code ?? 'Error', response.status, xml.fields.Message ?? '');
    return xml;
  }

  return {
    async headObject(key, withChecksums) {
      const response = await send('HeadObject', {
        method: 'HEAD',
        key,
        headers: { 'x-amz-checksum-mode': withChecksums ? 'ENABLED' : undefined },
      }).catch((error: unknown) =>
        error instanceof S3CallError && error.status === 404 ? undefined : Promise.reject(error),
      );
      if (!response) return undefined;
      const header = (name: string) => response.headers.get(name) ?? undefined;
      const lastModified = header('last-modified');
      const object: StoredObject = {
        size: Number(header('content-length') ?? 0),
        contentType: header('content-type'),
        etag: header('etag'),
        lastModified: lastModified ? new Date(lastModified) : undefined,
        checksums: {},
        etagIsNoMd5:
          header('x-amz-server-side-encryption-customer-algorithm') !== undefined ||
          header('x-amz-server-side-encryption')?.startsWith('aws:kms') === true,
      };
      for (const algorithm of ['sha256', 'crc32', 'crc64nvme'] as const) {
        const value = header(`x-amz-checksum-${algorithm}`);
        if (value) object.checksums[algorithm] = value;
      }
      return object;
    },

    async firstBytes(key, count) {
      const response = await send('GetObject', { method: 'GET', key, headers: { range: `bytes=0-${count - 1}` } });
      return readAtMost(response, count);
    },

    async copyObject(source, target, { ifMatch, ifNoneMatch, replaceHeaders } = {}) {
      const response = await send('CopyObject', {
        method: 'PUT',
        key: target,
        headers: {
          'x-amz-copy-source': `${escapeUri(bucket)}/${escapeKey(source)}`,
          'x-amz-copy-source-if-match': ifMatch,
          'if-none-match': ifNoneMatch ? '*' : undefined,
          ...(replaceHeaders && {
            'x-amz-metadata-directive': 'REPLACE',
            'content-type': replaceHeaders.contentType,
            'content-disposition': replaceHeaders.contentDisposition,
          }),
        },
      });
      return { etag: (await answerXml('CopyObject', response)).fields.ETag };
    },

    async deleteObject(key) {
      await (await send('DeleteObject', { method: 'DELETE', key })).body?.cancel();
    },

    async createMultipartUpload(key, { contentType, contentDisposition }) {
      const response = await send('CreateMultipartUpload', {
        method: 'POST',
        key,
        query: { uploads: '' },
        headers: { 'content-type': contentType, 'content-disposition': contentDisposition },
      });
      const uploadId = (await answerXml('CreateMultipartUpload', response)).fields.UploadId;
      if (!uploadId) throw new S3CallError('CreateMultipartUpload', 'UnreadableAnswer', 200, 'no UploadId');
      return uploadId;
    },

    async listParts(key, uploadId, marker) {
      const response = await send('ListParts', {
        method: 'GET',
        key,
        query: { uploadId, 'part-number-marker': marker },
      });
      const { fields, records } = await answerXml('ListParts', response, 'Part');
      return {
        parts: records.map((part) => ({
          partNumber: Number(part.PartNumber),
          size: Number(part.Size ?? 0),
          etag: part.ETag ?? '',
        })),
        nextMarker: fields.IsTruncated === 'true' ? fields.NextPartNumberMarker || undefined : undefined,
      };
    },

    async completeMultipartUpload(key, uploadId, parts) {
      const body = `<CompleteMultipartUpload>${parts
        .map(
          ({ partNumber, etag }) =>
            `<Part><PartNumber>${partNumber}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`,
        )
        .join('')}</CompleteMultipartUpload>`;
      const response = await send('CompleteMultipartUpload', {
        method: 'POST',
        key,
        query: { uploadId },
        headers: { 'content-type': 'application/xml' },
        body,
      });
      await answerXml('CompleteMultipartUpload', response);
    },

    async abortMultipartUpload(key, uploadId) {
      await (await send('AbortMultipartUpload', { method: 'DELETE', key, query: { uploadId } })).body?.cancel();
    },
  };
}

const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, FIRST_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)));

/** The first `count` bytes of the answer, read no further (a storage that ignores Range sends it all). */
async function readAtMost(response: Response, count: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(count);
  let length = 0;
  const reader = response.body?.getReader();
  while (reader && length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    const taken = value.subarray(0, count - length);
    bytes.set(taken, length);
    length += taken.length;
  }
  await reader?.cancel();
  return bytes.subarray(0, length);
}
