/**
 * `npm run demo`: the whole upload flow on loopback, with nothing to set up. It starts an embedded
 * S3-compatible server (@20minutes/s3rver, data in a temporary folder) with a bucket whose CORS
 * admits the page, the presign endpoint (this repository's `src/`, through the Express adapter on
 * plain node:http) and an upload page; Ctrl-C stops all of it and deletes the data.
 *
 * With `S3_BUCKET` set it uses that bucket instead (AWS S3, or `S3_ENDPOINT` for Ceph RGW, MinIO,
 * R2…), with credentials from the AWS SDK's usual chain (`AWS_ACCESS_KEY_ID`, profiles, roles).
 *
 * Environment: DEMO_HOST (127.0.0.1), DEMO_PORT (5180; 0 picks a free one), S3_BUCKET, S3_ENDPOINT,
 * S3_REGION or AWS_REGION (us-east-1), S3_FORCE_PATH_STYLE (true when S3_ENDPOINT is set).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetBucketCorsCommand, GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import S3rver from '@20minutes/s3rver';
import { build } from 'esbuild';
import { toExpressHandler } from '../src/adapters/express.js';
import { formatSize } from '../src/format-size.js';
import { createPresigner } from '../src/index.js';

const PAGE_DIR = fileURLToPath(new URL('./demo-page/', import.meta.url));
const HOST = process.env.DEMO_HOST ?? '127.0.0.1';
const PORT = Number(process.env.DEMO_PORT ?? 5180);
const PREFIX = 'uploads/';
const ALLOWED_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];
const MAX_SIZE = 5 * 1024 * 1024;
/** s3rver's only account. */
const EMBEDDED_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

interface Storage {
  bucket: string;
  connection: Pick<S3ClientConfig, 'endpoint' | 'region' | 'credentials' | 'forcePathStyle'>;
  description: string;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  // The SDK's notice that its 2027 releases need Node 22 is noise in a demo's first screen.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The page's origin must be known before the embedded bucket's CORS rule is written.
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(PORT, HOST, resolve));
  const origin = `http://${HOST}:${(server.address() as AddressInfo).port}`;

  const storage = process.env.S3_BUCKET || process.env.S3_ENDPOINT ? externalStorage() : await embeddedStorage(origin);
  const client = new S3Client({ ...storage.connection, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const presigner = createPresigner({
    bucket: storage.bucket,
    client,
    allowedTypes: ALLOWED_TYPES,
    maxSize: MAX_SIZE,
    prefix: PREFIX,
  });
  const presign = toExpressHandler(presigner);
  const [page, script] = await Promise.all([readFile(join(PAGE_DIR, 'index.html'), 'utf8'), bundlePage()]);
  // The limit the page states is the one the endpoint enforces, in the units of its refusals.
  const html = page.replace('{{maxSize}}', formatSize(MAX_SIZE));

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/api/presign') return presign(req, res);
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
    if (url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    if (url.pathname === '/page.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    if (url.pathname === '/api/view') return void viewObject(url.searchParams.get('key'), storage.bucket, client, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await storage.stop();
    client.destroy();
    console.log('Stopped.');
  };
  // Before the URL is printed: whoever reads it may signal at once, and a signal that arrives
  // before the handler would kill the process the default way, leaving the data behind.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void stop(signal));
  console.log(`upload-presigner demo\n  storage:     ${storage.description}`);
  if (!process.env.S3_BUCKET) {
    console.log(
      '  note:        s3rver checks SigV4 signatures, expiry and the signed Content-Type and Content-Length of a PUT,\n' +
        '               but not the conditions of a POST policy; test those against real S3 or Ceph RGW.',
    );
  }
  console.log(`  upload page: ${origin}/\nPress Ctrl-C to stop.`);
  if (process.env.S3_BUCKET) void warnAboutCors(client, storage.bucket, origin);
}

/** s3rver in a fresh temporary folder, with the bucket and its CORS rule made at start-up. */
async function embeddedStorage(pageOrigin: string): Promise<Storage> {
  const directory = await mkdtemp(join(tmpdir(), 'upload-presigner-demo-'));
  const bucket = 'demo-uploads';
  // Configured here rather than through PutBucketCors, which s3rver 4 and 5 refuse (their bucket-level auth bug).
  const cors = `<CORSConfiguration><CORSRule>
    <AllowedOrigin>${pageOrigin}</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod>
    <AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds>
  </CORSRule></CORSConfiguration>`;
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: Number(process.env.DEMO_S3_PORT ?? 0),
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [cors] }],
  });
  const { port } = await s3rver.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    bucket,
    connection: { endpoint, region: 'us-east-1', credentials: EMBEDDED_CREDENTIALS, forcePathStyle: true },
    description: `embedded s3rver at ${endpoint}, bucket "${bucket}", data in ${directory} (deleted on exit)`,
    async stop() {
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A real bucket named by the environment; the demo never changes its configuration. */
function externalStorage(): Storage {
  const bucket = process.env.S3_BUCKET;
  if (!bucket) throw new Error('S3_ENDPOINT is set but S3_BUCKET is not: name the bucket to upload to.');
  const endpoint = process.env.S3_ENDPOINT;
  const forcePathStyle = process.env.S3_FORCE_PATH_STYLE
    ? process.env.S3_FORCE_PATH_STYLE === 'true'
    : Boolean(endpoint);
  return {
    bucket,
    connection: { endpoint, region: process.env.S3_REGION ?? process.env.AWS_REGION ?? 'us-east-1', forcePathStyle },
    description: `bucket "${bucket}" at ${endpoint ?? 'AWS S3'}, credentials from the AWS SDK's default chain`,
    stop: async () => {},
  };
}

/** Bundles the page and the client from `src/` on start, so the demo needs no build step. */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(PAGE_DIR, 'page.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Redirects to a one-minute presigned GET, so the page can show a private object. */
async function viewObject(key: string | null, bucket: string, client: S3Client, res: ServerResponse): Promise<void> {
  if (!key || !key.startsWith(PREFIX) || key.includes('..')) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`key must start with ${PREFIX}`);
    return;
  }
  try {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 60 });
    res.writeHead(302, { location: url, 'cache-control': 'no-store' }).end();
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`could not sign a GET: ${(error as Error).message}`);
  }
}

/** The most common first failure with a real bucket is its CORS: say so before the user tries. */
async function warnAboutCors(client: S3Client, bucket: string, origin: string): Promise<void> {
  try {
    const { CORSRules = [] } = await client.send(new GetBucketCorsCommand({ Bucket: bucket }));
    // The page sends every header the presign signed: content-type, content-disposition, if-none-match.
    const admits = CORSRules.some(
      (rule) =>
        rule.AllowedOrigins?.some((allowed) => allowed === '*' || allowed === origin) &&
        rule.AllowedMethods?.includes('PUT') &&
        ['content-type', 'content-disposition', 'if-none-match'].every((header) =>
          rule.AllowedHeaders?.some((allowed) => allowed === '*' || allowed.toLowerCase() === header),
        ),
    );
    if (admits) return;
  } catch {
    // No CORS configuration, or no permission to read it: the advice below applies either way.
  }
  console.warn(
    `Note: bucket "${bucket}" may not allow uploads from ${origin}. Its CORS needs a rule like\n` +
      `  {"AllowedOrigins":["${origin}"],"AllowedMethods":["PUT","POST","GET"],"AllowedHeaders":["*"],"ExposeHeaders":["ETag"]}`,
  );
}

main().catch((error: unknown) => {
  console.error(`demo failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
