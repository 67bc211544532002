import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a {@link startCountingProxy} saw: the PUTs through it, in flight now and the most at once. */
export interface PutCounts {
  inFlight: number;
  peak: number;
  puts: number;
}

/**
 * An HTTP proxy in front of `target` (RGW) that counts the PUTs in flight through it, a single
 * upload or a part each, and holds them, so that a client's limit on parallel PUTs shows however
 * fast the storage answers or the client hashes: the PUTs go on together once the client has sent
 * none for `holdMs`, or at once when more than `limit` are in flight (`peak` then tells). Presign
 * URLs for `endpoint`, not `target`, to go through it.
 *
 * @example
 * const proxy = await startCountingProxy(rgw.endpoint, 4, 1_000);
 * // ... upload through a presigner whose endpoint is proxy.endpoint ...
 * expect(proxy.counts.peak).toBe(4);
 * await proxy.close();
 */
export async function startCountingProxy(target: string, limit: number, holdMs: number) {
  const { hostname, port } = new URL(target);
  const counts: PutCounts = { inFlight: 0, peak: 0, puts: 0 };
  const held: (() => void)[] = [];
  let quiet: NodeJS.Timeout | undefined;
  const releaseAll = () => {
    clearTimeout(quiet);
    for (const forward of held.splice(0)) forward();
  };
  const server: Server = createServer((req, res) => {
    const forward = () => {
      const upstream = request(
        { hostname, port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.once('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (req.method !== 'PUT') return forward();
    counts.puts++;
    counts.peak = Math.max(counts.peak, ++counts.inFlight);
    res.once('close', () => counts.inFlight--);
    held.push(forward);
    clearTimeout(quiet);
    if (counts.inFlight > limit) releaseAll();
    else quiet = setTimeout(releaseAll, holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        releaseAll();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
