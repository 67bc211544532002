import { afterAll, beforeAll, describe } from 'vitest';
import { installExample, makeWorkDir, packLibrary, removeWorkDir } from './example-project.js';
import { describeServerExample } from './server-example.js';

// examples/fastify, copied out of the repo and installed with the library as `npm pack` makes it,
// passes the checks every server starter passes (examples.rgw.test.ts has the others).
let library: Promise<{ workDir: string; tarball: string }> | undefined;

beforeAll(() => {
  library = makeWorkDir('fastify-example').then(async (workDir) => ({ workDir, tarball: await packLibrary() }));
  // Awaited by the example's own setup, which reports a failure there.
  library.catch(() => {});
});

afterAll(async () => {
  const workDir = await library?.then(
    (packed) => packed.workDir,
    () => undefined,
  );
  await removeWorkDir(workDir);
});

describe.concurrent('examples, installed from the packed library', () => {
  describeServerExample('fastify', async (name) => {
    const { workDir, tarball } = await library!;
    return installExample(name, workDir, tarball);
  });
});
