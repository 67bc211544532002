import { createPresigner } from 'upload-presigner';
import { toFetchHandler } from 'upload-presigner/fetch';

/** The Worker's variables (wrangler.jsonc) and secrets (`wrangler secret put`, or .dev.vars locally). */
interface Env {
  /** R2's S3 API: `https://<ACCOUNT_ID>.r2.cloudflarestorage.com`. */
  R2_ENDPOINT: string;
  R2_BUCKET: string;
  /** An R2 API token's S3 credentials, with Object Read & Write on this bucket only. */
  R2_ACCESS_KEY_ID: string;
  R2_SECRET_ACCESS_KEY: string;
  /** R2 signs for `auto`; another S3-compatible storage may want its own. */
  R2_REGION?: string;
  /** Comma-separated origins of the pages that call this Worker. */
  ALLOWED_ORIGINS?: string;
  /** 32+ characters: enables receipts, with which a browser verifies its upload, and multipart uploads (see README.md). */
  PRESIGN_SECRET?: string;
}

let presign: ((request: Request) => Promise<Response>) | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    // Made once per isolate, on its first request: that is when a Worker first sees its env.
    presign ??= toFetchHandler(
      createPresigner({
        bucket: env.R2_BUCKET,
        endpoint: env.R2_ENDPOINT,
        region: env.R2_REGION ?? 'auto',
        // R2 serves every bucket under the account's host, so the bucket goes in the path.
        forcePathStyle: true,
        credentials: { accessKeyId: env.R2_ACCESS_KEY_ID, secretAccessKey: env.R2_SECRET_ACCESS_KEY },
        allowedTypes: ['image/*', 'application/pdf'],
        // R2 itself refuses a larger body: the size is signed into the URL.
        maxSize: 10 * 1024 * 1024,
        secret: env.PRESIGN_SECRET || undefined,
      }),
      // Add `authorize` before deploying: anyone who can reach this Worker can upload within the limits.
      { allowedOrigins: env.ALLOWED_ORIGINS?.split(',').map((origin) => origin.trim()) },
    );
    return presign(request);
  },
} satisfies ExportedHandler<Env>;
