import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { createPresigner } from 'upload-presigner';
import { toFastifyPlugin } from 'upload-presigner/fastify';

const env = process.env;
const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);

if (!env.PRESIGN_BUCKET) {
  console.error('Set PRESIGN_BUCKET to the bucket uploads go to (see README.md).');
  process.exit(1);
}

// Region and credentials come from the AWS SDK's usual chain (AWS_REGION, AWS_ACCESS_KEY_ID,
// AWS_PROFILE, …), so the same code runs on a laptop, in a container and on EC2 or ECS.
const presigner = createPresigner({
  bucket: env.PRESIGN_BUCKET,
  prefix: env.PRESIGN_PREFIX || undefined,
  allowedTypes: list(env.PRESIGN_ALLOWED_TYPES) ?? ['image/*', 'application/pdf'],
  // S3 itself refuses a larger body: the size is signed into the URL.
  maxSize: env.PRESIGN_MAX_SIZE ? Number(env.PRESIGN_MAX_SIZE) : 10 * 1024 * 1024,
  endpoint: env.PRESIGN_S3_ENDPOINT || undefined,
  forcePathStyle: env.PRESIGN_FORCE_PATH_STYLE === 'true',
  // 32+ characters, the same on every instance: enables multipart uploads for large files and
  // receipts, with which a browser verifies its own upload.
  secret: env.PRESIGN_SECRET || undefined,
});
const page = readFileSync(new URL('./public/index.html', import.meta.url), 'utf8');

const app = Fastify({ logger: true });
// The plugin answers every method at /presign itself (405, CORS preflight) and reads that route's
// body, so its own size limit and JSON errors apply; your other routes keep Fastify's parsers.
// Add `authorize` here before exposing this beyond your own machine: anyone who can reach
// /presign can upload within the limits above.
await app.register(toFastifyPlugin(presigner, { allowedOrigins: list(env.PRESIGN_ALLOWED_ORIGINS) }));
app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(page));

// Fastify listens on localhost only unless told otherwise; set HOST=0.0.0.0 in a container.
await app.listen({ port: Number(env.PORT ?? 3000), host: env.HOST ?? 'localhost' });
const { port } = app.server.address() as { port: number };
console.log(`Upload page: http://localhost:${port}/`);
