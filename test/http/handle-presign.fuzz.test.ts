import assert from 'node:assert/strict';
import {
  Agent,
  createServer,
  IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toLambdaHandler } from '../../src/adapters/aws-lambda/index.js';
import { toExpressHandler } from '../../src/adapters/express.js';
import { toFetchHandler } from '../../src/adapters/fetch.js';
import { createPresigner, ERROR_STATUS, type HandlerOptions, type Presigner } from '../../src/index.js';
import { MAX_BATCH_FILES } from '../../src/protocol.js';
import { lambdaEvent, lambdaEventKinds } from '../helpers/lambda-events.js';

// Property-based fuzzing of the one HTTP core through every adapter (presign requests, and actions
// with receipts and tokens that look real but were never issued to it): whatever arrives, the answer
// is never a 5xx, never a key outside the prefix or over 1024 bytes, never a URL for a type or
// size that is not allowed, always JSON with a known code, and never a credential or a stack.

const SECRET = 'FuzzSecretKey/DoNotLeak+0123456789abcdefghij';
const SESSION_TOKEN = 'FuzzSessionToken0123456789DoNotLeak';
const PREFIX = 'uploads/user-1/';
const MAX_SIZE = 10 * 1024 * 1024;
const ORIGIN = 'https://app.example.com';
const RUNS = { fetch: 38_000, lambda: 36_000, expressInProcess: 22_000, express: 5_000 };
// The run takes 25-40 s on 2 cores in all; generous, since shrinking a failure takes longer than finding it.
const TIMEOUT = 600_000;

// Signs receipts and multipart tokens: with it, every action opens what the fuzzer sends.
const RECEIPT_SECRET = 'FuzzReceiptSecret/DoNotLeak-0123456789abcdef';

const credentials = { accessKeyId: 'AKIDFUZZ', secretAccessKey: SECRET, sessionToken: SESSION_TOKEN };
const rules = {
  bucket: 'fuzz-bucket',
  region: 'us-east-1',
  credentials,
  allowedTypes: ['image/*', 'application/pdf'],
  maxSize: MAX_SIZE,
  secret: RECEIPT_SECRET,
};
const presigners = {
  PUT: createPresigner({ ...rules, prefix: PREFIX }),
  POST: createPresigner({ ...rules, prefix: PREFIX, method: 'POST' }),
};
const options: HandlerOptions = { allowedOrigins: [ORIGIN] };

// ---- generators --------------------------------------------------------------------------------

