/**
 * Section 2: Lambda cold start. Bundles the drop-in handler and "the usual way" (client-s3 +
 * s3-request-presigner) with esbuild, then starts each bundle in fresh `node` processes,
 * interleaved, timing import + first response inside the process (bench/cold-runner.mjs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { fmt, ratio, summarize, table, type Goal } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);

const OURS = `export { handler } from 'upload-presigner/aws-lambda';\n`;
// What a hand-written presign Lambda usually looks like.
const USUAL = `import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomUUID } from 'node:crypto';

const s3 = new S3Client({});

export const handler = async (event) => {
  const { fileName, contentType } = JSON.parse(event.body ?? '{}');
  const key = \`uploads/\${randomUUID()}-\${fileName}\`;
  const command = new PutObjectCommand({ Bucket: process.env.PRESIGN_BUCKET, Key: key, ContentType: contentType });
  const uploadUrl = await getSignedUrl(s3, command, { expiresIn: 300 });
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uploadUrl, key }) };
};
`;

interface Variant {
  id: string;
  label: string;
  file: string;
  bytes: number;
  role: 'ours' | 'ours-unbundled' | 'usual-inlined' | 'usual-external';
  format: 'esm' | 'cjs';
}

/** The package as `npm run build` makes it now: dist/ when it is current, else a private build of src/. */
async function packageEntry(work: string): Promise<{ entry: string; note: string }> {
  const dist = join(ROOT, 'dist', 'aws-lambda.js');
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (existsSync(dist)) {
    const distTime = statSync(dist).mtimeMs;
    const srcTime = newest(join(ROOT, 'src'));
    if (distTime >= srcTime) return { entry: dist, note: 'dist/aws-lambda.js (current with src/)' };
  }
  // dist/ is missing or older than src/: build the aws-lambda entry the way tsup.config.ts does, into the temp dir.
  const { build } = await import('tsup');
  const outDir = join(work, 'pkg');
  await build({
    config: false,
    entry: { 'aws-lambda': join(ROOT, 'src/adapters/aws-lambda/index.ts') },
    format: ['esm'],
    target: 'node20',
    outDir,
    dts: false,
    clean: false,
    silent: true,
    noExternal: ['mime'],
    external: [/^@aws-sdk\//, 'valibot'],
  });
  return { entry: join(outDir, 'aws-lambda.js'), note: `a fresh tsup build of src/ (dist/ is ${existsSync(dist) ? 'older than src/' : 'missing'}; left untouched)` };
}

async function bundle(work: string, packageFile: string): Promise<Variant[]> {
  writeFileSync(join(work, 'ours.mjs'), OURS);
  writeFileSync(join(work, 'usual.mjs'), USUAL);
  const alias: esbuild.Plugin = {
    name: 'upload-presigner-alias',
    setup(build) {
      build.onResolve({ filter: /^upload-presigner\/aws-lambda$/ }, () => ({ path: packageFile }));
    },
  };
  const variants: Variant[] = [];
  const make = async (role: Variant['role'], format: Variant['format']) => {
    const file = join(work, `${role}.${format === 'esm' ? 'mjs' : 'cjs'}`.replace(/^/, 'out-'));
    await esbuild.build({
      entryPoints: [join(work, role === 'ours' ? 'ours.mjs' : 'usual.mjs')],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node20',
      format,
      outfile: file,
      external: role === 'usual-inlined' ? [] : ['@aws-sdk/*'],
      plugins: [alias],
      // The SDK's CommonJS inside an ESM bundle needs a `require` (as CDK's NodejsFunction adds).
      banner: format === 'esm' ? { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" } : {},
      logLevel: 'silent',
      absWorkingDir: work,
      nodePaths: [join(ROOT, 'node_modules')],
    });
    const label = `${role === 'ours' ? 'ours: export { handler } from upload-presigner/aws-lambda' : role === 'usual-inlined' ? 'usual: client-s3 + getSignedUrl, SDK inlined' : 'usual: client-s3 + getSignedUrl, SDK external'} [${format}]`;
    variants.push({ id: `${role}-${format}`, label, file, bytes: statSync(file).size, role, format });
  };
  // The package itself, unbundled, as it runs from node_modules: native ESM keeps `import()` lazy.
  variants.push({ id: 'ours-unbundled-esm', label: 'ours: upload-presigner/aws-lambda unbundled from node_modules [esm]', file: packageFile, bytes: statSync(packageFile).size, role: 'ours-unbundled', format: 'esm' });
  for (const format of ['esm', 'cjs'] as const) {
    await make('ours', format);
    await make('usual-inlined', format);
    await make('usual-external', format);
  }
  return variants;
}

interface Run {
  importMs: number;
  invokeMs: number;
  totalMs: number;
  wallMs: number;
  ok: boolean;
}

function coldStart(work: string, file: string): Run {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: work, // no ~/.aws of anyone's: the SDK finds only what is set here
    PRESIGN_BUCKET: 'bench-uploads',
    PRESIGN_MAX_SIZE: '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCHMARKEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'bench/Secret+Access/Key0123456789EXAMPLEKEY',
    AWS_SESSION_TOKEN: `IQoJb3JpZ2luX2VjE${'Bench0Session1Token2'.repeat(30)}==`,
    AWS_EC2_METADATA_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
  };
  const start = performance.now();
  const child = spawnSync(process.execPath, [join(ROOT, 'bench', 'cold-runner.mjs'), file], { cwd: work, env, encoding: 'utf8', timeout: 30_000 });
  const wallMs = performance.now() - start;
  try {
    const out = JSON.parse(child.stdout);
    return { ...out, wallMs, ok: child.status === 0 && out.status === 200 && out.signed };
  } catch {
    return { importMs: NaN, invokeMs: NaN, totalMs: NaN, wallMs, ok: false };
  }
}

export async function runColdStart(): Promise<Goal[]> {
  const work = mkdtempSync(join(tmpdir(), 'upload-presigner-bench-'));
  try {
    // Externals (@aws-sdk/*, as Lambda's Node runtime ships them) resolve from the repo's node_modules.
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    const { entry, note } = await packageEntry(work);
    const variants = await bundle(work, entry);
    console.log(`\n=== 2. Lambda cold start — ${RUNS} fresh \`node\` processes per bundle, interleaved ===`);
    console.log(`esbuild ${esbuild.version}: --bundle --minify --platform=node --target=node20; upload-presigner resolved from ${note}.`);
    console.log('Each process times import of the bundle + first invocation (API Gateway v2 POST {"fileName":"sample.jpg","contentType":"image/jpeg"}),');
    console.log('kB = 1000 bytes (the issue\'s ~596 KB is 595,600 bytes). CommonJS bundles are require()d, ESM ones import()ed, as Lambda does.');
    console.log('env PRESIGN_BUCKET, fake AWS_* credentials with a session token, AWS_REGION=us-east-1; node start-up itself is in "wall" only.');

    const runs = new Map(variants.map((v) => [v.id, [] as Run[]]));
    for (const v of variants) coldStart(work, v.file); // one untimed start each: disk cache
    for (let i = 0; i < RUNS; i++) {
      for (let j = 0; j < variants.length; j++) {
        const v = variants[(i + j) % variants.length]!;
        runs.get(v.id)!.push(coldStart(work, v.file));
      }
    }
    const totals = (id: string) => runs.get(id)!.filter((r) => r.ok).map((r) => r.totalMs);
    const rows = variants.map((v) => {
      const all = runs.get(v.id)!;
      const ok = all.filter((r) => r.ok);
      const total = summarize(ok.map((r) => r.totalMs));
      return [
        v.label,
        v.role === 'ours-unbundled' ? '—' : fmt(v.bytes / 1000),
        fmt(summarize(ok.map((r) => r.importMs)).median),
        fmt(summarize(ok.map((r) => r.invokeMs)).median),
        fmt(total.median),
        `${fmt(total.p25)}–${fmt(total.p75)}`,
        fmt(total.mad),
        fmt(summarize(ok.map((r) => r.wallMs)).median),
        `${ok.length}/${all.length}`,
      ];
    });
    table(
      `Cold start (ms; n = ${RUNS} processes each; "total" = import + first response)`,
      ['bundle [format]', 'kB', 'import', '1st call', 'total median', 'total p25–p75', 'MAD', 'wall (spawn→exit)', 'ok'],
      rows,
    );
    const goals: Goal[] = [];
    const oursEsm = variants.find((v) => v.id === 'ours-esm')!;
    const oursCjs = variants.find((v) => v.id === 'ours-cjs')!;
    const kb = Math.max(oursEsm.bytes, oursCjs.bytes) / 1000;
    goals.push({ name: 'Lambda bundle size, ours (SDK external)', measured: `${fmt(oursEsm.bytes / 1000)} kB esm, ${fmt(oursCjs.bytes / 1000)} kB cjs`, goal: '≤ 60 KB', met: kb <= 60 });
    const pairs: string[][] = [];
    for (const format of ['esm', 'cjs'] as const) {
      for (const usual of ['usual-inlined', 'usual-external'] as const) {
        const ours = totals(`ours-${format}`);
        const theirs = totals(`${usual}-${format}`);
        const r = summarize(ours).median / summarize(theirs).median;
        const n = Math.min(ours.length, theirs.length);
        const paired = summarize(Array.from({ length: n }, (_, i) => ours[i]! / theirs[i]!));
        pairs.push([`ours ÷ ${usual.replace('usual-', 'usual, SDK ')} [${format}]`, ratio(r), `${fmt(paired.p25)}–${fmt(paired.p75)}`]);
        goals.push({ name: `Cold start: ours ÷ usual, SDK ${usual.replace('usual-', '')} [${format}]`, measured: ratio(r), goal: '≤ 0.2×', met: r <= 0.2 });
      }
    }
    table('Cold-start ratios (ratio of medians; per-run paired p25–p75)', ['comparison', 'ratio', 'paired p25–p75'], pairs);
    const hoisted = /^(?:import\{createRequire[^;]*;const require=[^;]*;)?import[^;]*"@aws-sdk\//.test(readFileSync(oursEsm.file, 'utf8'));
    const topLevel = [...readFileSync(oursEsm.file, 'utf8').matchAll(/import\s*[^;"']*from\s*"(@aws-sdk\/[^"]+)"/g)].map((m) => m[1]);
    if (topLevel.length) {
      console.log(`Note: the ESM bundle of ours has static top-level imports of ${[...new Set(topLevel)].join(', ')}${hoisted ? ' at its head' : ''}:`);
      console.log('esbuild hoists an external static import out of a lazily-imported module, so the SDK loads at cold start even');
      console.log("though create-presigner.ts only reaches sdk-signer.ts through `await import('./sdk-signer.js')`. The CJS bundle keeps it lazy.");
    }
    return goals;
  } finally {
    if (process.env.BENCH_KEEP) console.log(`(kept ${work})`);
    else rmSync(work, { recursive: true, force: true });
  }
}
