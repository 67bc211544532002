// One cold start, in a fresh process: import the bundle, invoke its handler once with an API
// Gateway HTTP API (payload 2.0) event, print the times as JSON. Plain JS: no loader in the way.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// As Lambda's Node runtime loads handlers: `require` for CommonJS, `import()` for ESM.
const file = process.argv[2];
// CPU time (all threads) beside wall time: on a busy machine the wall clock mostly measures waiting.
const cpuStart = process.cpuUsage();
const start = performance.now();
const module = file.endsWith('.cjs') ? createRequire(import.meta.url)(file) : await import(pathToFileURL(file).href);
const imported = performance.now();
const handler = module.handler ?? module.default?.handler;
const body = JSON.stringify({ fileName: 'sample.jpg', contentType: 'image/jpeg' });
const event = {
  version: '2.0',
  routeKey: 'POST /presign',
  rawPath: '/presign',
  rawQueryString: '',
  headers: {
    'content-type': 'application/json',
    'content-length': String(body.length),
    host: 'abc123.execute-api.us-east-1.amazonaws.com',
  },
  body,
  isBase64Encoded: false,
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
    http: { method: 'POST', path: '/presign', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    requestId: 'bench',
    routeKey: 'POST /presign',
    stage: '$default',
    time: '28/Nov/2026:10:00:00 +0000',
    timeEpoch: 1795860000000,
  },
};
const result = await handler(event);
const answered = performance.now();
const cpu = process.cpuUsage(cpuStart);
let signed = false;
try {
  signed = /X-Amz-Signature=[0-9a-f]{64}/.test(JSON.parse(result.body).uploadUrl);
} catch {}
process.stdout.write(
  JSON.stringify({
    importMs: imported - start,
    invokeMs: answered - imported,
    totalMs: answered - start,
    cpuMs: (cpu.user + cpu.system) / 1000,
    status: result.statusCode,
    signed,
  }),
);
