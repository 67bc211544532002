import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageAsBuilt, ROOT } from '../helpers/readme-blocks.js';
import { presignOnlyStarter } from './cloudflare-workers-presign-only.js';

// examples/cloudflare-workers bundled as wrangler bundles a Worker (esbuild, one ES module, the
// workerd, worker and browser export conditions), minified, against the package as built: the
// conditions pick the build without the AWS SDK (dist/web), whose verify and multipart steps call
// S3 over fetch. Before that build, the SDK behind the lazy imports made the bundle 574 kB.
// A Worker that only presigns (createPresignOnlyPresigner) names none of that code, so a bundle of
// it holds none: before createPresignOnlyPresigner, no Worker could bundle to less than the starter.

/**
 * The most the starter may weigh: 90,635 B (@rgrove/parse-xml 12 kB, valibot 9 kB, content-type 2 kB,
 * the library 67 kB); 105,250 B with saxes and xmlchars (28 kB) before.
 */
const MAX_BUNDLE_BYTES = 91_000;
/** The most a Worker that only presigns may weigh (55,396 B: valibot and content-type 10 kB, the library 44 kB): issue 17's goal. */
const MAX_PRESIGN_ONLY_BYTES = 60_000;

interface Bundle {
  bytes: number;
  inputs: string[];
  text: string;
}
let consumer: string;
let bundle: Bundle;
let presignOnly: Bundle;

async function bundleWorker(entry: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values((result.metafile as Metafile).outputs)[0]!;
  return { bytes: output.bytes, inputs: Object.keys(output.inputs), text: result.outputFiles[0]!.text };
}

// A build when src/ is newer than dist/ takes minutes on 2 busy cores.
beforeAll(async () => {
  consumer = packageAsBuilt();
  copyFileSync(join(ROOT, 'examples/cloudflare-workers/src/index.ts'), join(consumer, 'worker.ts'));
  writeFileSync(join(consumer, 'presign-only.ts'), presignOnlyStarter());
  [bundle, presignOnly] = await Promise.all([
    bundleWorker(join(consumer, 'worker.ts')),
    bundleWorker(join(consumer, 'presign-only.ts')),
  ]);
}, 600_000);
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('examples/cloudflare-workers, bundled as wrangler bundles it', () => {
  it('holds no AWS SDK', () => {
    expect(bundle.inputs.filter((path) => /node_modules\/@(?:aws-sdk|smithy|aws-crypto)\//.test(path))).toEqual([]);
    expect(
      bundle.inputs.every((path) => !/node_modules\/upload-presigner\//.test(path) || /\/dist\/web\//.test(path)),
    ).toBe(true);
  });

  it('holds verify and the multipart steps, with their S3 calls over fetch', () => {
    const modules = bundle.inputs.map((path) => path.replace(/.*\//, '').replace(/-[A-Z0-9]{8}\.js$/, ''));

    expect(modules).toEqual(expect.arrayContaining(['verify', 'promote', 'multipart', 's3-fetch']));
    for (const operation of [
      'HeadObject',
      'CopyObject',
      'CreateMultipartUpload',
      'ListParts',
      'CompleteMultipartUpload',
    ])
      expect(bundle.text).toContain(operation);
  });

  it('refuses, at creation, options only the SDK signs for, naming what to pass instead', async () => {
    const web: typeof import('../../src/index.js') = await import(
      pathToFileURL(join(consumer, 'node_modules/upload-presigner/dist/web/index.js')).href
    );
    const rules = { bucket: 'my-uploads', allowedTypes: ['image/*'] };

    const withClient = catchError(() => web.createPresigner({ ...rules, client: new S3Client({ region: 'auto' }) }));
    const withoutCredentials = catchError(() => web.createPresigner({ ...rules, region: 'auto' }));
    const direct = web.createPresigner({
      ...rules,
      region: 'auto',
      endpoint: 'https://account.r2.cloudflarestorage.com',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });

    for (const error of [withClient, withoutCredentials]) {
      expect(web.isPresignError(error) && [error.code, error.status]).toEqual(['INVALID_OPTIONS', 500]);
      expect((error as Error).message).toMatch(/has no AWS SDK.*pass "region" and "credentials"/);
    }
    await expect(direct.presign({ fileName: 'a.jpg', contentType: 'image/jpeg' })).resolves.toMatchObject({
      method: 'PUT',
    });
  });

  it(`stays under ${MAX_BUNDLE_BYTES / 1000} kB minified`, () => {
    expect(bundle.bytes).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
  });
});

describe('examples/cloudflare-workers with createPresignOnlyPresigner, bundled as wrangler bundles it', () => {
  it('holds neither verify, the multipart steps, their S3 calls, nor an XML parser', () => {
    const modules = presignOnly.inputs.map((path) => path.replace(/.*\//, '').replace(/-[A-Z0-9]{8}\.js$/, ''));

    expect(modules.filter((name) => /verify|promote|multipart|s3-fetch|s3-xml|svg/.test(name))).toEqual([]);
    expect(
      presignOnly.inputs.filter((path) => /node_modules\/(?!upload-presigner\/|valibot\/|content-type\/)/.test(path)),
    ).toEqual([]);
    expect(presignOnly.text).not.toMatch(/CompleteMultipartUpload|HeadObject/);
  });

  it(`stays under ${MAX_PRESIGN_ONLY_BYTES / 1000} kB minified`, () => {
    expect(presignOnly.bytes).toBeLessThanOrEqual(MAX_PRESIGN_ONLY_BYTES);
  });
});
