import type { SdkPath } from './sdk-path.js';

/**
 * sdk-path.ts in the build for the workerd, worker and browser conditions: no SDK path, so that
 * bundlers inline no AWS SDK into a Worker or Edge bundle.
 *
 * @example
 * ```ts
 * if (!sdkPath) throw new PresignError('INVALID_OPTIONS', '…');
 * ```
 */
export const sdkPath: SdkPath | undefined = undefined;
