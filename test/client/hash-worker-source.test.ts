import { describe, expect, it } from 'vitest';
import { HASH_WORKER_SOURCE } from '../../src/client/hash-worker-source.js';

describe('the hashing Worker script', () => {
  it('is a fresh build of hash-worker.ts and hashers.ts (else run node scripts/hash-worker.mjs)', async () => {
    // Act
    // @ts-expect-error -- a plain .mjs script, run by Node as it is, without declarations
    const { hashWorkerSourceModule } = await import('../../scripts/hash-worker.mjs');
    const fresh: string = await hashWorkerSourceModule();
    // Assess
    const { readFile } = await import('node:fs/promises');
    expect(fresh).toBe(await readFile(new URL('../../src/client/hash-worker-source.ts', import.meta.url), 'utf8'));
    // Self-contained: hash-wasm's WebAssembly rides inside, nothing is fetched or imported.
    expect(HASH_WORKER_SOURCE).not.toMatch(/\bimport\s*\(|\bimportScripts\b|\bfetch\s*\(/);
  });
});
