import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PresignedPut } from '../../src/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import { readmeBlocks } from '../helpers/readme-blocks.js';
import { jpegBytes, rgw, TEST_BUCKET } from '../helpers/s3.js';
import {
  consumerFolder,
  freePort,
  INSTALL_MS,
  removeConsumer,
  runtimeBinary,
  RUNTIMES,
  serveUntilAnswered,
} from './runtimes.js';

// The README's Bun and Deno servers, run as a reader runs them: the block saved as server.ts beside
// the built package, started by the runtime, asked for a URL that then uploads to Ceph RGW.

const SNIPPETS = [
  { runtime: 'Bun 1.4', marker: 'Bun.serve(', args: ['server.ts'] },
  {
    runtime: 'Deno 2.9',
    marker: 'Deno.serve(',
    args: ['run', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'server.ts'],
  },
];

let consumer: string;
beforeAll(() => {
  consumer = consumerFolder();
}, 600_000);
afterAll(() => removeConsumer(consumer));

describe.each(SNIPPETS)('README: the $runtime server', ({ runtime, marker, args }) => {
  it(
    'presigns a PUT whose URL uploads to RGW (200)',
    async () => {
      const blocks = readmeBlocks('README.md').filter((block) => block.code.includes(marker));
      expect(blocks).toHaveLength(1);
      // Each runtime's own file: Bun's and Deno's blocks sit side by side in one app folder.
      const file = `${runtime.split(' ')[0]!.toLowerCase()}-server.ts`;
      writeFileSync(join(consumer, file), blocks[0]!.code);
      const port = await freePort();
      const server = await serveUntilAnswered(
        runtimeBinary(RUNTIMES.find((candidate) => candidate.name === runtime)!),
        args.map((arg) => (arg === 'server.ts' ? file : arg)),
        consumer,
        {
          PORT: String(port),
          BUCKET: TEST_BUCKET,
          S3_ENDPOINT: rgw.endpoint,
          AWS_REGION: rgw.region,
          AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
          DENO_NO_UPDATE_CHECK: '1',
        },
        `http://127.0.0.1:${port}`,
      );
      try {
        const file = jpegBytes();
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            fileName: `${randomBytes(4).toString('hex')}.jpg`,
            contentType: 'image/jpeg',
            size: file.length,
          }),
          signal: AbortSignal.timeout(STEP_MS),
        });
        expect(response.status).toBe(200);
        const presigned = (await response.json()) as PresignedPut;
        const upload = await fetch(presigned.uploadUrl, {
          method: 'PUT',
          headers: presigned.headers,
          body: file,
          signal: AbortSignal.timeout(STEP_MS),
        });
        expect(upload.status).toBe(200);
      } finally {
        await server.stop();
      }
    },
    INSTALL_MS + STEP_MS * 3,
  );
});
