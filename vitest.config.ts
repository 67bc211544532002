import { availableParallelism } from 'node:os';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

// The SDK warns once per process that its 2027 releases will need Node 22; tests run on 20 too.
// Set here, it reaches the global setups that run in this process as well as the workers.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The order projects' files start in; within a project, vitest's own (failed, then longest, first).
 * Every project shares the workers, so the fuzz run, the one long CPU-bound file, starts at once
 * beside the integration files, whose time goes to npm installs and example builds; the many
 * short unit files fill the end instead of a long file starting last.
 */
const PROJECT_ORDER = ['fuzz', 'integration', 'readme', 'browser', 'unit'];

class SlowProjectsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => PROJECT_ORDER.indexOf(file.project.name) >>> 0; // unlisted: last
    // Array sort is stable: each project keeps the order vitest gave its files.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: SlowProjectsFirst },
    // Vitest's default, one worker fewer than cores, is a single worker on 2 cores: files would run
    // one after another while most of them wait on RGW, Chromium or npm rather than compute.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Without isolation, a worker imports the SDK, the library and the test helpers once for all its
    // files, not once per file (a third of the unit project's CPU); what a file stubs is undone
    // after it, and each file still starts its own servers, browsers and buckets.
    isolate: false,
    setupFiles: ['test/helpers/restore-after-file.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Above one step's bound (test/helpers/bounds.ts), which waits inside unit tests use,
          // and ten times vitest's 5 s default: a second of CPU work is ten on 2 busy cores.
          testTimeout: 30_000,
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/**/*.rgw.test.ts',
            'test/**/*.browser.test.ts',
            'test/**/*.fuzz.test.ts',
            'test/readme.test.ts',
          ],
        },
      },
      // No project for the public types in test/types/*.test-d.ts (expectTypeOf assertions, calls
      // marked as type errors): tsconfig.json includes them, so `npm run typecheck`, which npm test
      // runs, fails on any of them with the same options; a vitest typecheck was a second tsc run.
      {
        extends: true,
        test: {
          // Compiles every README block against dist/, rebuilt first when src/ is newer: 25-50 s
          // on 2 cores, so `npm test` runs it (just after its build) and `npm run test:unit` does not.
          name: 'readme',
          include: ['test/readme.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          // Over 100,000 requests through every adapter: 25-40 s on 2 cores, so
          // `npm test` runs it and `npm run test:unit` stays quick.
          name: 'fuzz',
          include: ['test/**/*.fuzz.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          // Everything that claims "the storage rejects it" runs against Ceph RGW.
          name: 'integration',
          include: ['test/**/*.rgw.test.ts'],
          globalSetup: ['test/helpers/rgw-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // Real Chromium (playwright-core) against Ceph RGW: CORS, progress and browser-set headers.
          name: 'browser',
          include: ['test/**/*.browser.test.ts'],
          // The Uppy pages bundle Uppy from its own fixture package, installed here when missing.
          globalSetup: ['test/helpers/rgw-setup.ts', 'test/fixtures/uppy/global-setup.ts'],
          // The sum of a test's wait bounds (test/helpers/bounds.ts) for the 11 MiB uploads most
          // tests make; a test that moves more sets its own.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Files run in parallel like every project's: each file has its own Chromium, buckets and
          // keys, and its pages' port is its worker's (PAGE_PORT in test/helpers/rgw-setup.ts).
        },
      },
    ],
  },
});