const namePiece = fc.oneof(
  fc.constantFrom(
    '../',
    '..\\',
    '..',
    '.',
    '...',
    '/',
    '\\',
    '\0',
    '\u0007',
    '\r\n',
    '\t',
    '\u202e',
    '\u202d',
    '\u2066',
    '\u200b',
    '\u200d',
    '\ufeff',
    '\u2028',
    '\ud800',
    '\udfff',
    'CON',
    'NUL',
    'PRN',
    'AUX',
    'COM1',
    'LPT9',
    'CON.jpg',
    '%2e%2e%2f',
    '%2e%2e/',
    '..%2f',
    '%00',
    '%252e',
    '%c0%ae',
    'e\u0301',
    '\u00e9',
    '\u212b',
    'A\u030a',
    '\uff0e\uff0e\uff0f',
    '\u2024',
    ' ',
    '+',
    '~',
    '$',
    '"',
    "'",
    '<script>',
    '😀',
    'C:\\fakepath\\',
    '//',
    'uploads/',
    'uploads/user-2/',
    '?',
    '#',
    '&',
    '=',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const extension = fc.constantFrom(
  '',
  '.jpg',
  '.JPG',
  '.jpeg',
  '.png',
  '.pdf',
  '.svg',
  '.html',
  '.htm',
  '.exe',
  '.js',
  '.jpg.html',
  '.html.jpg',
  '.',
  '.tar.gz',
  '.v2',
  '.jpg\0.html',
  '.jpg%00.html',
);
const fileName = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.tuple(fc.array(namePiece, { maxLength: 6 }), extension).map(([pieces, ext]) => pieces.join('') + ext),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'a'.repeat(10_000),
      '😀'.repeat(512),
      'é'.repeat(1024),
      `${'\u0301'.repeat(1000)}.jpg`,
      `${'.'.repeat(1024)}`,
      `${'a'.repeat(1020)}.jpg`,
      `${'\u4e2d'.repeat(1020)}.png`,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '.',
      '..',
      '....',
      '.jpg',
      '..jpg',
      'CON',
      'nul.png',
      '.htaccess',
      'sample.jpg',
    ),
  },
);
const contentType = fc.oneof(
  fc.constantFrom(
    'image/jpeg',
    'IMAGE/JPEG',
    'Image/Png',
    'image/png; charset=utf-8',
    'image/jpeg;q="a\\"b"',
    'image/jpeg ; a=b ;c="d e"',
    'image/jpeg;',
    'image/svg+xml',
    'IMAGE/SVG+XML',
    'text/html',
    'application/xhtml+xml',
    'application/javascript',
    'application/pdf',
    'application/PDF',
    'application/octet-stream',
    'image/*',
    '*/*',
    'image',
    'image/',
    '/jpeg',
    '',
    ' ',
    ' image/jpeg ',
    'image/jpeg\r\nx-evil: 1',
    'image/jpeg\0',
    'image/jpeg; a="\u00e9"',
    'image/gif',
    'image/webp',
    'image/x-icon',
    'image/heic',
    'image/jpeg,text/html',
    'image/jpeg;charset="',
  ),
  fc.string({ maxLength: 40 }),
  fc
    .tuple(fc.constantFrom('image', 'application', 'text', 'IMAGE'), fc.stringMatching(/^[a-zA-Z0-9+.*-]{1,12}$/))
    .map(([type, sub]) => `${type}/${sub}`),
  fc.string({ minLength: 250, maxLength: 300 }),
);
const size = fc.oneof(
  fc.constantFrom(
    0,
    1,
    -1,
    -0,
    MAX_SIZE,
    MAX_SIZE + 1,
    2 ** 53,
    2 ** 53 - 1,
    Number.MAX_VALUE,
    Number.NaN,
    Infinity,
    -Infinity,
    1.5,
    1e21,
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom('100', null, true, [], {}, '0x10'),
  fc.constant(undefined),
);
// Types the presigner should admit, in the forms clients really send them.
const admissibleType = fc.constantFrom(
  'image/jpeg',
  'IMAGE/JPEG',
  'Image/Png',
  'image/png; charset=utf-8',
  'image/jpeg;q="a\\"b"',
  'image/jpeg ; a=b ;c="d e"',
  ' image/jpeg ',
  'application/pdf',
  'application/PDF',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/x-icon',
  'image/avif',
);
const admissibleSize = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 0, max: MAX_SIZE }) },
  { weight: 1, arbitrary: fc.constantFrom(MAX_SIZE + 1, 2 ** 53) },
);
// Keys a client may add beside the known ones, on one presign body in five: drawn beside the body
// (fc.tuple) with the same odds and values, not from it (.chain built a new dictionary and jsonValue
// arbitrary for every body: 5 % of the run in a profile).
const extraKeys = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) },
);
const presignObject = fc.oneof(
  // Near-valid: adversarial names with types and sizes that pass, so that keys and URLs are made.
  { weight: 6, arbitrary: fc.record({ fileName, contentType: admissibleType, size: admissibleSize }) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.record(
          {
            fileName: fc.oneof({ weight: 9, arbitrary: fileName }, { weight: 1, arbitrary: fc.anything() }),
            contentType: fc.oneof({ weight: 9, arbitrary: contentType }, { weight: 1, arbitrary: fc.anything() }),
            size,
          },
          { requiredKeys: [] },
        ),
        extraKeys,
      )
      .map(([value, extra]) => (extra === undefined ? value : { ...extra, ...value })),
  },
);
const nested = fc
  .tuple(fc.integer({ min: 1, max: 9000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => open.repeat(depth) + (open === '[' ? ']' : '1}').repeat(depth));

// Receipts and tokens the fuzzer cannot have forged, but that look like the real thing: issued by
// a presigner that shares the secret (a parent prefix, another method), or by this one and then
// altered. None may open: an action reaches the storage only with a receipt or token this
// presigner issued unaltered, which the fuzzer never holds (so no request leaves the machine).
const jpeg = { fileName: 'a.jpg', contentType: 'image/jpeg', size: 1 };
const foreignReceipts = await Promise.all([
  createPresigner({ ...rules, prefix: 'uploads/' }).presign(jpeg),
  createPresigner({ ...rules, prefix: PREFIX, method: 'POST', maxSize: MAX_SIZE - 1 }).presign(jpeg),
  presigners.PUT.presign(jpeg),
]).then((results) => results.map((result) => result.receipt!));
// One character of the payload changed (never of the MAC: base64url's last character has bits that
// decoding drops, so a changed MAC can still be the same MAC).
const alter = (sealed: string, at: number, by: string) => {
  const index = at % sealed.indexOf('.');
  return sealed.slice(0, index) + (sealed[index] === by ? '~' : by) + sealed.slice(index + 1);
};
const sealedLike = fc.oneof(
  fc.constantFrom(...foreignReceipts.slice(0, 2)),
  fc
    .tuple(fc.constantFrom(...foreignReceipts), fc.nat(), fc.constantFrom('A', '_', '-', '.', '0', '\u00e9'))
    .map(([sealed, at, by]) => alter(sealed, at, by)),
  fc
    .tuple(fc.base64String({ maxLength: 200 }), fc.base64String({ maxLength: 50 }))
    .map(([payload, mac]) => `${payload}.${mac}`.replace(/[+/=]/g, '')),
  fc.string({ maxLength: 80 }),
  fc.constantFrom('', '.', '..', 'a.b.c', `${'A'.repeat(5000)}.x`),
);
const actionObject = fc.oneof(
  fc.record({
    action: fc.constant('verify'),
    receipt: fc.oneof({ weight: 9, arbitrary: sealedLike }, { weight: 1, arbitrary: fc.anything() }),
  }),
  fc.record({ action: fc.constant('verify'), key: fc.oneof(fc.constant(`${PREFIX}a.jpg`), fileName) }),
  fc.record(
    {
      action: fc.constantFrom('signParts', 'listParts', 'completeMultipart', 'abortMultipart'),
      token: sealedLike,
      partNumbers: fc.array(fc.integer({ min: -1, max: 10_001 }), { maxLength: 4 }),
    },
    { requiredKeys: ['action', 'token'] },
  ),
  fc.record({
    action: fc.constant('presignBatch'),
    files: fc.oneof(
      { weight: 8, arbitrary: fc.array(presignObject, { minLength: 1, maxLength: 4 }) },
      { weight: 1, arbitrary: fc.anything() },
      { weight: 1, arbitrary: fc.constant(Array.from({ length: MAX_BATCH_FILES + 1 }, () => jpeg)) },
    ),
  }),
);

/** A body as the client sends it: text (JSON or not) or bytes. */
const body: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  { weight: 12, arbitrary: presignObject.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: actionObject.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: nested },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 16_000, max: 17_000 })
      .map((length) => `{"fileName":"${'a'.repeat(length)}.jpg","contentType":"image/jpeg"}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'null',
      '"a string"',
      '[]',
      '{}',
      '{"__proto__":{"fileName":"x.jpg"}}',
      '{"constructor":{"prototype":{}}}',
      '\ufeff{}',
      '{"fileName":"a.jpg","contentType":"image/jpeg","fileName":"../b.jpg"}',
    ),
  },
);
const rareHuge = fc.constantFrom(`[${'1,'.repeat(300_000)}1]`, 'x'.repeat(1024 * 1024));
const method = fc.oneof(
  { weight: 12, arbitrary: fc.constant('POST') },
  { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'post', 'Post', 'HEAD') },
);
// Mostly declared JSON, so that most requests reach the presigner; the rest (none at all among
// them, as '') must be refused with 415 before anything runs.
const declaredType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('application/json', 'APPLICATION/JSON; charset=UTF-8') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/json-patch+json',
    ),
  },
);
const headers = fc
  .record(
    {
      'content-type': declaredType,
      origin: fc.constantFrom(ORIGIN, 'https://evil.example', 'null', 'https://app.example.com.evil.example'),
      'access-control-request-method': fc.constantFrom('POST', 'PUT'),
      authorization: fc.constantFrom('Bearer x', `Bearer ${SECRET}`),
    },
    { requiredKeys: ['content-type'] },
  )
  .map(({ 'content-type': type, ...rest }) => (type === '' ? rest : { 'content-type': type, ...rest }));
const request = fc.record({
  method,
  headers,
  body: fc.oneof({ weight: 2000, arbitrary: body }, { weight: 1, arbitrary: rareHuge }),
  presigner: fc.constantFrom<'PUT' | 'POST'>('PUT', 'POST'),
});
interface FuzzRequest {
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  presigner: 'PUT' | 'POST';
}

// ---- invariants --------------------------------------------------------------------------------

const KNOWN_CODES = new Set(Object.keys(ERROR_STATUS));
const STACK = /\bat [^\n]*:\d+:\d+|\bat async\b|node_modules|\.ts:\d+|\.js:\d+/;
const allowedEssence = (type: string) => {
  const essence = type.split(';')[0]!.trim().toLowerCase();
  return essence === 'application/pdf' || (essence.startsWith('image/') && essence !== 'image/svg+xml');
};

// The checks below run ten to twenty times per request, over 100,000 requests: with vitest's expect
// (its per-test bookkeeping on every call) they took a third of the run's CPU; node:assert checks
// the same conditions for a fraction, and throws just the same for fast-check to report and shrink.

/**
 * Every answer, whatever the adapter: the properties that must hold for any input. Returns a
 * refusal's code, so that the answer is parsed once.
 */
function checkResponse(sent: FuzzRequest, status: number, text: string): string | undefined {
  assert(status < 500, text);
  // HEAD answers carry no body over HTTP.
  if (sent.method.toUpperCase() === 'HEAD' && text === '') {
    assert.equal(status, 405);
    return undefined;
  }
  assert(!text.includes(SECRET), 'the answer holds the secret access key');
  assert(!text.includes(RECEIPT_SECRET), 'the answer holds the receipt secret');
  // A batch's answers share one line, where one's "at most" and another's expiry time would read as a
  // stack frame: checkBatch looks at each on its own.
  if (!(status === 200 && text.startsWith('{"results":'))) assert.doesNotMatch(text, STACK);
  if (status === 204) {
    assert.equal(text, '');
    return undefined;
  }
  const json = JSON.parse(text);
  if (status !== 200) {
    assert(KNOWN_CODES.has(json.error?.code), text);
    assert.equal(ERROR_STATUS[json.error.code as keyof typeof ERROR_STATUS], status, text);
    assert.equal(typeof json.error.message, 'string', text);
    assert(!text.includes(SESSION_TOKEN), `the session token outside the URL: ${text}`);
    return json.error.code;
  }
  // A URL was given: the request must have deserved one.
  const input = JSON.parse(typeof sent.body === 'string' ? sent.body : new TextDecoder().decode(sent.body));
  assert.equal(sent.method.toUpperCase(), 'POST');
  assert.equal(sent.headers['content-type']?.split(';')[0]!.trim().toLowerCase(), 'application/json');
  if (input.action === 'presignBatch') checkBatch(sent, input.files, json.results);
  else checkUpload(sent, input, json, text);
  return undefined;
}

/** A batch answers each file as its own presign would: a URL the file deserved, or an error below 500. */
function checkBatch(sent: FuzzRequest, files: unknown[], results: Array<Record<string, any>>): void {
  assert(files.length <= MAX_BATCH_FILES, `${files.length} files in a batch`);
  assert.equal(results.length, files.length, 'one result per file');
  results.forEach((item, index) => {
    const itemText = JSON.stringify(item);
    assert.doesNotMatch(itemText, STACK);
    if (!('error' in item)) return checkUpload(sent, files[index], item, itemText);
    assert(KNOWN_CODES.has(item.error?.code), itemText);
    assert.equal(ERROR_STATUS[item.error.code as keyof typeof ERROR_STATUS], item.status, itemText);
    assert(item.status < 500, itemText);
    assert.equal(typeof item.error.message, 'string', itemText);
    assert(!itemText.includes(SESSION_TOKEN), `the session token outside the URL: ${itemText}`);
  });
}

/** An upload URL answered for `input`, one presign body: what it signs must be what the rules allow. */
function checkUpload(sent: FuzzRequest, input: any, json: any, text: string): void {
  assert(allowedEssence(input.contentType), input.contentType);
  if (sent.presigner === 'PUT' || input.size !== undefined) {
    assert(Number.isSafeInteger(input.size) && input.size >= 0 && input.size <= MAX_SIZE, String(input.size));
  }
  const { key, uploadUrl } = json;
  assert(key.startsWith(PREFIX) && key.length > PREFIX.length, key);
  assert(Buffer.byteLength(key) <= 1024, key);
  assert(
    key.split('/').every((segment: string) => segment !== '' && segment !== '.' && segment !== '..'),
    key,
  );
  assert.doesNotMatch(key, /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\\]/u);
  const signedType = json.method === 'PUT' ? json.headers['content-type'] : json.fields['Content-Type'];
  assert(allowedEssence(signedType), signedType);
  if (json.method === 'PUT') assert.equal(Number(json.headers['content-length']), input.size);
  else {
    // The size limit travels in the signed policy: exactly the declared size, else 0…maxSize.
    const conditions: unknown[] = JSON.parse(Buffer.from(json.fields.Policy, 'base64').toString('utf8')).conditions;
    const range = conditions.find((condition) => Array.isArray(condition) && condition[0] === 'content-length-range');
    assert.deepEqual(
      range,
      input.size === undefined
        ? ['content-length-range', 0, MAX_SIZE]
        : ['content-length-range', input.size, input.size],
    );
  }
  // A session token must travel in the URL (S3 needs it), and nowhere else.
  const withoutToken =
    json.method === 'PUT'
      ? text.replace(`X-Amz-Security-Token=${SESSION_TOKEN}`, '')
      : text.replace(`"X-Amz-Security-Token":"${SESSION_TOKEN}"`, '');
  assert(!withoutToken.includes(SESSION_TOKEN), `the session token outside the URL: ${text}`);
  assert(uploadUrl.startsWith('https://fuzz-bucket.s3.us-east-1.amazonaws.com/'), uploadUrl);
}

/** Everything the handlers print (the default onError logs to the console) is checked too. */
const logged: string[] = [];
beforeAll(() => {
  for (const name of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, name).mockImplementation(
      (...args: unknown[]) =>
        void logged.push(args.map((arg) => (arg instanceof Error ? `${arg.stack}` : String(arg))).join(' ')),
    );
  }
});
afterAll(() => {
  vi.restoreAllMocks();
  const output = logged.join('\n');
  expect(output).not.toContain(SECRET);
  expect(output).not.toContain(RECEIPT_SECRET);
  expect(output).not.toContain(SESSION_TOKEN);
  expect(output).not.toMatch(STACK);
});

const counted = { requests: 0 };
const outcomes = new Map<string, number>();

/** Checks a fuzzed request's answer, then counts it by error code, or by status when it has none. */
function answered(sent: FuzzRequest, status: number, text: string): void {
  counted.requests++;
  const outcome = checkResponse(sent, status, text) ?? String(status);
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
}

describe('the fuzz invariants', () => {
  // A checker that cannot fail proves nothing: each of these answers breaks one invariant.
  const sent: FuzzRequest = {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"fileName":"a.jpg","contentType":"image/jpeg","size":1}',
    presigner: 'PUT',
  };
  const url = `https://fuzz-bucket.s3.us-east-1.amazonaws.com/x?X-Amz-Security-Token=${SESSION_TOKEN}`;
  const ok = {
    method: 'PUT',
    uploadUrl: url,
    key: `${PREFIX}id-a.jpg`,
    headers: { 'content-type': 'image/jpeg', 'content-length': '1' },
  };
  it.each<[string, number, string]>([
    ['a 5xx', 500, '{"error":{"code":"INTERNAL_ERROR","message":"x"}}'],
    ['an unknown code', 400, '{"error":{"code":"OOPS","message":"x"}}'],
    ['a status that disagrees with the code', 400, '{"error":{"code":"TOO_LARGE","message":"x"}}'],
    ['a stack trace', 400, '{"error":{"code":"INVALID_JSON","message":"at parse (file:///src/x.ts:10:5)"}}'],
    ['the secret', 400, `{"error":{"code":"INVALID_JSON","message":"${SECRET}"}}`],
    ['the session token outside the URL', 400, `{"error":{"code":"INVALID_JSON","message":"${SESSION_TOKEN}"}}`],
    ['a key outside the prefix', 200, JSON.stringify({ ...ok, key: 'uploads/user-2/a.jpg' })],
    ['a key over 1024 bytes', 200, JSON.stringify({ ...ok, key: `${PREFIX}${'é'.repeat(600)}.jpg` })],
    ['a ".." segment', 200, JSON.stringify({ ...ok, key: `${PREFIX}../a.jpg` })],
    [
      'a disallowed signed type',
      200,
      JSON.stringify({ ...ok, headers: { 'content-type': 'image/svg+xml', 'content-length': '1' } }),
    ],
    ['not JSON', 400, 'Bad Request'],
  ])('reject %s', (_, status, text) => {
    expect(() => checkResponse(sent, status, text)).toThrow();
  });

  it('accept a correct answer', () => {
    expect(() => checkResponse(sent, 200, JSON.stringify(ok))).not.toThrow();
  });

  const batch = { ...sent, body: JSON.stringify({ action: 'presignBatch', files: [JSON.parse(sent.body as string)] }) };
  it.each<[string, unknown]>([
    ['a batch item with a disallowed signed type', { ...ok, headers: { 'content-type': 'text/html' } }],
    ['a batch item whose status disagrees with its code', { status: 400, error: { code: 'TOO_LARGE', message: 'x' } }],
    ['a batch item with a 5xx', { status: 500, error: { code: 'INTERNAL_ERROR', message: 'x' } }],
  ])('reject %s', (_, item) => {
    expect(() => checkResponse(batch, 200, JSON.stringify({ results: [item] }))).toThrow();
  });

  it('reject a batch answer with an item missing', () => {
    expect(() => checkResponse(batch, 200, JSON.stringify({ results: [] }))).toThrow();
  });

  it('accept a correct batch answer', () => {
    const refused = { status: 413, error: { code: 'TOO_LARGE', message: 'x' } };
    const twoFiles = { ...batch, body: batch.body.replace(']', `,${sent.body}]`) };
    expect(() => checkResponse(twoFiles, 200, JSON.stringify({ results: [ok, refused] }))).not.toThrow();
  });
});

