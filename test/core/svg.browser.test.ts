import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPresignError } from '../../src/index.js';
import { STEP_MS } from '../helpers/bounds.js';
import { launchBrowser, SCREENSHOT_DIR, type TestBrowser } from '../helpers/browser.js';
import { rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';

// Whether a stored SVG is dangerous is decided by opening it in Chromium from the storage, as a
// victim following a link would. Each attack below ran its script there, and `verify` passed it
// while it decided with a regular expression over the bytes.

const SVG_NS = 'http://www.w3.org/2000/svg';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const svg = (inner: string) => `<svg xmlns="${SVG_NS}" width="200" height="120">${inner}</svg>`;
const utf16 = (text: string) => new Uint8Array(Buffer.from(text, 'utf16le'));
/** What each attack's script calls, exposed to every frame of the page by Playwright. */
const ran = (label: string) => `reportExecution('${label}')`;

interface Attack {
  body: string | Uint8Array<ArrayBuffer>;
  contentType?: string;
  /** What a victim does on the page that makes the script run. */
  trigger?: (page: Page) => Promise<void>;
}

const ATTACKS: Record<string, Attack> = {
  'svg-prefixed-script': {
    body: `<s:svg xmlns:s="${SVG_NS}"><s:script>${ran('svg-prefixed-script')}</s:script></s:svg>`,
  },
  'xhtml-script': { body: svg(`<h:script xmlns:h="${XHTML_NS}">${ran('xhtml-script')}</h:script>`) },
  'dtd-entity': {
    body: `<!DOCTYPE svg [<!ENTITY payload "&#60;script&#62;${ran('dtd-entity')}&#60;/script&#62;">]>${svg('&payload;')}`,
  },
  'utf16-bom': { body: new Uint8Array([0xff, 0xfe, ...utf16(svg(`<script>${ran('utf16-bom')}</script>`))]) },
  'utf16-charset': {
    body: utf16(svg(`<script>${ran('utf16-charset')}</script>`)),
    contentType: 'image/svg+xml; charset=utf-16',
  },
  'xhtml-iframe-srcdoc': {
    body: svg(`<h:iframe xmlns:h="${XHTML_NS}" srcdoc="&lt;script&gt;${ran('xhtml-iframe-srcdoc')}&lt;/script&gt;"/>`),
  },
  'animate-javascript-href': {
    body: svg(
      `<a><animate attributeName="href" values="&#106;avascript:${ran('animate-javascript-href')}" dur="0.01s" fill="freeze"/>` +
        '<rect width="200" height="120"/></a>',
    ),
    trigger: (page) => page.mouse.click(50, 50),
  },
};

/** Shapes, a path, a gradient, a clip path, text, a local <use> and plain CSS: what editors export. */
const DRAWING = `<svg xmlns="${SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" width="240" height="140" viewBox="0 0 240 140">
<title>Badge</title>
<defs>
  <linearGradient id="fade" x1="0" x2="1"><stop offset="0" stop-color="#1d4ed8"/><stop offset="1" stop-color="#f59e0b"/></linearGradient>
  <clipPath id="round"><rect width="240" height="140" rx="16"/></clipPath>
  <symbol id="star" viewBox="0 0 10 10"><polygon points="5,0 6,4 10,4 7,6 8,10 5,7 2,10 3,6 0,4 4,4" fill="#fff"/></symbol>
</defs>
<style>.label { font: bold 20px sans-serif; fill: rgb(255, 255, 255) } .ring { stroke: url(#fade) }</style>
<g clip-path="url(#round)">
  <rect id="background" width="240" height="140" fill="url(#fade)"/>
  <path d="M0 120 C 60 90, 180 150, 240 110" fill="none" stroke="#fff" stroke-width="4"/>
  <circle cx="200" cy="30" r="18" class="ring" fill="none" stroke-width="4"/>
</g>
<use id="star-use" href="#star" x="12" y="12" width="28" height="28"/>
<text id="label" x="120" y="80" class="label" text-anchor="middle">R&amp;D</text>
</svg>`;

const storage = rgwClient();
// `inline`: an application that shows uploaded SVGs as they are, which is when verify is all that
// stands between an upload and script on the bucket's origin (`auto` would make them downloads).
const presigner = rgwPresigner({
  allowedTypes: ['image/svg+xml'],
  prefix: `svg-${randomUUID()}/`,
  contentDisposition: 'inline',
});
let browser: TestBrowser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Uploads `body` through a presigned PUT, as any client could; returns its key and a URL to open it. */
async function store(body: string | Uint8Array<ArrayBuffer>, contentType = 'image/svg+xml') {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const presigned = await presigner.presign({
    fileName: 'logo.svg',
    contentType,
    size: bytes.byteLength,
  });
  const put = await fetch(presigned.uploadUrl, { method: 'PUT', headers: presigned.headers, body: bytes });
  expect(put.status).toBe(200);
  const url = await getSignedUrl(storage, new GetObjectCommand({ Bucket: TEST_BUCKET, Key: presigned.key }), {
    expiresIn: 600,
  });
  return { key: presigned.key, url };
}

/** Opens `url` in a fresh page that records every `reportExecution(label)` call of any frame. */
async function open(url: string): Promise<{ page: Page; executed: string[] }> {
  const page = await browser.newPage();
  const executed: string[] = [];
  await page.exposeFunction('reportExecution', (label: string) => executed.push(label));
  await page.goto(url, { waitUntil: 'load', timeout: STEP_MS });
  return { page, executed };
}

const exists = (key: string) =>
  storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key })).then(
    () => true,
    () => false,
  );

