import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statfsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { rgw, TEST_BUCKET } from '../helpers/s3.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const EXAMPLES = join(ROOT, 'examples');

const exec = promisify(execFile);

/** Runs a command and resolves with its stdout; a failure carries the whole output, to see why. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<string> {
  return (await runWithOutput(command, args, options)).stdout;
}

/** `run`, resolving with stderr too (npm's warnings, for one). */
export async function runWithOutput(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: 240_000, ...options });
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${options.cwd}: ${message}\n${stdout}\n${stderr}`);
  }
}

/**
 * Runs `npm run <script>` without npm: the command that the example's package.json names, in a
 * shell, with its node_modules/.bin first on PATH and the extra arguments appended, as npm runs it.
 * An npm process costs 0.3 s of CPU before the script starts (`npm run` of `true`), ~15 times a run.
 *
 * @example
 * await run(...scriptCommand(dir, 'typecheck'), { cwd: dir });
 */
export function scriptCommand(dir: string, script: string, extra: string[] = []): [string, string[]] {
  const scripts = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> })
    .scripts;
  const command = scripts?.[script];
  if (!command) throw new Error(`${join(dir, 'package.json')} has no script "${script}"`);
  // npm would also run these hooks around it; a starter that gains one needs npm here again.
  const hook = [`pre${script}`, `post${script}`].find((name) => scripts?.[name]);
  if (hook) throw new Error(`${join(dir, 'package.json')} has a "${hook}" script: run "${script}" with npm`);
  // npm quotes each extra argument for the shell the same way; "$@" passes them through untouched.
  return ['sh', ['-c', `PATH="$PWD/node_modules/.bin:$PATH"; ${command} "$@"`, script, ...extra]];
}

/** `npm run <script> -- <extra>` in `dir`, through `scriptCommand`, resolving with its stdout. */
export function runScript(
  dir: string,
  script: string,
  extra: string[] = [],
  options: { env?: NodeJS.ProcessEnv; prefix?: string[] } = {},
): Promise<string> {
  const [command, args] = scriptCommand(dir, script, extra);
  const [first, ...rest] = [...(options.prefix ?? []), command, ...args];
  return run(first!, rest, { cwd: dir, ...(options.env ? { env: options.env } : {}) });
}

/**
 * Builds dist/ when it is missing (`npm test` builds before vitest; a bare `vitest run` may not
 * have). Files run in parallel: the lock the README test builds under (test/helpers/readme-blocks.ts)
 * keeps two builds from writing dist/ at once.
 */
export async function ensureBuilt(): Promise<void> {
  const script = '[ -f dist/aws-lambda.js ] && [ -f dist/index.d.ts ] || npm run build';
  await run('flock', ['/tmp/build.lock', 'sh', '-c', script], { cwd: ROOT });
}

/**
 * The library as users get it: `npm pack` of the repo. Packed once per content of what a pack holds
 * (package.json, README, LICENSE, dist/), in the system's temporary directory, and shared by every
 * example test of this run and of later ones: each packing its own cost a second or more of CPU,
 * one after another under the build lock.
 */
export async function packLibrary(): Promise<string> {
  await ensureBuilt();
  // Under the lock the README test rebuilds dist/ with (test/helpers/readme-blocks.ts): files run
  // in parallel, and a pack must never read a dist/ being rewritten, nor two tests pack at once.
  const script = `set -e
