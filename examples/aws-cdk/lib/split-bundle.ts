import * as path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';

/**
 * The function's code as an ES module split into chunks, with `index.mjs` as the handler file.
 * A presign loads only the handler's own chunks (~60 kB); the AWS SDK, bundled at the versions
 * upload-presigner was tested with, sits in chunks that are imported when verification or a
 * multipart upload first needs it. NodejsFunction cannot do this: it writes one file
 * (`--outfile`), which every cold start parses whole, SDK included (~800 kB).
 *
 * @example
 * ```ts
 * new Function(this, 'Presign', { code: splitBundle('lambda/index.ts'), handler: 'index.handler', runtime: Runtime.NODEJS_22_X });
 * ```
 */
export function splitBundle(entry: string): Code {
  return Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: the local build below runs instead (esbuild is a devDependency), offline.
      image: DockerImage.fromRegistry('dummy'),
      local: {
        tryBundle(outputDir) {
          buildSync({
            entryPoints: { index: entry },
            outdir: outputDir,
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
          return true;
        },
      },
    },
  });
}
