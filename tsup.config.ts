import { defineConfig } from 'tsup';

export default defineConfig({
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
  clean: true,
  target: 'node20',
});
