import { ensureBucket, rgw, TEST_BUCKET } from './s3.js';

/**
 * The ports browser files serve their pages from: browser files run in parallel, so each vitest
 * worker has one of its own (see PAGE_PORT), and the test bucket's CORS admits every one.
 */
const PAGE_PORTS = Array.from({ length: 16 }, (_, index) => 5173 + index);

/** Origins that browser tests serve their pages from; the test bucket's CORS admits them. */
export const TEST_ORIGINS = PAGE_PORTS.flatMap((port) => [`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

/**
 * This worker's page port, one of TEST_ORIGINS': vitest numbers its workers from 1 (VITEST_POOL_ID),
 * so two browser files running at once never ask for the same port.
 *
 * @example
 * server = await startPageServer(PAGE_PORT);
 */
export const PAGE_PORT = pagePort(Number(process.env.VITEST_POOL_ID ?? 1));

function pagePort(worker: number): number {
  const port = PAGE_PORTS[worker - 1];
  if (port === undefined)
    throw new Error(`Vitest worker ${worker} has no page port: run at most ${PAGE_PORTS.length} workers.`);
  return port;
}

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
