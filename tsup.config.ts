import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

/**
 * The build for the workerd, worker and browser conditions (Cloudflare Workers, Edge runtimes):
 * the core and the fetch adapter with no-sdk-path.ts in place of sdk-path.ts, so that nothing in
 * it imports the AWS SDK and a Worker's bundle holds none (see src/core/sdk-path.ts).
 */
const withoutSdk: Options = {
  entry: { index: 'src/index.ts', fetch: 'src/adapters/fetch.ts' },
  outDir: 'dist/web',
  format: ['esm'],
  dts: false,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  esbuildPlugins: [
    {
      name: 'no-sdk-path',
      setup(build) {
        const noSdkPath = fileURLToPath(new URL('src/core/no-sdk-path.ts', import.meta.url));
        build.onResolve({ filter: /\/sdk-path\.js$/ }, () => ({ path: noSdkPath }));
      },
    },
  ],
};

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'aws-lambda': 'src/adapters/aws-lambda/index.ts',
      express: 'src/adapters/express.ts',
      fetch: 'src/adapters/fetch.ts',
      fastify: 'src/adapters/fastify.ts',
      client: 'src/client/index.ts',
      doctor: 'src/doctor/index.ts',
      react: 'src/react/index.ts',
      cli: 'src/cli.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    // dist/web is the other build's.
    clean: ['!web/**'],
    target: 'node20',
  },
  withoutSdk,
]);
