import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageAsBuilt, ROOT } from '../helpers/readme-blocks.js';
import { STEP_MS } from '../helpers/bounds.js';

// The server runtimes the package claims, each the real runtime from its npm package, installed
// once into the folder scripts/test.sh keeps Node 22 and 24 in. Nothing comes from anywhere but
// the npm registry: the installs skip install scripts (bun's and workerd's would fall back to
// downloading from the registry themselves) and run the binary that the platform package ships.

/** Where runtimes are installed, one folder each: `22/`, `24/` (as scripts/test.sh makes them), `bun/`, `deno/`, `workerd/`. */
export const RUNTIMES_DIR =
  process.env.NODE_BINARIES_DIR ?? join(process.env.TMPDIR ?? tmpdir(), 'upload-presigner-node');

/** An npm install of one runtime can take minutes on a busy machine the first time. */
export const INSTALL_MS = 300_000;

/** How each runtime is had and started with the conformance app. */
export interface Runtime {
  name: string;
  /** npm package spec and the binary inside it, for runtimes other than the Node running the suite. */
  npm?: { folder: string; spec: string; binary: string };
  start(binary: string, consumer: string, env: Record<string, string>): Promise<RunningServer>;
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

const platformNode = `node-${process.platform}-${process.arch}`;
const nodeMajor = (major: number): Runtime => ({
  name: `Node ${major}`,
  npm: { folder: String(major), spec: `${platformNode}@${major}`, binary: `node_modules/${platformNode}/bin/node` },
  start: (binary, consumer, env) => listen(binary, ['serve-node.mjs'], consumer, env),
});

export const RUNTIMES: Runtime[] = [
  {
    name: `Node ${process.versions.node.split('.')[0]} (this one)`,
    start: (_, consumer, env) => listen(process.execPath, ['serve-node.mjs'], consumer, env),
  },
  nodeMajor(22),
  nodeMajor(24),
  {
    name: 'Bun 1.4',
    npm: { folder: 'bun', spec: 'bun@1.4.5', binary: 'node_modules/@oven/bun-linux-x64/bin/bun' },
    start: (binary, consumer, env) => listen(binary, ['serve-bun.mjs'], consumer, env),
  },
  {
    name: 'Deno 2.9',
    npm: { folder: 'deno', spec: 'deno@2.9.6', binary: 'node_modules/@deno/linux-x64-glibc/deno' },
    start: (binary, consumer, env) =>
      listen(binary, ['run', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'serve-deno.mjs'], consumer, {
        ...env,
        DENO_NO_UPDATE_CHECK: '1',
      }),
  },
  {
    name: 'workerd without nodejs_compat',
    npm: {
      folder: 'workerd',
      spec: 'workerd@1.20261117.1',
      binary: 'node_modules/@cloudflare/workerd-linux-64/bin/workerd',
    },
    start: startWorkerd,
  },
];

/** The runtime's binary, installed from the npm registry when it is not there yet. */
export function runtimeBinary(runtime: Runtime): string {
  if (!runtime.npm) return process.execPath;
  const folder = join(RUNTIMES_DIR, runtime.npm.folder);
  const binary = join(folder, runtime.npm.binary);
  if (!existsSync(binary)) {
    mkdirSync(folder, { recursive: true });
    execFileSync(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        '--prefix',
        folder,
        runtime.npm.spec,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: INSTALL_MS },
    );
  }
  return binary;
}

/**
 * A throw-away app folder in the repository, as a user has one: `upload-presigner` in its
 * node_modules as built (rebuilt first when a source is newer), its dependencies and
 * @hono/node-server resolved from the repository's node_modules, and the app files.
 */
export function consumerFolder(): string {
  const folder = packageAsBuilt();
  for (const file of readdirSync(join(ROOT, 'test/runtimes')).filter((name) => name.endsWith('.mjs')))
    cpSync(join(ROOT, 'test/runtimes', file), join(folder, file));
  return folder;
}

/** Starts `binary args` in `cwd` and waits (bounded) for its `LISTENING <port>` line. */
function listen(binary: string, args: string[], cwd: string, env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(binary, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env } });
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${binary} ${args.join(' ')}: ${reason}\n${output}`));
    };
    const timer = setTimeout(() => fail(`no LISTENING line within ${STEP_MS} ms`), STEP_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const port = /LISTENING (\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, stop: () => stop(child) });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.on('exit', (code, signal) => fail(`exited (${code ?? signal}) before listening`));
    child.on('error', (error) => fail(error.message));
  });
}

/** Ends a runtime and waits (bounded) until it is gone. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A port nobody listens on now, for servers that take theirs from a config or a variable. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The Worker bundle as wrangler would make it: one ES module, for the workerd, worker and browser conditions. */
export async function bundleWorker(consumer: string): Promise<{ file: string; bytes: number }> {
  const file = join(consumer, 'worker.bundle.js');
  const result = await build({
    entryPoints: [join(consumer, 'worker.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    minify: true,
    outfile: file,
    logLevel: 'silent',
    metafile: true,
  });
  return { file, bytes: Object.values(result.metafile.outputs)[0]!.bytes };
}

/**
 * workerd with the bundled Worker: no compatibility flags (so no nodejs_compat, no node:crypto),
 * outbound fetches allowed to loopback (RGW), the env as text bindings.
 */
async function startWorkerd(binary: string, consumer: string, env: Record<string, string>): Promise<RunningServer> {
  // Beside the config, which embeds it by a relative path (capnp reads an absolute one as an import path).
  await bundleWorker(consumer);
  const port = await freePort();
  const bindings = Object.entries(env)
    .map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`)
    .join(', ');
  writeFileSync(
    join(consumer, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.bundle.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ ${bindings} ],
  globalOutbound = "loopback",
);
`,
  );
  // workerd prints nothing when it listens.
  return serveUntilAnswered(binary, ['serve', 'config.capnp'], consumer, {}, `http://127.0.0.1:${port}`);
}

/** Starts `binary args` in `cwd` and asks `url` (bounded) until it answers. */
export async function serveUntilAnswered(
  binary: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  url: string,
): Promise<RunningServer> {
  const child = spawn(binary, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env } });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${binary} ${args.join(' ')} exited (${child.exitCode}):\n${output}`);
    const answered = await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(2000) }).then(
      () => true,
      () => false,
    );
    if (answered) return { url, stop: () => stop(child) };
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`${binary} ${args.join(' ')} did not answer within ${STEP_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Removes a consumer folder. */
export const removeConsumer = (folder: string) => rmSync(folder, { recursive: true, force: true });
