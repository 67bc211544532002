import { createPresigner } from 'upload-presigner';
import { toFetchHandler } from 'upload-presigner/fetch';

const env = process.env;
const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);

let handler: ((request: Request) => Promise<Response>) | undefined;

/**
 * Made on the first request, not when the module loads: `next build` imports this file without the
 * server's variables, and a missing bucket must fail the request that needs it, not the build.
 */
function presign(request: Request): Promise<Response> {
  handler ??= toFetchHandler(
    createPresigner({
      bucket: env.PRESIGN_BUCKET ?? '',
      prefix: env.PRESIGN_PREFIX || undefined,
      allowedTypes: list(env.PRESIGN_ALLOWED_TYPES) ?? ['image/*', 'application/pdf'],
      // S3 itself refuses a larger body: the size is signed into the URL.
      maxSize: env.PRESIGN_MAX_SIZE ? Number(env.PRESIGN_MAX_SIZE) : 10 * 1024 * 1024,
      endpoint: env.PRESIGN_S3_ENDPOINT || undefined,
      forcePathStyle: env.PRESIGN_FORCE_PATH_STYLE === 'true',
      // 32+ characters, the same on every instance: enables multipart uploads and receipts.
      secret: env.PRESIGN_SECRET || undefined,
    }),
    // Add `authorize` before deploying: anyone who can reach this route can upload within the limits.
    { allowedOrigins: list(env.PRESIGN_ALLOWED_ORIGINS) },
  );
  return handler(request);
}

// Region and credentials come from the AWS SDK's usual chain (AWS_REGION, AWS_ACCESS_KEY_ID, …).
// The handler answers a preflight itself; Next.js answers 405 to the methods not exported here.
export { presign as POST, presign as OPTIONS };
