import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createPresigner } from 'upload-presigner';
import { toExpressHandler } from 'upload-presigner/express';

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

const app = express();
// Mounted before any body parser, so that every error it answers is the library's JSON.
// Add `authorize` here before exposing this beyond your own machine: anyone who can reach
// /presign can upload within the limits above.
app.all('/presign', toExpressHandler(presigner, { allowedOrigins: list(env.PRESIGN_ALLOWED_ORIGINS) }));
app.use(express.static(fileURLToPath(new URL('./public', import.meta.url))));

const server = app.listen(Number(env.PORT ?? 3000), (error) => {
  if (error) throw error; // e.g. the port is taken
  const { port } = server.address() as AddressInfo;
  console.log(`Upload page: http://localhost:${port}/`);
});
