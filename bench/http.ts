/**
 * Section 3: the presign endpoint under load. Seven servers, each in its own process, are loaded
 * in turn with autocannon (50 connections) for ROUNDS rounds of SECONDS seconds, in a rotating
 * order, after a warm-up each. The load generator runs in this process: on 2 cores it competes
 * with the server, so CPU time per request (from the server's process.cpuUsage) is reported too.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { fmt, ratio, summarize, table, type Goal } from './stats.js';

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const WARMUP_SECONDS = Number(process.env.BENCH_HTTP_WARMUP ?? 2);
const CONNECTIONS = 50;
const BODY = JSON.stringify({ fileName: 'sample.jpg', contentType: 'image/jpeg', size: 48_213 });
const HERE = dirname(fileURLToPath(import.meta.url));

const SERVERS = [
  { id: 'fetch', label: '(a) ours: toFetchHandler on node:http (@hono/node-server)' },
  { id: 'express', label: '(b) ours: toExpressHandler on Express 5' },
  { id: 'naive', label: '(c) usual: Express 5 + express.json() + getSignedUrl' },
  { id: 'node', label: "(b') ours: toExpressHandler on bare node:http" },
  { id: 'express-min', label: '(ref) Express 5, the least a presign does: parse, key, bare crypto, JSON' },
  { id: 'express-ref', label: '(ref) Express 5, fixed JSON answer, no signing' },
  { id: 'ref', label: '(ref) bare node:http, fixed JSON answer, no signing' },
] as const;
type ServerId = (typeof SERVERS)[number]['id'];

interface Server {
  child: ChildProcess;
  port: number;
}

function start(kind: string): Promise<Server> {
  const child = fork(join(HERE, 'server.ts'), [kind], {
    execArgv: ['--import', 'tsx', '--no-warnings'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

function cpu(server: Server): Promise<{ cpuMicros: number; rss: number }> {
  return new Promise((resolve) => {
    server.child.once('message', resolve as (m: unknown) => void);
    server.child.send('cpu');
  });
}

function load(port: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/presign`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections: CONNECTIONS,
    duration: seconds,
  });
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
  cpuPerRequest: number;
}

export async function runHttp(): Promise<Goal[]> {
  console.log(
    `\n=== 3. HTTP endpoint under load — autocannon, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds × ${SECONDS} s per server (+${WARMUP_SECONDS} s warm-up) ===`,
  );
  console.log(
    `POST /presign ${BODY} on 127.0.0.1; each server in its own process; same signed PUT everywhere (fake credentials).`,
  );
  console.log(
    'Caveat: 2 cores — autocannon (this process) and the server (one event loop) compete for them, and with anything else running;',
  );
  console.log(
    '"server CPU/req" (server process user+system time ÷ requests answered) is the figure least bent by that.',
  );
  const servers = new Map<string, Server>();
  for (const { id } of SERVERS) servers.set(id, await start(id));
  const rounds = new Map(SERVERS.map(({ id }) => [id, [] as Round[]]));
  const rss = new Map<string, number>();
  try {
    for (const { id } of SERVERS) await load(servers.get(id)!.port, WARMUP_SECONDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < SERVERS.length; i++) {
        const { id } = SERVERS[(round + i) % SERVERS.length]!;
        const server = servers.get(id)!;
        const before = await cpu(server);
        const result = await load(server.port, SECONDS);
        const after = await cpu(server);
        rss.set(id, after.rss);
        const answered = result.requests.total;
        rounds.get(id)!.push({
          rps: answered / (result.duration || SECONDS),
          p50: result.latency.p50,
          p99: result.latency.p99,
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
          requests: answered,
          cpuPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, answered),
        });
      }
    }
  } finally {
    for (const server of servers.values()) server.child.send('stop');
  }
  const naive = rounds.get('naive')!;
  const rows = SERVERS.map(({ id, label }) => {
    const own = rounds.get(id)!;
    const rps = summarize(own.map((r) => r.rps));
    const vsNaive = summarize(own.map((r, i) => r.rps / naive[i]!.rps));
    return [
      label,
      fmt(rps.median),
      `${fmt(rps.min)}–${fmt(rps.max)}`,
      fmt(summarize(own.map((r) => r.p50)).median),
      fmt(summarize(own.map((r) => r.p99)).median),
      String(own.reduce((n, r) => n + r.requests, 0)),
      `${own.reduce((n, r) => n + r.errors, 0)} / ${own.reduce((n, r) => n + r.non2xx, 0)}`,
      fmt(summarize(own.map((r) => r.cpuPerRequest)).median),
      fmt((rss.get(id) ?? 0) / 1e6),
      id === 'naive'
        ? '1'
        : id.endsWith('ref') || id.endsWith('min')
          ? `(${ratio(vsNaive.median)})`
          : ratio(vsNaive.median),
    ];
  });
  table(
    `HTTP (median of ${ROUNDS} rounds; latency in ms)`,
    [
      'server',
      'req/s',
      'req/s min–max',
      'p50',
      'p99',
      'requests',
      'errors / non-2xx',
      'server CPU µs/req',
      'RSS MB',
      'req/s ÷ (c)',
    ],
    rows,
  );
  // What Express itself costs: any handler it serves, even one that only writes a fixed answer,
  // can be at most this much faster than the naive endpoint; one that does only the unavoidable
  // work of a presign (no validation at all), at most the second.
  const cpuOf = (id: ServerId) => summarize(rounds.get(id)!.map((r) => r.cpuPerRequest)).median;
  const ceilingOf = (id: ServerId) => summarize(rounds.get(id)!.map((x, i) => x.rps / naive[i]!.rps)).median;
  console.log(
    `Server CPU per request, median: Express 5 alone (fixed answer) ${fmt(cpuOf('express-ref'))} µs; ours on it ${fmt(cpuOf('express'))} µs, ` +
      `so ${fmt(cpuOf('express') - cpuOf('express-ref'))} µs is ours (the least a presign does: ${fmt(cpuOf('express-min') - cpuOf('express-ref'))} µs); ` +
      `the same adapter without Express ${fmt(cpuOf('node'))} µs (bare node:http: ${fmt(cpuOf('ref'))} µs).`,
  );
  const goals: Goal[] = [];
  for (const id of ['fetch', 'express'] as const) {
    const own = rounds.get(id)!;
    const r = summarize(own.map((x, i) => x.rps / naive[i]!.rps)).median;
    const cpuRatio = cpuOf('naive') / cpuOf(id);
    const ceilings = `; on Express, a fixed answer ${ratio(ceilingOf('express-ref'))}, the least a presign does ${ratio(ceilingOf('express-min'))}`;
    const measured = `${ratio(r)} (CPU/req: ${ratio(cpuRatio)} less)${id === 'express' ? ceilings : ''}`;
    goals.push({
      name: `HTTP req/s: ours (${id}) ÷ naive Express + getSignedUrl`,
      measured,
      goal: '≥ 5×',
      met: r >= 5,
    });
  }
  return goals;
}
