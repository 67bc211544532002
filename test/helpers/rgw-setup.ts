import { ensureBucket, rgw, TEST_BUCKET } from './s3.js';

/** Origins that browser tests serve their pages from; the test bucket's CORS admits them. */
export const TEST_ORIGINS = ['http://127.0.0.1:5173', 'http://localhost:5173'];

/**
 * Runs once before the integration project. It fails (never skips) when RGW is not reachable, so a
 * CI run without the storage cannot pass by proving nothing.
 */
export default async function setup(): Promise<void> {
  try {
    await fetch(rgw.endpoint, { signal: AbortSignal.timeout(5000) });
  } catch (cause) {
    throw new Error(`Ceph RGW is not reachable at ${rgw.endpoint}: run \`bash scripts/s3-server.sh start\` first.`, {
      cause,
    });
  }
  await ensureBucket(TEST_BUCKET, [
    {
      AllowedOrigins: TEST_ORIGINS,
      AllowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
      AllowedHeaders: ['*'],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: 600,
    },
  ]);
}