describe('SVG verification, proven in Chromium', () => {
  it.each(Object.keys(ATTACKS))(
    '%s: runs script when opened from the storage; verify refuses and removes it',
    async (label) => {
      // Prepare: the attack is stored and really runs.
      const attack = ATTACKS[label]!;
      const { key, url } = await store(attack.body, attack.contentType);
      const { page, executed } = await open(url);
      try {
        await attack.trigger?.(page);
        await expect.poll(() => executed, { timeout: STEP_MS }).toContain(label);
      } finally {
        await page.close();
      }

      // Act
      const error = await presigner.verify(key).then(
        () => undefined,
        (caught: unknown) => caught,
      );

      // Assess
      if (!isPresignError(error)) throw new Error(`verify passed the ${label} attack`);
      expect(error.code).toBe('VERIFICATION_FAILED');
      expect(await exists(key)).toBe(false);
      expect((await fetch(url)).status).toBe(404);
    },
  );

  it('a plain drawing passes verify and renders: shapes, gradient, text and the local <use>', async () => {
    // Prepare
    const { key, url } = await store(DRAWING);
    const earlierErrors = browser.errors.length;

    // Act
    const verified = await presigner.verify(key);
    const { page, executed } = await open(url);
    try {
      const rendered = await page.evaluate(() => {
        const box = (id: string) => (document.getElementById(id) as unknown as SVGGraphicsElement).getBBox();
        return {
          root: `${document.documentElement.namespaceURI} ${document.documentElement.localName}`,
          parseErrors: document.getElementsByTagName('parsererror').length,
          backgroundFill: getComputedStyle(document.getElementById('background')!).fill,
          labelWidth: box('label').width,
          starWidth: box('star-use').width,
          hit: document.elementFromPoint(30, 70)?.id,
        };
      });
      // Playwright cannot take a full-page screenshot of an SVG document; the viewport holds it all.
      if (SCREENSHOT_DIR) {
        await mkdir(SCREENSHOT_DIR, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOT_DIR, 'svg-plain-drawing.png'), timeout: STEP_MS });
      }

      // Assess
      expect(verified).toMatchObject({ key, contentType: 'image/svg+xml' });
      expect(rendered).toMatchObject({ root: `${SVG_NS} svg`, parseErrors: 0, hit: 'background' });
      expect(rendered.backgroundFill).toMatch(/^url\("?.*#fade"?\)$/);
      expect(rendered.labelWidth).toBeGreaterThan(20);
      expect(rendered.starWidth).toBe(28);
      expect(executed).toEqual([]);
      expect(browser.errors.slice(earlierErrors)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
