/**
 * Section 6: signing speed per server runtime, beside the AWS SDK's on the same runtime. Each
 * runtime the package claims (as test/runtimes installs it, from npm only) runs
 * bench/runtime-sign.mjs against the package as built, with the export conditions its users get
 * (the Web Crypto build under workerd, bundled by esbuild with the SDK's browser build): our
 * `presign` and `getSignedUrl` for the same PUT, interleaved in one process, median µs per URL.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageAsBuilt, ROOT } from '../test/helpers/readme-blocks.js';
import {
  freePort,
  removeConsumer,
  RUNTIMES,
  runtimeBinary,
  serveUntilAnswered,
  type Runtime,
} from '../test/runtimes/runtimes.js';
import { fmt, ratio, table, type Goal } from './stats.js';

const OPTIONS = {
  rounds: Number(process.env.BENCH_RUNTIME_ROUNDS ?? 31),
  sampleMs: Number(process.env.BENCH_RUNTIME_SAMPLE_MS ?? 40),
  warmCalls: 50,
};
/** One runtime's whole measurement: start-up, warm-up and rounds, with a margin for a busy machine. */
const RUN_MS = 120_000;

/** What bench/runtime-sign.mjs answers. */
export interface RuntimeResult {
  oursUs: number;
  sdkUs: number | null;
  ratio: number | null;
  sdkError: string | null;
  signedHeaders: { ours?: string; sdk?: string };
  samples: number;
  calls: { ours: number; sdk?: number };
  clockStepUs: number;
  /** The measurement's whole time by the runtime's own clock. */
  elapsedMs: number;
  /** workerd: the same by this process's clock, around the request (so a little more). */
  hostMs?: number;
}

/**
 * The result line a runtime printed among whatever else it wrote.
 *
 * @example
 * parseResult('warning\nRESULT {"oursUs":19}\n'); // { oursUs: 19 }
 */
export function parseResult(output: string): RuntimeResult {
  const line = output.split('\n').find((text) => text.startsWith('RESULT '));
  if (!line) throw new Error(`no RESULT line in:\n${output}`);
  return JSON.parse(line.slice('RESULT '.length)) as RuntimeResult;
}

function runScript(runtime: Runtime, consumer: string): RuntimeResult {
  const binary = runtimeBinary(runtime);
  const args =
    runtime.npm?.folder === 'deno'
      ? ['run', '--allow-env', '--allow-read', '--allow-sys', 'runtime-sign-main.mjs']
      : ['runtime-sign-main.mjs'];
  const output = execFileSync(binary, args, {
    cwd: consumer,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: consumer,
      DENO_NO_UPDATE_CHECK: '1',
      BENCH_RUNTIME_OPTIONS: JSON.stringify(OPTIONS),
    },
    encoding: 'utf8',
    timeout: RUN_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseResult(output);
}

/** workerd, no compatibility flags: the script bundled as wrangler bundles a Worker, asked once over loopback. */
async function runWorkerd(runtime: Runtime, consumer: string): Promise<RuntimeResult> {
  const binary = runtimeBinary(runtime);
  await build({
    entryPoints: [join(consumer, 'runtime-sign-worker.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    minify: true,
    outfile: join(consumer, 'sign.bundle.js'),
    logLevel: 'silent',
  });
  const port = await freePort();
  writeFileSync(
    join(consumer, 'sign.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "sign.bundle.js") ],
  compatibilityDate = "2025-09-01",
);
`,
  );
  const server = await serveUntilAnswered(binary, ['serve', 'sign.capnp'], consumer, {}, `http://127.0.0.1:${port}`);
  try {
    const sent = performance.now();
    const response = await fetch(`${server.url}/?options=${encodeURIComponent(JSON.stringify(OPTIONS))}`, {
      signal: AbortSignal.timeout(RUN_MS),
    });
    if (!response.ok) throw new Error(`workerd answered ${response.status}: ${await response.text()}`);
    const result = (await response.json()) as RuntimeResult;
    return { ...result, hostMs: performance.now() - sent };
  } finally {
    await server.stop();
  }
}

const load = () =>
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;

export async function runRuntimes(): Promise<Goal[]> {
  console.log(
    `\n=== 6. Signing speed per runtime, ours beside getSignedUrl in the same process (${OPTIONS.rounds} interleaved rounds, samples of ~${OPTIONS.sampleMs} ms; ${load()}) ===`,
  );
  const consumer = packageAsBuilt();
  for (const file of ['runtime-sign.mjs', 'runtime-sign-main.mjs', 'runtime-sign-worker.mjs'])
    copyFileSync(join(ROOT, 'bench', file), join(consumer, file));
  const rows: string[][] = [];
  const ratios: number[] = [];
  try {
    for (const runtime of RUNTIMES) {
      let result: RuntimeResult;
      try {
        result = runtime.npm?.folder === 'workerd' ? await runWorkerd(runtime, consumer) : runScript(runtime, consumer);
      } catch (error) {
        rows.push([runtime.name, `failed: ${String(error).split('\n')[0]!.slice(0, 100)}`, '', '', '', '', '']);
        continue;
      }
      if (result.signedHeaders.sdk && result.signedHeaders.ours !== result.signedHeaders.sdk)
        throw new Error(`${runtime.name}: the two sign different headers: ${JSON.stringify(result.signedHeaders)}`);
      if (result.ratio !== null) ratios.push(result.ratio);
      rows.push([
        runtime.name,
        fmt(result.oursUs),
        result.sdkUs === null ? `cannot run: ${result.sdkError}` : fmt(result.sdkUs),
        result.ratio === null ? '—' : ratio(result.ratio),
        `${result.calls.ours} / ${result.calls.sdk ?? '—'}`,
        `${fmt(result.clockStepUs)} µs`,
        `${fmt(result.elapsedMs)} ms${result.hostMs === undefined ? '' : ` (host: ${fmt(result.hostMs)} ms)`}`,
      ]);
    }
  } finally {
    removeConsumer(consumer);
  }
  table(
    'median µs per URL (ours: createPresigner().presign(); SDK: getSignedUrl + PutObjectCommand), ratio = median of per-round ours ÷ SDK',
    ['runtime', 'ours µs', 'getSignedUrl µs', 'ours ÷ SDK', 'URLs per sample (ours / SDK)', 'clock step seen', 'took'],
    rows,
  );
  console.log(`(${load()} at the end of section 6)`);
  const worst = Math.max(...ratios);
  return [
    {
      name: 'presign vs getSignedUrl on every runtime (worst ratio)',
      measured: ratios.length ? ratio(worst) : 'none measured',
      goal: `< 1× on all ${RUNTIMES.length}`,
      met: ratios.length === RUNTIMES.length && worst < 1,
    },
  ];
}
