import type { S3Client } from '@aws-sdk/client-s3';
import { S3CallError, type S3Calls } from './s3-calls.js';

// The S3 calls of a presigner that signs through the SDK (an injected S3Client, or a configuration
// the direct signer does not cover), through that client. Loaded only then (see sdk-path.ts).

/** The SDK's error as the {@link S3CallError} s3-fetch.ts throws for the same answer. */
function callError(operation: string, error: unknown): S3CallError {
  const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
  return new S3CallError(operation, name ?? 'Error', $metadata?.httpStatusCode, message ?? String(error), {
    cause: error,
  });
}

/**
 * The S3 calls of `bucket` through `client`.
 *
 * @example
 * ```ts
 * const s3 = await sdkCalls(new S3Client({ region: 'eu-west-1' }), 'uploads');
 * const head = await s3.headObject('uploads/photo.jpg');
 * ```
 */
export async function sdkCalls(client: S3Client, bucket: string): Promise<S3Calls> {
  const sdk = await import('@aws-sdk/client-s3');
  const sent = async <Output>(operation: string, request: Promise<Output>): Promise<Output> => {
    try {
      return await request;
    } catch (error) {
      throw callError(operation, error);
    }
  };
  const Bucket = bucket;
  return {
    async headObject(Key, withChecksums) {
      const command = new sdk.HeadObjectCommand({ Bucket, Key, ...(withChecksums && { ChecksumMode: 'ENABLED' }) });
      const head = await sent('HeadObject', client.send(command)).catch((error: S3CallError) =>
        error.status === 404 ? undefined : Promise.reject(error),
      );
      if (!head) return undefined;
      const checksums = { sha256: head.ChecksumSHA256, crc32: head.ChecksumCRC32, crc64nvme: head.ChecksumCRC64NVME };
      return {
        size: head.ContentLength ?? 0,
        contentType: head.ContentType,
        etag: head.ETag,
        lastModified: head.LastModified,
        checksums: Object.fromEntries(Object.entries(checksums).filter(([, value]) => value)),
        etagIsNoMd5: !!head.SSECustomerAlgorithm || !!head.ServerSideEncryption?.startsWith('aws:kms'),
      };
    },

    async firstBytes(Key, count) {
      const command = new sdk.GetObjectCommand({ Bucket, Key, Range: `bytes=0-${count - 1}` });
      const object = await sent('GetObject', client.send(command));
      return ((await object.Body?.transformToByteArray()) ?? new Uint8Array()).subarray(0, count);
    },

    async copyObject(source, Key, { ifMatch, ifNoneMatch, replaceHeaders } = {}) {
      const command = new sdk.CopyObjectCommand({
        Bucket,
        Key,
        CopySource: `${bucket}/${source.split('/').map(encodeURIComponent).join('/')}`,
        CopySourceIfMatch: ifMatch,
        IfNoneMatch: ifNoneMatch ? '*' : undefined,
        ...(replaceHeaders && {
          MetadataDirective: 'REPLACE',
          ContentType: replaceHeaders.contentType,
          ContentDisposition: replaceHeaders.contentDisposition,
        }),
      });
      const copied = await sent('CopyObject', client.send(command));
      return { etag: copied.CopyObjectResult?.ETag };
    },

    async deleteObject(Key) {
      await sent('DeleteObject', client.send(new sdk.DeleteObjectCommand({ Bucket, Key })));
    },

    async createMultipartUpload(Key, { contentType, contentDisposition }) {
      const command = new sdk.CreateMultipartUploadCommand({
        Bucket,
        Key,
        ContentType: contentType,
        ContentDisposition: contentDisposition,
      });
      const created = await sent('CreateMultipartUpload', client.send(command));
      if (!created.UploadId) throw new S3CallError('CreateMultipartUpload', 'UnreadableAnswer', 200, 'no UploadId');
      return created.UploadId;
    },

    async listParts(Key, UploadId, marker) {
      const command = new sdk.ListPartsCommand({ Bucket, Key, UploadId, PartNumberMarker: marker });
      const answer = await sent('ListParts', client.send(command));
      return {
        parts: (answer.Parts ?? []).map((part) => ({
          partNumber: part.PartNumber!,
          size: part.Size ?? 0,
          etag: part.ETag ?? '',
        })),
        nextMarker: answer.IsTruncated ? answer.NextPartNumberMarker || undefined : undefined,
      };
    },

    async completeMultipartUpload(Key, UploadId, parts) {
      const Parts = parts.map(({ partNumber, etag }) => ({ PartNumber: partNumber, ETag: etag }));
      const command = new sdk.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } });
      await sent('CompleteMultipartUpload', client.send(command));
    },

    async abortMultipartUpload(Key, UploadId) {
      await sent('AbortMultipartUpload', client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key, UploadId })));
    },
  };
}
