import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A running `npm run demo` (or its script without npm), in its own process group. */
export interface Demo {
  process: ChildProcess;
  /** The upload page's origin, as the demo printed it. */
  origin: string;
  output: () => string;
  /** What it wrote to stderr alone: warnings (a deprecation, EBADENGINE) land there. */
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The command of the package.json "demo" script, to run it without npm around it. */
export function demoScriptCommand(): [string, string[]] {
  const [command, ...args] = (
    JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: { demo: string } }
  ).scripts.demo.split(' ');
  return [command!, args];
}

/**
 * Starts the demo in its own process group on a free port, and resolves once it prints its URL.
 * The S3_* variables would switch it to external storage; the embedded one is tested here.
 */
export async function startDemo(command: string, args: string[]): Promise<Demo> {
  const { S3_BUCKET: _bucket, S3_ENDPOINT: _endpoint, ...env } = process.env;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...env, DEMO_PORT: '0' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const origin = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /upload page: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exit.then(({ code }) => reject(new Error(`the demo exited with ${code} before printing its URL:\n${output}`)));
  });
  return { process: child, origin, output: () => output, stderr: () => stderr, exit };
}

/** Signals the demo's whole process group, as a terminal's Ctrl-C does. */
export function signalGroup(demo: Demo, signal: NodeJS.Signals): void {
  process.kill(-demo.process.pid!, signal);
}

/** Kills a demo that a failed test left running. */
export function killIfRunning(demo: Demo | undefined): void {
  if (demo && demo.process.exitCode === null && demo.process.signalCode === null) signalGroup(demo, 'SIGKILL');
}

/** The temporary data folder the demo printed. */
export function dataDirOf(demo: Demo): string {
  const dir = /data in (\S+) \(deleted on exit\)/.exec(demo.output())?.[1];
  if (!dir) throw new Error(`the demo did not print its data folder:\n${demo.output()}`);
  return dir;
}
