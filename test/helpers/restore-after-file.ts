import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, vi } from 'vitest';

// Files run without isolation (each worker imports the SDK and the library once, not once per
// file; vitest.config.ts), so what a file stubs must not outlive it: environment variables and
// globals it stubbed, spies, fake timers, and aws-sdk-client-mock's `mockClient(S3Client)`, which
// replaces the prototype's `send` for every client until restored, are put back after its last test.
afterAll(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.useRealTimers();
  (S3Client.prototype.send as { restore?: () => void }).restore?.();
});
