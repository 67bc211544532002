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
    // The declaration build (rollup-plugin-dts inside tsup 8) compiles the whole program, the AWS SDK's
    // types included, once for each run of entries that sit in one folder, counting the first entry as
    // in its tsconfig's folder: so the subpath exports are entered through src/entries/ (a re-export
    // each), which makes 2 compilations of it instead of 10 (tsup: 41 s of CPU with 10, 22 s with 2).
    entry: {
      index: 'src/index.ts',
      cli: 'src/cli.ts',
      'aws-lambda': 'src/entries/aws-lambda.ts',
      express: 'src/entries/express.ts',
      fetch: 'src/entries/fetch.ts',
      fastify: 'src/entries/fastify.ts',
      client: 'src/entries/client.ts',
      doctor: 'src/entries/doctor.ts',
      react: 'src/entries/react.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    tsconfig: 'src/tsconfig.dts.json',
    // dist/web is the other build's.
    clean: ['!web/**'],
    target: 'node20',
  },
  withoutSdk,
]);
