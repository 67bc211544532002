// The conformance app every runtime serves, from the built package as a user imports it: the fetch
// adapter over two presigners, /put signing PUT URLs and /post POST forms, both with receipts
// and multipart. Plain JavaScript, so that Node, Bun, Deno and workerd run the same file.
import { createPresigner } from 'upload-presigner';
import { toFetchHandler } from 'upload-presigner/fetch';

/** `env`: process.env, Deno.env or a Worker's bindings, with the names test/runtimes/runtimes.ts sets. */
export function conformanceApp(env) {
  const options = {
    bucket: env.BUCKET,
    region: 'us-east-1',
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: env.ACCESS_KEY_ID, secretAccessKey: env.SECRET_ACCESS_KEY },
    prefix: env.PREFIX,
    allowedTypes: ['image/*'],
    maxSize: 16 * 1024 * 1024,
    partSize: 5 * 1024 * 1024,
    secret: env.RECEIPT_SECRET,
  };
  const handlerOptions = { allowedOrigins: [env.ORIGIN] };
  const put = toFetchHandler(createPresigner(options), handlerOptions);
  const post = toFetchHandler(createPresigner({ ...options, method: 'POST' }), handlerOptions);
  return (request) => (new URL(request.url).pathname === '/post' ? post(request) : put(request));
}
