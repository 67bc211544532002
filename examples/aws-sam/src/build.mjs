// The function as `sam build` deploys it (template.yaml: BuildMethod makefile, see Makefile): one
// ES module split into chunks, with `index.mjs` as the handler file. A presign loads only the
// handler's own chunks; the AWS SDK, bundled at the versions upload-presigner was tested with, sits
// in chunks that are imported when verification or a multipart upload first needs it. SAM's own
// esbuild builder cannot split (it passes no --splitting), so it would write one file that every
// cold start parses whole.
import { build } from 'esbuild';

const [outdir] = process.argv.slice(2);
if (!outdir) throw new Error('usage: node build.mjs <output folder>');

await build({
  entryPoints: { index: 'index.mjs' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  target: 'node22',
  // The SDK's ES modules split along its own dynamic imports (credential providers).
  mainFields: ['module', 'main'],
  minify: true,
  // CommonJS bundled into an ES module still calls require() for Node's built-ins.
  banner: {
    js: "import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
