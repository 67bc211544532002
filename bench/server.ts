/**
 * A presign endpoint for section 3, in its own process (forked by bench/http.ts):
 *   fetch   — toFetchHandler on node:http through @hono/node-server's getRequestListener
 *   express — toExpressHandler on Express 5
 *   naive   — Express 5 + express.json() + getSignedUrl, the usual hand-written endpoint
 *   ref     — bare node:http reading the body and answering a fixed JSON of the same size: the harness's ceiling
 *   express-ref — the same fixed answer mounted on Express 5: the ceiling of any handler Express serves
 *   express-min — Express 5 doing the least a presign endpoint must: parse, key, bare crypto, JSON answer
 *   node    — toExpressHandler as a plain node:http listener, without Express
 * Listens on 127.0.0.1, sends its port, and answers `cpu` with its CPU time so far.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, hash, randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import { toExpressHandler } from '../src/adapters/express.js';
import { toFetchHandler } from '../src/adapters/fetch.js';
import { createPresigner } from '../src/index.js';

const kind = process.argv[2];
const BUCKET = 'bench-uploads';
const REGION = 'us-east-1';
// Fake credentials: presigning is local signing and calls no one.
const CREDENTIALS = {
  accessKeyId: 'ASIABENCHMARKEXAMPLE',
  secretAccessKey: 'bench/Secret+Access/Key0123456789EXAMPLEKEY',
  sessionToken: `IQoJb3JpZ2luX2VjE${'Bench0Session1Token2'.repeat(30)}==`,
};

function naive() {
  const s3 = new S3Client({ region: REGION, credentials: CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const signableHeaders = new Set(['content-type', 'content-length']);
  const app = express();
  app.use(express.json());
  app.post('/presign', async (req, res) => {
    const { fileName, contentType, size } = req.body ?? {};
    if (
      typeof fileName !== 'string' ||
      typeof contentType !== 'string' ||
      !contentType.startsWith('image/') ||
      typeof size !== 'number' ||
      size > 10 * 1024 * 1024
    ) {
      res.status(400).json({ error: 'bad request' });
      return;
    }
    const key = `uploads/${randomUUID()}-${fileName.replace(/[^\w.-]+/g, '-')}`;
    const command = new PutObjectCommand({ Bucket: BUCKET, Key: key, ContentType: contentType, ContentLength: size });
    const uploadUrl = await getSignedUrl(s3, command, { expiresIn: 300, signableHeaders });
    res.json({
      method: 'PUT',
      uploadUrl,
      key,
      headers: { 'content-type': contentType, 'content-length': String(size) },
    });
  });
  return app;
}

function reference() {
  let answer = '';
  void presigner
    .presign({ fileName: 'sample.jpg', contentType: 'image/jpeg', size: 48_213 })
    .then((result) => (answer = JSON.stringify(result)));
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
        .end(answer);
    });
  };
}

// The least any presign endpoint does per request: read and parse the body, make a key, one SHA-256
// and one HMAC (the bare crypto of section 1), and answer the URL as JSON. No validation, no checks.
function minimal() {
  const signingKey = createHmac('sha256', 'bench-signing-key').digest();
  let template:
    | {
        method: string;
        uploadUrl: string;
        key: string;
        headers: Record<string, string>;
        expiresAt: string;
        expiresIn: number;
      }
    | undefined;
  void presigner
    .presign({ fileName: 'sample.jpg', contentType: 'image/jpeg', size: 48_213 })
    .then((result) => (template = result as typeof template));
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { fileName, contentType, size } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const key = `uploads/${randomUUID()}-${fileName}`;
      const [base, query] = template!.uploadUrl.split('?') as [string, string];
      const digest = hash(
        'sha256',
        `PUT\n/${key}\n${query}\ncontent-length:${size}\ncontent-type:${contentType}\n`,
        'hex',
      );
      const signature = createHmac('sha256', signingKey)
        .update(`AWS4-HMAC-SHA256\n20261128T100000Z\n20261128/us-east-1/s3/aws4_request\n${digest}`)
        .digest('hex');
      const at = query.indexOf('X-Amz-Signature=') + 16;
      const uploadUrl = `${base.slice(0, base.indexOf('/uploads/'))}/${key}?${query.slice(0, at)}${signature}${query.slice(at + 64)}`;
      const answer = JSON.stringify({
        ...template,
        uploadUrl,
        key,
        headers: { 'content-type': contentType, 'content-length': String(size) },
      });
      res
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
        .end(answer);
    });
  };
}

const presigner = createPresigner({
  bucket: BUCKET,
  region: REGION,
  credentials: CREDENTIALS,
  allowedTypes: ['image/*'],
  maxSize: 10 * 1024 * 1024,
});
const listeners: Record<string, () => (req: IncomingMessage, res: ServerResponse) => void> = {
  fetch: () => getRequestListener(toFetchHandler(presigner)),
  express: () => express().all('/presign', toExpressHandler(presigner)),
  node: () => toExpressHandler(presigner),
  naive,
  ref: reference,
  'express-ref': () => express().all('/presign', reference()),
  'express-min': () => express().all('/presign', minimal()),
};
const listener = listeners[kind!]!();
const server = createServer(listener);
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send!({ cpuMicros: user + system, rss: process.memoryUsage().rss });
  }
  if (message === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
