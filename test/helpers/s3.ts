import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutBucketCorsCommand, S3Client, type CORSRule } from '@aws-sdk/client-s3';
import { createPresigner, type PresignerOptions, type UploadMethod } from '../../src/index.js';

/** The Ceph RGW that `scripts/s3-server.sh start` runs; the defaults match that script's. */
export const rgw = {
  endpoint: process.env.S3_ENDPOINT ?? `http://127.0.0.1:${process.env.S3_PORT ?? 7480}`,
  region: 'us-east-1',
  credentials: {
    accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'UPLOADPRESIGNERTEST',
    secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'upload-presigner-test-secret-key-0000',
  },
};

/** The bucket every integration test writes to; created by the global setup. */
export const TEST_BUCKET = 'upload-presigner-test';

/** An SDK client for RGW, to check what the storage holds. */
export function rgwClient(): S3Client {
  return new S3Client({ ...rgw, forcePathStyle: true });
}

/** Creates `bucket` in RGW unless it is there, and sets its CORS rules when given. */
export async function ensureBucket(bucket: string, corsRules?: CORSRule[]): Promise<void> {
  const client = rgwClient();
  await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: Error) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });
  if (corsRules)
    await client.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: corsRules } }));
}

/** A presigner aimed at RGW's test bucket. */
export function rgwPresigner<Context = unknown, Method extends UploadMethod = 'PUT'>(
  options: Omit<
    PresignerOptions<Context, Method>,
    'bucket' | 'endpoint' | 'region' | 'credentials' | 'forcePathStyle'
  > &
    Partial<Pick<PresignerOptions<Context, Method>, 'bucket'>>,
) {
  return createPresigner<Context, Method>({ bucket: TEST_BUCKET, ...rgw, forcePathStyle: true, ...options });
}

/** A presigner aimed at RGW's test bucket through an injected S3Client: it signs and calls S3 through the SDK. */
export function rgwSdkPresigner<Context = unknown, Method extends UploadMethod = 'PUT'>(
  options: Parameters<typeof rgwPresigner<Context, Method>>[0],
) {
  return createPresigner<Context, Method>({ bucket: TEST_BUCKET, client: rgwClient(), ...options });
}

/**
 * A presigner's two ways to call S3 (verify, promotion, multipart steps), for tests that run on
 * both: over fetch, signed by the presigner itself (it has credentials), and through the SDK (it
 * was given an S3Client).
 */
export const S3_CALL_PATHS = [
  { path: 'S3 over fetch', rgwPresigner },
  { path: 'S3 through an injected S3Client', rgwPresigner: rgwSdkPresigner },
] as const;

/** A small but real JPEG (SOI, APP0/JFIF header, EOI) whose bytes differ on each call. */
export function jpegBytes(extra = 64): Uint8Array<ArrayBuffer> {
  const header = [
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00,
  ];
  const bytes = new Uint8Array(header.length + extra + 2);
  bytes.set(header);
  bytes.set(randomBytes(extra), header.length);
  bytes.set([0xff, 0xd9], header.length + extra);
  return bytes;
}
