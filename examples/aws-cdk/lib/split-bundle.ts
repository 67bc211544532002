import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib/core';
import { Code } from 'aws-cdk-lib/aws-lambda';

/**
 * The function's code as an ES module split into chunks, with `index.mjs` as the handler file,
 * built by `lib/build-function.mjs` (Rolldown, a devDependency). A cold start loads `index.mjs`
 * and one chunk of ~57 kB; the AWS SDK, bundled at the versions upload-presigner was tested with,
 * sits in chunks that are imported when verification or a multipart upload first needs it.
 * NodejsFunction cannot do this: it writes one file (`--outfile`), which every cold start parses
 * whole, SDK included (~800 kB).
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
      // Never pulled: the local build below runs instead, offline.
      image: DockerImage.fromRegistry('dummy'),
      local: {
        tryBundle(outputDir) {
          // CDK wants the bundle synchronously, and Rolldown's build is asynchronous.
          execFileSync(process.execPath, [path.join(__dirname, 'build-function.mjs'), entry, outputDir], {
            stdio: 'inherit',
          });
          return true;
        },
      },
    },
  });
}
