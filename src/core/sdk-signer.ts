import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { DeclaredChecksum } from './checksum.js';
import type { Credentials } from './sigv4.js';

// The AWS SDK path, loaded only when a presigner needs it (an injected client, a configuration the
// direct signer does not cover, or credentials that only the SDK's provider chain can find), so
// that a Lambda on the common path never pays for importing it. The imports are dynamic here too:
// a bundler that inlines this module would otherwise hoist static ones to the top of the bundle.

/** What both signers are given for one upload. */
export interface SignRequest {
  bucket: string;
  key: string;
  contentType: string;
  size: number | undefined;
  expiresIn: number;
  /** Signed as Content-Disposition (PUT) or an exact-match `Content-Disposition` field (POST). */
  contentDisposition?: string | undefined;
  /** PUT only: sign no `If-None-Match: *`, so the URL may replace an existing object. */
  overwrite?: boolean;
  /** POST only: the policy's size range. */
  range?: [number, number] | undefined;
  /** The digest the client declared: Content-MD5 or an `x-amz-checksum-*` value, signed. */
  checksum?: DeclaredChecksum | undefined;
}

/** Signs with the SDK through `client`. */
/** One UploadPart to sign: its length always, its digest when the client declared one. */
export interface PartToSign {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  size: number;
  checksum?: DeclaredChecksum | undefined;
  expiresIn: number;
  date: Date;
}

export interface SdkSigner {
  credentials(): Promise<Credentials>;
  put(request: SignRequest, headers: Record<string, string>): Promise<string>;
  post(request: SignRequest): Promise<{ url: string; fields: Record<string, string> }>;
  part(part: PartToSign): Promise<string>;
}

/** An SDK client for the options, with checksums only where S3 requires them. */
export async function createS3Client(
  config: Pick<S3ClientConfig, 'region' | 'endpoint' | 'forcePathStyle' | 'credentials'>,
): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({
    ...config,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * The SDK (≥3.729, default `requestChecksumCalculation`) adds a CRC32 of the empty body to every
 * presigned PUT, which AWS and most S3-compatible servers then reject against the real bytes.
 * Removing the headers before the presigner hoists them into the query keeps URLs clean even with
 * an injected client on the SDK's defaults; only the digest the client declared stays.
 */
const stripChecksumHeaders =
  (declared: DeclaredChecksum | undefined) =>
  <Args extends { request?: unknown }, Output>(next: (args: Args) => Promise<Output>) =>
  (args: Args) => {
    const headers = (args.request as { headers: Record<string, string> }).headers;
    const kept = declared && declared.algorithm !== 'md5' ? `x-amz-checksum-${declared.algorithm}` : undefined;
    for (const name of Object.keys(headers)) {
      if (/^x-amz-(?:sdk-)?checksum-/i.test(name) && name.toLowerCase() !== kept) delete headers[name];
    }
    return next(args);
  };

/** The command's parameter for a declared digest, as S3's API names it. */
const CHECKSUM_PARAMETER = {
  md5: 'ContentMD5',
  sha256: 'ChecksumSHA256',
  crc32: 'ChecksumCRC32',
  crc64nvme: 'ChecksumCRC64NVME',
} as const;
const checksumParameter = (checksum: DeclaredChecksum | undefined) =>
  checksum ? { [CHECKSUM_PARAMETER[checksum.algorithm]]: checksum.value } : {};

function withoutChecksums<Command extends { middlewareStack: { addRelativeTo: Function } }>(
  command: Command,
  declared: DeclaredChecksum | undefined,
): Command {
  command.middlewareStack.addRelativeTo(stripChecksumHeaders(declared), {
    name: 'uploadPresignerStripChecksum',
    relation: 'before',
    toMiddleware: 'presignInterceptMiddleware',
  });
  return command;
}

export function sdkSigner(client: S3Client): SdkSigner {
  return {
    credentials: () => client.config.credentials(),
    async put(request, headers) {
      const [{ PutObjectCommand }, { getSignedUrl }] = await Promise.all([
        import('@aws-sdk/client-s3'),
        import('@aws-sdk/s3-request-presigner'),
      ]);
      const command = new PutObjectCommand({
        Bucket: request.bucket,
        Key: request.key,
        ContentType: request.contentType,
        ContentLength: request.size,
        ContentDisposition: headers['content-disposition'],
        IfNoneMatch: headers['if-none-match'],
        ...checksumParameter(request.checksum),
      });
      return getSignedUrl(client, withoutChecksums(command, request.checksum), {
        expiresIn: request.expiresIn,
        signableHeaders: new Set(Object.keys(headers)),
      });
    },
    async part(part) {
      const [{ UploadPartCommand }, { getSignedUrl }] = await Promise.all([
        import('@aws-sdk/client-s3'),
        import('@aws-sdk/s3-request-presigner'),
      ]);
      const command = new UploadPartCommand({
        Bucket: part.bucket,
        Key: part.key,
        UploadId: part.uploadId,
        PartNumber: part.partNumber,
        ContentLength: part.size,
        ...checksumParameter(part.checksum),
      });
      return getSignedUrl(client, withoutChecksums(command, part.checksum), {
        expiresIn: part.expiresIn,
        signingDate: part.date,
        signableHeaders: new Set(
          part.checksum?.algorithm === 'md5' ? ['content-length', 'content-md5'] : ['content-length'],
        ),
      });
    },
    async post(request) {
      // The form goes where the SDK would send a PutObject of the key (its endpoint rules: access
      // points, S3 Express, FIPS, other partitions); the policy is the one the direct signer makes,
      // which is createPresignedPost's byte for byte (test/core/sdk-signer.test.ts), signed with the
      // client's region, credentials and clock. @aws-sdk/s3-presigned-post pins one exact
      // @aws-sdk/client-s3, so every install carried a second copy of the SDK's S3 client for it.
      const [{ PutObjectCommand }, { getEndpointFromInstructions }, { presignUploadPost }] = await Promise.all([
        import('@aws-sdk/client-s3'),
        import('@smithy/core/endpoints'),
        import('./sigv4-post.js'),
      ]);
      const [{ url }, region, credentials] = await Promise.all([
        getEndpointFromInstructions({ Bucket: request.bucket, Key: request.key }, PutObjectCommand, client.config, {
          logger: client.config.logger,
        }),
        client.config.region(),
        client.config.credentials(),
      ]);
      const location = {
        protocol: url.protocol as 'http:' | 'https:',
        host: url.host,
        basePath: url.pathname === '/' ? '' : url.pathname,
      };
      return presignUploadPost(request, {
        location,
        region,
        credentials,
        date: new Date(Date.now() + client.config.systemClockOffset),
      });
    },
  };
}
