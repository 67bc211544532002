import { randomUUID } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { SVG_MAX_BYTES } from '../../src/core/svg.js';
import { createPresigner, isPresignError } from '../../src/index.js';
import { rgwClient, TEST_BUCKET } from '../helpers/s3.js';

// verify reads an SVG up to SVG_MAX_BYTES and one byte more, never the whole object: what it did
// not read it cannot prove safe, so a larger SVG is refused however harmless.

const storage = rgwClient();
/** The Range header of every GetObject verify sends. */
const ranges: (string | undefined)[] = [];
storage.middlewareStack.add(
  (next, context) => async (args) => {
    if (context.commandName === 'GetObjectCommand')
      ranges.push((args.request as { headers: Record<string, string> }).headers.range);
    return next(args);
  },
  { step: 'finalizeRequest' },
);
const presigner = createPresigner({
  bucket: TEST_BUCKET,
  client: storage,
  allowedTypes: ['image/svg+xml'],
  prefix: `svg-${randomUUID()}/`,
});

/** A harmless SVG of exactly `size` bytes: one text element padded with letters. */
function svgOfSize(size: number): Uint8Array<ArrayBuffer> {
  const head = '<svg xmlns="http://www.w3.org/2000/svg"><text>';
  const tail = '</text></svg>';
  return new TextEncoder().encode(`${head}${'x'.repeat(size - head.length - tail.length)}${tail}`);
}

async function upload(body: Uint8Array<ArrayBuffer>) {
  const presigned = await presigner.presign({
    fileName: 'big.svg',
    contentType: 'image/svg+xml',
    size: body.byteLength,
  });
  expect((await fetch(presigned.uploadUrl, { method: 'PUT', headers: presigned.headers, body })).status).toBe(200);
  return presigned.key;
}

describe('verify reads an SVG up to its bound', () => {
  it(`passes an SVG of exactly ${SVG_MAX_BYTES} bytes, and refuses and removes one a byte larger`, async () => {
    // Prepare
    const atBound = await upload(svgOfSize(SVG_MAX_BYTES));
    const overBound = await upload(svgOfSize(SVG_MAX_BYTES + 1));
    ranges.length = 0;

    // Act
    const verified = await presigner.verify(atBound);
    const error = await presigner.verify(overBound).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    // Assess
    expect(verified.size).toBe(SVG_MAX_BYTES);
    if (!isPresignError(error)) throw new Error('verify passed an SVG over the bound');
    expect(error.code).toBe('VERIFICATION_FAILED');
    expect(error.message).toContain(`cannot be proven safe within ${SVG_MAX_BYTES} bytes`);
    expect(
      await storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: overBound })).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
    expect(ranges).toEqual([`bytes=0-${SVG_MAX_BYTES}`, `bytes=0-${SVG_MAX_BYTES}`]);
  });
});
