import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { createAdaptorServer, getRequestListener } from '@hono/node-server';
import express5 from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { toExpressHandler } from '../../src/adapters/express.js';
import { toFastifyPlugin } from '../../src/adapters/fastify.js';
import { toFetchHandler } from '../../src/adapters/fetch.js';
import type { HandlerOptions, Presigners } from '../../src/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import type { AdapterDriver, DriverRequest, DriverResponse } from './driver.js';

// `express4` is `npm:express@4`, which ships no types; @types/express describes 5, close enough here.
export const express4 = createRequire(import.meta.url)('express4') as typeof express5;

type Started = Awaited<ReturnType<AdapterDriver['start']>> & { url: string };

/** A driver whose server can also be reached directly, e.g. with a streaming body. */
export interface ServerDriver extends AdapterDriver {
  start<Context>(presigner: Presigners<Context>, options?: HandlerOptions<Context>): Promise<Started>;
}

/** Listens on 127.0.0.1 at a free port; `close` also ends idle keep-alive sockets. */
export async function listen(server: Server): Promise<Started> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    send: (request) => send(url, request),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Sends `request` with Node's fetch, as a browser would. */
export async function send(
  url: string,
  { method, path = '/presign', headers, body }: DriverRequest,
): Promise<DriverResponse> {
  const response = await fetch(url + path, { method, headers, body });
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

/** Express 4 or 5, with the handler at `/presign` for every method so that GET meets a 405. */
function expressDriver(name: string, express: typeof express5, parser?: 'json'): ServerDriver {
  return {
    name,
    parsesJsonFirst: parser === 'json',
    start: (presigner, options) => {
      const app = express();
      if (parser) app.use(express.json());
      app.all('/presign', toExpressHandler(presigner, options));
      return listen(createServer(app));
    },
  };
}

/** Plain node:http has no router: mounts `listener` at `/presign` like the frameworks do. */
function atPresign(listener: RequestListener): Server {
  return createServer((req, res) =>
    req.url?.split('?')[0] === '/presign' ? listener(req, res) : res.writeHead(404).end(),
  );
}

/** Hono's app, as users would mount the fetch handler in it. */
export function honoApp<Context>(presigner: Presigners<Context>, options?: HandlerOptions<Context>): Hono {
  const handler = toFetchHandler(presigner, options);
  return new Hono().all('/presign', (c) => handler(c.req.raw));
}

/**
 * POSTs a 1 MiB body that stops after 64 KiB until the response arrives (or one step's bound
 * passes): an adapter that waited for the whole body would answer only after all 1 MiB was sent.
 */
export async function sendLargeBody(url: string): Promise<DriverResponse & { sentBeforeResponse: number }> {
  let sent = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const timer = setTimeout(release, STEP_MS);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= 64 * 1024) await released;
      if (sent >= 1024 * 1024) return controller.close();
      controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      sent += 16 * 1024;
    },
  });
  try {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' };
    const response = await fetch(`${url}/presign`, init as RequestInit);
    const sentBeforeResponse = sent;
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.text(),
      sentBeforeResponse,
    };
  } finally {
    clearTimeout(timer);
    release();
  }
}

/** Every adapter that answers over HTTP, for the conformance suite. */
export const serverDrivers: ServerDriver[] = [
  expressDriver('express 5', express5),
  expressDriver('express 5 + express.json()', express5, 'json'),
  expressDriver('express 4', express4),
  expressDriver('express 4 + express.json()', express4, 'json'),
  {
    name: 'hono (node-server)',
    start: (presigner, options) => listen(createAdaptorServer({ fetch: honoApp(presigner, options).fetch }) as Server),
  },
  {
    name: 'node:http (fetch bridge)',
    start: (presigner, options) => listen(atPresign(getRequestListener(toFetchHandler(presigner, options)))),
  },
  {
    name: 'node:http (express handler)',
    start: (presigner, options) => listen(atPresign(toExpressHandler(presigner, options))),
  },
  {
    name: 'fastify 5',
    start: async (presigner, options) => {
      const app = Fastify();
      await app.register(toFastifyPlugin(presigner, options));
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url, send: (request) => send(url, request), close: () => app.close() };
    },
  },
];
