import { afterAll, vi } from 'vitest';

// Files run without isolation (each worker imports the SDK and the library once, not once per
// file; vitest.config.ts), so what a file stubs must not outlive it: environment variables and
// globals it stubbed, spies, and fake timers are put back after its last test.
afterAll(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.useRealTimers();
});
