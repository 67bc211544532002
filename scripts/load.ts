/**
 * Load test of the presign endpoint: autocannon, 100 connections for 60 s each (LOAD_DURATION and
 * LOAD_CONNECTIONS override), on loopback, against the fetch adapter behind node:http
 * (@hono/node-server's getRequestListener) and against the Express adapter. Each server runs in
 * its own process, so that the load generator does not share its event loop, and reports its RSS.
 *
 *   npm run load
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import autocannon from 'autocannon';
import express from 'express';
import { toExpressHandler } from '../src/adapters/express.js';
import { toFetchHandler } from '../src/adapters/fetch.js';
import { createPresigner } from '../src/index.js';

type Kind = 'fetch' | 'express';
const DURATION = Number(process.env.LOAD_DURATION ?? 60);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 100);
const BODY = JSON.stringify({ fileName: 'sample.jpg', contentType: 'image/jpeg', size: 48_213 });

/** The child: one server on 127.0.0.1, answering `rss` messages with its resident set size. */
async function serve(kind: Kind): Promise<void> {
  // Presigning is local signing: fake credentials cost the same as real ones and call no one.
  const presigner = createPresigner({
    bucket: 'load-test',
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOAD', secretAccessKey: 'load-test-secret' },
    allowedTypes: ['image/*'],
    maxSize: 10 * 1024 * 1024,
  });
  const listener =
    kind === 'fetch'
      ? getRequestListener(toFetchHandler(presigner))
      : express().all('/presign', toExpressHandler(presigner));
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.on('message', (message) => {
    if (message === 'rss') process.send!({ rss: process.memoryUsage().rss });
    // After a full collection only what is still referenced remains: growth there would be a leak.
    if (message === 'gc') {
      globalThis.gc?.();
      process.send!({ heapUsed: process.memoryUsage().heapUsed });
    }
    if (message === 'stop') server.close(() => process.exit(0)) && server.closeAllConnections();
  });
  process.send!({ port: (server.address() as AddressInfo).port });
}

function ask<T>(child: ChildProcess, message: string, field: keyof T & string): Promise<T[typeof field]> {
  return new Promise((resolve) => {
    const onMessage = (reply: T) => {
      if (reply && typeof reply === 'object' && field in reply) {
        child.off('message', onMessage);
        resolve(reply[field]);
      }
    };
    child.on('message', onMessage);
    if (message) child.send(message);
  });
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function run(kind: Kind): Promise<void> {
  const child = fork(process.argv[1]!, ['serve', kind], {
    execArgv: [...process.execArgv, '--expose-gc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const port = await ask<{ port: number }>(child, '', 'port');
  const url = `http://127.0.0.1:${port}/presign`;
  try {
    const check = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
    if (check.status !== 200)
      throw new Error(`${kind}: the first request answered ${check.status}: ${await check.text()}`);
    const heapStart = await ask<{ heapUsed: number }>(child, 'gc', 'heapUsed');
    const rssStart = await ask<{ rss: number }>(child, 'rss', 'rss');
    const result = await autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
      connections: CONNECTIONS,
      duration: DURATION,
      // Bounded: a request that takes longer than this counts as an error instead of stalling the run.
      timeout: 10,
    });
    const rssEnd = await ask<{ rss: number }>(child, 'rss', 'rss');
    const heapEnd = await ask<{ heapUsed: number }>(child, 'gc', 'heapUsed');
    console.log(
      [
        `${kind === 'fetch' ? 'node:http + fetch adapter (getRequestListener)' : 'Express 5 + express adapter'}:`,
        `  requests: ${result.requests.total} in ${result.duration.toFixed(1)} s, ${result.requests.average.toFixed(0)} req/s average`,
        `  latency: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
        `  errors: ${result.errors} (timeouts ${result.timeouts}), non-2xx: ${result.non2xx}`,
        `  server RSS: ${mib(rssStart)} at start, ${mib(rssEnd)} at end; heap after a full GC: ${mib(heapStart)} at start, ${mib(heapEnd)} at end`,
      ].join('\n'),
    );
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as Kind);
} else {
  console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION} s per server, POST ${BODY}`);
  for (const kind of ['fetch', 'express'] as const) await run(kind);
}
