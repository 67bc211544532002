// `node lib/build-function.mjs <entry> <output folder>`: the function's code as lib/split-bundle.ts
// deploys it: `index.mjs`, the handler file, and a `chunks/` folder. Everything a cold start needs
// sits in one chunk (`handler-*.mjs`, ~57 kB); the AWS SDK, bundled at the versions
// upload-presigner was tested with, and the multipart and verification steps sit in chunks of
// their own, imported when first needed. Rolldown rather than esbuild, whose splitting spreads a
// cold start over 13 small files: each costs the ES module loader a resolve, a read and a compile,
// which on nodejs24.x made the start ~0.22-0.25x a naive handler's CPU time instead of ~0.18x.
import { build } from 'rolldown';

const [entry, outdir] = process.argv.slice(2);
if (!entry || !outdir) throw new Error('usage: node build-function.mjs <entry> <output folder>');

await build({
  input: { index: entry },
  platform: 'node',
  // The SDK's ES modules, which split along its own dynamic imports (credential providers).
  resolve: { mainFields: ['module', 'main'] },
  transform: { target: 'node22' },
  logLevel: 'warn',
  output: {
    dir: outdir,
    format: 'esm',
    minify: true,
    // What Lambda runs is bundled again by no one: the tree-shaking hints (`@__PURE__`, ~4 kB) go,
    // the licenses stay.
    comments: { legal: true, annotation: false, jsdoc: false },
    entryFileNames: '[name].mjs',
    chunkFileNames: 'chunks/[name]-[hash].mjs',
    // `$initial`: every module the handler imports statically, i.e. what a cold start loads.
    codeSplitting: { groups: [{ name: 'handler', tags: ['$initial'] }] },
  },
});
