import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Transform } from 'node:stream';

/** A TCP proxy to a loopback server that passes the client's bytes on at a capped rate. */
export interface SlowProxy {
  /** `http://127.0.0.1:PORT`; a presigner aimed here signs this host, and the storage checks that. */
  endpoint: string;
  /**
   * Cuts every connection in flight and refuses new ones until called with `false`: a network that
   * drops. Chromium's offline mode alone fails new requests only, and resends a request whose
   * connection broke, so a test that drops the network does both.
   */
  cut(down: boolean): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy in front of `target` (`http://127.0.0.1:7480`) that forwards what the browser
 * sends at `bytesPerSecond` at most, and answers at full speed. An upload through it takes the same
 * time on any machine, so a fault injected by a test lands in its middle; unlike DevTools' network
 * emulation, it leaves Chromium's own offline mode to the test.
 *
 * @example
 * const proxy = await startSlowProxy(rgw.endpoint, 4 * 1024 ** 2);
 * const presigner = createPresigner({ ...rgw, endpoint: proxy.endpoint, bucket, forcePathStyle: true });
 */
export async function startSlowProxy(target: string, bytesPerSecond: number): Promise<SlowProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let isCut = false;
  const server = createServer((client) => {
    if (isCut) return void client.destroy();
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      // Either side going away takes the other with it, as a dropped connection does.
      socket.once('error', () => (client.destroy(), upstream.destroy()));
      socket.once('close', () => (client.destroy(), upstream.destroy()));
    }
    client.pipe(throttle(bytesPerSecond)).pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut(down) {
      isCut = down;
      if (down) for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Passes chunks on no faster than `bytesPerSecond`, measured from the stream's first byte. */
function throttle(bytesPerSecond: number): Transform {
  let startedAt: number | undefined;
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      startedAt ??= Date.now();
      passed += chunk.length;
      const due = startedAt + (passed / bytesPerSecond) * 1000;
      setTimeout(() => done(null, chunk), Math.max(0, due - Date.now()));
    },
  });
}