content=$({ find . -maxdepth 1 -type f \\( -name package.json -o -iname 'readme*' -o -iname 'licen[cs]e*' \\) -print0; find dist -type f -print0; } | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
packed="$0/upload-presigner-pack-$content"
if [ ! -d "$packed" ]; then
  partial=$(mktemp -d "$0/upload-presigner-packing-XXXXXX")
  npm pack --silent --pack-destination "$partial" >/dev/null
  mv -T "$partial" "$packed"
fi
echo "$packed"/*.tgz`;
  const out = await run('flock', ['/tmp/build.lock', 'sh', '-c', script, tmpdir()], { cwd: ROOT });
  return out.trim();
}

/**
 * Where the examples are installed and built: /dev/shm when it is a tmpfs that may hold programs
 * (not `noexec`: esbuild's, workerd's and Next's SWC binaries run from node_modules) with room for
 * several installs at once, else the system's temporary directory (Docker's /dev/shm is 64 MB and
 * often `noexec`). npm's extraction is half system time creating files: an install there took ~20% less
 * CPU than on ext4, and removing it again costs less too.
 */
const WORK_ROOT = ((): string => {
  // A temporary directory chosen with TMPDIR wins (`TMPDIR=/tmp` measures the disk's cost).
  if (process.platform !== 'linux' || process.env.TMPDIR) return tmpdir();
  const mount = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .findLast(([, target]) => target === '/dev/shm');
  if (mount?.[2] !== 'tmpfs' || mount[3]!.split(',').includes('noexec')) return tmpdir();
  const { bavail, bsize } = statfsSync('/dev/shm');
  return bavail * bsize > 4e9 ? '/dev/shm' : tmpdir();
})();

/** A temporary directory that `removeWorkDir` deletes again. */
export function makeWorkDir(name: string): Promise<string> {
  return mkdtemp(join(WORK_ROOT, `upload-presigner-${name}-`));
}

export function removeWorkDir(dir: string | undefined): Promise<void> {
  return dir ? rm(dir, { recursive: true, force: true }) : Promise.resolve();
}

/**
 * Copies `examples/<name>` (or a folder inside it) the way a user copies a starter, without what a
 * local run may have left there, with its package.json asking for the packed library in place of the
 * registry's: what `npm install <tarball>` would write there, for a build that installs by itself.
 *
 * @example
 * const source = await copyExample('aws-sam/src', workDir, await packLibrary());
 */
export async function copyExample(name: string, workDir: string, tarball: string): Promise<string> {
  const dir = join(workDir, name.replaceAll('/', '-'));
  const leftovers = new Set(['node_modules', 'package-lock.json', 'cdk.out', '.aws-sam']);
  await mkdir(dir);
  for (const entry of await readdir(join(EXAMPLES, name))) {
    if (!leftovers.has(entry)) await cp(join(EXAMPLES, name, entry), join(dir, entry), { recursive: true });
  }
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  manifest.dependencies['upload-presigner'] = `file:${tarball}`;
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

/** What `npm install` printed on stderr (its warnings) in each folder `installExample` installed. */
export const installWarnings = new Map<string, string>();

/**
 * Copies `examples/<name>` (or a folder inside it) as `copyExample` does, and installs it with npm as
 * its README says, the packed library in place of the registry's.
 *
 * @example
 * const dir = await installExample('express', workDir, await packLibrary());
 */
export async function installExample(name: string, workDir: string, tarball: string): Promise<string> {
  const dir = await copyExample(name, workDir, tarball);
  // --prefer-offline: what npm has cached serves without asking the registry again (each example
  // re-installs the same packages on every run); anything missing is still fetched.
  const install = () => runWithOutput('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir });
  const installed = await install().catch((error: unknown) => {
    // npm 11 sometimes fails its first tree build this way and succeeds on the next try.
    if (!String(error).includes("Cannot read properties of null (reading 'children')")) throw error;
    return install();
  });
  installWarnings.set(dir, installed.stderr);
  return dir;
}

/** The environment every example server and handler gets: RGW's test bucket, path style, test credentials. */
export function rgwEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Inherited AWS settings (a profile, a session token) would sign as someone RGW does not know.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|PRESIGN_)/.test(name) || name.startsWith('AWS_SDK_JS_')),
  );
  return {
    ...inherited,
    AWS_REGION: rgw.region,
    AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
    PRESIGN_BUCKET: TEST_BUCKET,
    PRESIGN_S3_ENDPOINT: rgw.endpoint,
    PRESIGN_FORCE_PATH_STYLE: 'true',
    ...extra,
  };
}

export interface RunningServer {
  origin: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts an example with its `start` script as `npm start` runs it, on a free port, and waits for its URL. */
export async function startServer(dir: string, env: NodeJS.ProcessEnv): Promise<RunningServer> {
  // Its own process group, so that stopping it reaches the shell's child (tsx) and node too.
  const [command, args] = scriptCommand(dir, 'start');
  const child: ChildProcess = spawn(command, args, {
    cwd: dir,
    env: { ...env, PORT: '0' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no URL within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Upload page: (http:\/\/localhost:\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    origin,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
