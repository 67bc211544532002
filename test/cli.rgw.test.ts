import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageAsBuilt } from './helpers/readme-blocks.js';
import { rgw, TEST_BUCKET } from './helpers/s3.js';
import { INSTALL_MS, RUNTIMES, runtimeBinary } from './runtimes/runtimes.js';

const run = promisify(execFile);

let workDir: string;

beforeAll(() => {
  workDir = packageAsBuilt();
}, 600_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** This Node (the oldest supported, in `npm test`) and the newer ones Lambda runs, from the npm registry. */
const NODES = RUNTIMES.filter(({ name }) => name.endsWith('(this one)') || name === 'Node 22' || name === 'Node 24');

describe('npx upload-presigner', () => {
  it.each(NODES)(
    'prints its findings and nothing on stderr, on $name',
    { timeout: INSTALL_MS + 60_000 },
    async (runtime) => {
      // Prepare: the package's bin as npx runs it, in an environment that never heard of the SDK's switches.
      const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _quiet, ...env } = process.env;
      const args = [
        'doctor',
        'cors',
        '--bucket',
        TEST_BUCKET,
        '--origin',
        'http://127.0.0.1:1',
        '--endpoint',
        rgw.endpoint,
        '--path-style',
      ];
      // Act: an origin no rule admits, so the command reports and exits 1.
      const result = await run(
        runtimeBinary(runtime),
        [join(workDir, 'node_modules', 'upload-presigner', 'dist', 'cli.js'), ...args],
        {
          env: {
            ...env,
            AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
            AWS_REGION: rgw.region,
          },
          timeout: 60_000,
        },
      ).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      // Assess
      expect(result.stdout).toContain('ORIGIN_NOT_ALLOWED');
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('');
    },
  );
});
