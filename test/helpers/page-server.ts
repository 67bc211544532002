import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { PAGE_PORT } from './rgw-setup.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A loopback HTTP server whose routes each test sets, serving pages and the presign endpoint on one origin. */
export interface PageServer {
  /** `http://127.0.0.1:PORT`, an origin the test bucket's CORS admits when PORT is this worker's PAGE_PORT. */
  origin: string;
  /** Sets (or replaces) the handler of `METHOD /path`. */
  route(method: string, path: string, handler: RouteHandler): void;
  /** Serves a fixed body at `GET /path`. */
  serve(path: string, contentType: string, body: string | Buffer): void;
  /** How many requests each `METHOD /path` got, to prove retries happened or did not. */
  hits(method: string, path: string): number;
  /** Forgets the request counts, so each test counts its own. */
  reset(): void;
  close(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UPPY_MODULES = fileURLToPath(new URL('../fixtures/uppy/node_modules', import.meta.url));

/**
 * Starts the page server, by default on this worker's PAGE_PORT, an origin the test bucket's CORS
 * allows; port 0 picks a free one (for a bucket whose CORS the test sets itself).
 */
export async function startPageServer(port = PAGE_PORT): Promise<PageServer> {
  const routes = new Map<string, RouteHandler>();
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const id = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    const handler = routes.get(id);
    if (!handler) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route for ${id}`);
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  // Hanging test routes must not keep close() waiting.
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    route: (method, path, handler) => void routes.set(`${method} ${path}`, handler),
    serve: (path, contentType, body) =>
      void routes.set(
        `GET ${path}`,
        (_req, res) => void res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      ),
    hits: (method, path) => counts.get(`${method} ${path}`) ?? 0,
    reset: () => counts.clear(),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Bundles browser code for a test page with esbuild, resolving packages from the repository, so
 * pages load the client from `src/` exactly as it is. `@uppy/*` comes from the Uppy fixture
 * package (test/fixtures/uppy), which the root package does not install.
 */
export async function bundleForBrowser(source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts', sourcefile: 'page-entry.ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
    nodePaths: [UPPY_MODULES],
  });
  return result.outputFiles[0]!.text;
}

/** Reads a request body whole (test servers only). */
export async function readRequest(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
