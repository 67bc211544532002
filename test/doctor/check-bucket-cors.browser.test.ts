import { randomBytes } from 'node:crypto';
import { DeleteBucketCommand, DeleteObjectCommand, PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBucketCors } from '../../src/doctor/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { startPageServer, type PageServer } from '../helpers/page-server.js';
import { ensureBucket, jpegBytes, rgwClient } from '../helpers/s3.js';

// A scratch bucket and a page origin of their own, so no other test's CORS rules or preflight cache meet these.
const BUCKET = `upload-presigner-doctor-chromium-${randomBytes(4).toString('hex')}`;
const KEY = `uploads/${randomBytes(8).toString('hex')}.jpg`;
const storage = rgwClient();

let server: PageServer;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  await ensureBucket(BUCKET);
  server = await startPageServer(0);
  server.serve('/', 'text/html; charset=utf-8', '<!doctype html><title>cors check</title>');
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await storage.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY }));
  await storage.send(new DeleteBucketCommand({ Bucket: BUCKET }));
});

/** A PUT from the page, as an upload client sends it; the browser makes its own preflight. */
function putFromPage(url: string, headers: Record<string, string>, bytes: Uint8Array) {
  return page.evaluate(
    async ({ url, headers, body }) => {
      try {
        const response = await fetch(url, { method: 'PUT', headers, body: new Uint8Array(body) });
        return { status: response.status, etag: response.headers.get('etag') };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { url, headers, body: Array.from(bytes) },
  );
}

describe('checkBucketCors with apply, judged by Chromium', () => {
  it('turns the rules issue 14 left (a GET rule for the origin, then a PUT rule) into ones Chromium uploads through, reading ETag', async () => {
    // Prepare: the state an earlier --apply left, which RGW answers with the GET-only rule.
    const origin = server.origin;
    await storage.send(
      new PutBucketCorsCommand({
        Bucket: BUCKET,
        CORSConfiguration: {
          CORSRules: [
            { AllowedOrigins: [origin], AllowedMethods: ['GET'] },
            {
              AllowedOrigins: [origin],
              AllowedMethods: ['PUT'],
              AllowedHeaders: ['content-type', 'x-amz-meta-*'],
              ExposeHeaders: ['ETag'],
              MaxAgeSeconds: 3000,
            },
          ],
        },
      }),
    );
    const url = await getSignedUrl(
      storage,
      new PutObjectCommand({ Bucket: BUCKET, Key: KEY, ContentType: 'image/jpeg' }),
      {
        expiresIn: 600,
        signableHeaders: new Set(['content-type']),
      },
    );
    const headers = {
      'content-type': 'image/jpeg',
      'content-disposition': 'inline',
      'if-none-match': '*',
      'x-amz-meta-origin': 'chromium',
    };
    const bytes = jpegBytes(256);
    expect(await putFromPage(url, headers, bytes)).toEqual({ error: 'TypeError: Failed to fetch' });

    // Act
    const report = await checkBucketCors({
      client: storage,
      bucket: BUCKET,
      origin,
      headers: ['content-type', 'content-disposition', 'if-none-match', 'x-amz-meta-*'],
      apply: true,
    });

    // Assess
    expect(report).toMatchObject({ ok: true, applied: true });
    expect(await putFromPage(url, headers, bytes)).toEqual({
      status: 200,
      etag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
    });
  });
});