describe('findings', () => {
  // Found by this fuzzer: a quoted media-type parameter may hold any non-ASCII character, so a URL
  // is signed for a Content-Type that no client can send as signed (fetch refuses code points over
  // U+00FF; Latin-1 ones go out as one byte where SigV4 hashed two, and Ceph RGW answers 403
  // SignatureDoesNotMatch). The fix belongs in src/core/content-type.ts: quoted-string characters
  // limited to HTAB, SP and visible ASCII, which makes such a request INVALID_REQUEST.
  it.each(['image/jpeg; a="\u00e9"', 'image/jpeg; a="\u20ac"'])(
    'refuses %j instead of signing a header no client can send',
    async (type) => {
      const response = await toFetchHandler(
        presigners.PUT,
        options,
      )(
        new Request('http://localhost/presign', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ fileName: 'a.jpg', contentType: type, size: 1 }),
        }),
      );
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe('INVALID_REQUEST');
    },
  );
});

describe('fuzzing the HTTP core through every adapter', () => {
  it(
    `fetch adapter, in-process Request objects (${RUNS.fetch} requests)`,
    async () => {
      const handlers = { PUT: toFetchHandler(presigners.PUT, options), POST: toFetchHandler(presigners.POST, options) };
      await fc.assert(
        fc.asyncProperty(request, async (sent) => {
          const hasBody =
            sent.body !== undefined && sent.method.toUpperCase() !== 'GET' && sent.method.toUpperCase() !== 'HEAD';
          const response = await handlers[sent.presigner](
            new Request('http://localhost/presign', {
              method: sent.method,
              headers: sent.headers,
              body: hasBody ? (sent.body as BodyInit) : undefined,
            }),
          );
          answered({ ...sent, body: hasBody ? sent.body : undefined }, response.status, await response.text());
        }),
        { numRuns: RUNS.fetch },
      );
    },
    TIMEOUT,
  );

  it(
    `Lambda handler, every event kind (${RUNS.lambda} requests)`,
    async () => {
      const handlers = {
        PUT: toLambdaHandler(presigners.PUT, options),
        POST: toLambdaHandler(presigners.POST, options),
      };
      const textBody = body.filter((value): value is string | undefined => typeof value !== 'object');
      const lambdaRequest = fc.record({
        method,
        headers,
        body: textBody,
        presigner: fc.constantFrom<'PUT' | 'POST'>('PUT', 'POST'),
        kind: fc.constantFrom(...lambdaEventKinds),
      });
      await fc.assert(
        fc.asyncProperty(lambdaRequest, async (sent) => {
          const result = await handlers[sent.presigner](
            lambdaEvent(sent.kind, { method: sent.method, headers: sent.headers, body: sent.body }),
          );
          const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
          answered(sent, result.statusCode, text);
        }),
        { numRuns: RUNS.lambda },
      );
    },
    TIMEOUT,
  );

  it(
    `Express handler, in-process IncomingMessage (${RUNS.expressInProcess} requests)`,
    async () => {
      const handlers = {
        PUT: toExpressHandler(presigners.PUT, options),
        POST: toExpressHandler(presigners.POST, options),
      };
      // Never connected, so never read: one serves every request (a socket each was a fifth of this test's CPU).
      const socket = new Socket();
      await fc.assert(
        fc.asyncProperty(request, async (sent) => {
          const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
            // What node:http hands the listener: headers lower-cased, the body streamed.
            const req = new IncomingMessage(socket);
            req.method = sent.method.toUpperCase();
            req.url = '/presign';
            req.headers = { ...sent.headers };
            if (sent.body !== undefined) req.push(typeof sent.body === 'string' ? Buffer.from(sent.body) : sent.body);
            req.push(null);
            let status = 0;
            const res = {
              headersSent: false,
              writeHead(code: number) {
                status = code;
                this.headersSent = true;
                return this;
              },
              end: (text?: string) => resolve({ status, text: text ?? '' }),
              destroy: () => reject(new Error('the adapter destroyed the response')),
            };
            handlers[sent.presigner](req, res as unknown as ServerResponse);
          });
          answered(sent, status, text);
        }),
        { numRuns: RUNS.expressInProcess },
      );
    },
    TIMEOUT,
  );

  describe('Express handler on a real node:http server', () => {
    const servers: Record<'PUT' | 'POST', { server: Server; url: string }> = {} as never;
    beforeAll(async () => {
      for (const kind of ['PUT', 'POST'] as const) {
        const server = createServer(toExpressHandler(presigners[kind] as Presigner, options));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        servers[kind] = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/presign` };
      }
    });
    // The client is node:http on kept-alive connections, as a browser's would be: undici's fetch took
    // four times the CPU of the server it called, and the server is what is under test.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (url: string, method: string, headers: Record<string, string>, body?: string | Uint8Array) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        // Declared as fetch does: node:http would send a DELETE's body undeclared.
        const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
        httpRequest(url, { method, headers: { ...headers, ...length }, agent }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode!, text: Buffer.concat(chunks).toString() }));
          response.on('error', reject);
        })
          .on('error', reject)
          .end(body);
      });
    afterAll(() => {
      agent.destroy();
      for (const { server } of Object.values(servers)) {
        server.closeAllConnections();
        server.close();
      }
    });

    it(
      `(${RUNS.express} requests over loopback)`,
      async () => {
        await fc.assert(
          fc.asyncProperty(request, async (sent) => {
            const hasBody =
              sent.body !== undefined && sent.method.toUpperCase() !== 'GET' && sent.method.toUpperCase() !== 'HEAD';
            const { status, text } = await send(
              servers[sent.presigner].url,
              sent.method,
              sent.headers,
              hasBody ? sent.body : undefined,
            );
            answered({ ...sent, body: hasBody ? sent.body : undefined }, status, text);
          }),
          { numRuns: RUNS.express },
        );
      },
      TIMEOUT,
    );
  });

  afterAll(() => {
    // The figure the suite promises: at least 100,000 generated requests, all answered.
    expect(counted.requests).toBeGreaterThanOrEqual(100_000);
    // The generators reach every answer, URLs included: a fuzzer that only met 400s would prove little.
    process.stdout.write(
      `fuzz outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}\n`,
    );
    expect(outcomes.get('200')).toBeGreaterThan(counted.requests / 10);
    for (const code of [
      '204',
      'INVALID_JSON',
      'INVALID_REQUEST',
      'SIZE_REQUIRED',
      'EXTENSION_MISMATCH',
      'METHOD_NOT_ALLOWED',
      'TOO_LARGE',
      'BODY_TOO_LARGE',
      'TYPE_NOT_ALLOWED',
      'UNSUPPORTED_MEDIA_TYPE',
      'INVALID_TOKEN',
      'RECEIPT_REQUIRED',
    ]) {
      expect(outcomes.get(code), code).toBeGreaterThan(0);
    }
  });
});
