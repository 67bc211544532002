import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Synthesizing loads aws-cdk-lib, which alone takes seconds on a cold start or a busy CI machine.
    testTimeout: 60_000,
  },
});
