import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_MS } from '../helpers/bounds.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { bundleForBrowser, startPageServer, type PageServer } from '../helpers/page-server.js';

// The browser client reads S3 error documents with Chromium's own DOMParser; this is where it runs.
// The slowest 1 MB input (nested elements) took 0.57 s here on 2 cores at load 20; the bound is about 10× that.
const BOUND_MS = 6_000;
const MEGABYTE = 1 << 20;
const HOSTILE_PATTERNS = [
  '<',
  '<a>',
  '</a>',
  '<a b="',
  '&',
  '&#x',
  '&amp;',
  '<![CDATA[',
  '<!--',
  '<?',
  '=',
  '"\'',
  '<Code>',
  '\n',
];

let browser: TestBrowser;
let server: PageServer;
let page: Page;

beforeAll(async () => {
  server = await startPageServer(0);
  server.serve(
    '/',
    'text/html',
    '<!doctype html><meta charset="utf-8"><title>error XML</title><script type="module" src="/reader.js"></script>',
  );
  server.serve(
    '/reader.js',
    'text/javascript',
    await bundleForBrowser(
      "import { parseStorageError } from './src/client/errors.ts'; window.parseStorageError = parseStorageError;",
    ),
  );
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`${server.origin}/`, { timeout: STEP_MS });
  await page.waitForFunction(() => 'parseStorageError' in window, undefined, { timeout: STEP_MS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const parse = (body: string) =>
  page.evaluate(
    (text) => (window as unknown as { parseStorageError: (body: string) => object }).parseStorageError(text),
    body,
  );

describe('the client reads S3 error documents with DOMParser', () => {
  it('reads the code and message, decoding entities', async () => {
    expect(
      await parse('<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>a &amp; b</Message></Error>'),
    ).toEqual({
      code: 'SignatureDoesNotMatch',
      message: 'a & b',
    });
    expect(await parse('<Error><Code>AccessDenied</Code><Message></Message></Error>')).toEqual({
      code: 'AccessDenied',
      message: undefined,
    });
  });

  it('reads nothing from what is not well-formed XML, rather than the parser error page', async () => {
    expect(await parse('Bad Gateway')).toEqual({ code: undefined, message: undefined });
    expect(await parse('<Error><Code>AccessDenied</Code><Message>&#99999999;</Message></Error>')).toEqual({
      code: undefined,
      message: undefined,
    });
  });

  it('reads 1 MB of hostile input in linear time', async () => {
    // Act: each pattern repeated to 1 MB, bare and inside a valid document, timed in the page.
    const timings = await page.evaluate(
      ({ patterns, size }) => {
        const read = (window as unknown as { parseStorageError: (body: string) => object }).parseStorageError;
        return patterns.flatMap((pattern) => {
          const payload = pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);
          return [payload, `<Error><Code>AccessDenied</Code><Message>${payload}</Message></Error>`].map(
            (body, wrapped) => {
              const start = performance.now();
              read(body);
              return { pattern, wrapped: wrapped === 1, ms: performance.now() - start };
            },
          );
        });
      },
      { patterns: HOSTILE_PATTERNS, size: MEGABYTE },
    );
    // Assess
    for (const timing of timings) expect(timing.ms, JSON.stringify(timing)).toBeLessThan(BOUND_MS);
  }, 60_000);
});
