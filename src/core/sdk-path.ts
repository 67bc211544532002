// Every import of the AWS SDK's code goes through this module: signing through an S3Client
// (sdk-signer.ts) and the S3 calls through one (s3-sdk.ts). The build for the workerd, worker and
// browser conditions (tsup.config.ts) puts no-sdk-path.ts in its place, so that a Worker or Edge
// bundle holds no SDK: there, the direct signer and s3-fetch.ts do everything.

/** Loads the SDK path's modules; `undefined` in the build without the SDK. */
export interface SdkPath {
  signer: () => Promise<typeof import('./sdk-signer.js')>;
  calls: () => Promise<typeof import('./s3-sdk.js')>;
}

/**
 * The SDK path of this build.
 *
 * @example
 * ```ts
 * const { createS3Client } = await sdkPath!.signer();
 * ```
 */
export const sdkPath: SdkPath | undefined = {
  signer: () => import('./sdk-signer.js'),
  calls: () => import('./s3-sdk.js'),
};
