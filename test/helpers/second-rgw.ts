import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { STEP_MS } from './bounds.js';

/** The shared RGW's folder (scripts/s3-server.sh): its ceph.conf names the cluster a second gateway joins. */
const RGW_DIR = process.env.S3_SERVER_DIR ?? '/tmp/upload-presigner-rgw';

/** A second radosgw process of the test cluster, on a port of its own, that a test may kill and start. */
export interface SecondRgw {
  /** `http://127.0.0.1:PORT`: the same buckets, objects and uploads as the shared RGW's. */
  endpoint: string;
  /** Kills the process at once (SIGKILL: a crash, not a clean stop). */
  kill(): Promise<void>;
  /** Starts it again on the same port (unless it runs) and resolves once it answers. */
  start(): Promise<void>;
  /** Stops it for good (SIGTERM, then SIGKILL after {@link STEP_MS}) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts a second RGW gateway against the cluster that `scripts/s3-server.sh` runs, so that a test
 * can take storage away without touching the shared RGW on :7480 that other tests use. It holds
 * no data of its own: the buckets, their CORS rules and the uploads live in the cluster.
 *
 * @example
 * const storage = await startSecondRgw();
 * await storage.kill(); // the browser's requests to storage.endpoint now fail
 * await storage.start();
 */
export async function startSecondRgw(): Promise<SecondRgw> {
  const port = await freePort();
  const name = `client.rgw.faults-${randomUUID().slice(0, 8)}`;
  const dir = join('/tmp', `upload-presigner-${name}`);
  await mkdir(dir, { recursive: true });
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    // A second process would fail to bind the port, and the first would be left running unseen.
    if (child && isRunning(child)) return;
    const process_ = spawn(
      'radosgw',
      [
        '-f',
        '-c',
        join(RGW_DIR, 'ceph.conf'),
        '-n',
        name,
        `--rgw-frontends=beast endpoint=127.0.0.1:${port}`,
        `--rgw-data=${dir}`,
        `--pid-file=${join(dir, 'pid')}`,
        `--admin-socket=${join(dir, 'asok')}`,
        `--log-file=${join(dir, 'log')}`,
      ],
      { stdio: 'ignore' },
    );
    child = process_;
    const exited = new Promise<never>((_, reject) =>
      process_.once('exit', (code) => reject(new Error(`radosgw ${name} exited (${code}) before it answered`))),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + STEP_MS;
    for (;;) {
      const answered = await Promise.race([
        fetch(endpoint, { signal: AbortSignal.timeout(1000) }).then(
          () => true,
          () => false,
        ),
        exited,
      ]);
      if (answered) return;
      if (Date.now() > deadline) throw new Error(`radosgw ${name} did not answer on ${endpoint} within ${STEP_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const kill = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    const running = child;
    child = undefined;
    if (!running || !isRunning(running)) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    const timer = signal === 'SIGTERM' ? setTimeout(() => running.kill('SIGKILL'), STEP_MS) : undefined;
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    endpoint,
    kill,
    start,
    async stop() {
      // A clean stop takes the gateway's watches with it; a killed one's stall the cluster's bucket
      // and CORS changes until the OSD times them out (scripts/s3-server.sh).
      await kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const isRunning = (process_: ChildProcess) => process_.exitCode === null && process_.signalCode === null;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
