import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerList } from '../../src/doctor/check-bucket-cors.js';
import { diagnose, type DiagnoseInput } from '../../src/doctor/index.js';

// Every value diagnose reads comes from a caller or a storage, so none may cost more than linear
// time. The slowest 1 MB input (350,000 nested elements) took 1.7 s here on 2 cores at load 16;
// the bound is about 10× that. The Authorization reader this replaced took 3.8 s on 4 kB (cubic),
// so it would take about a minute on 10 kB and days on 1 MB.
const BOUND_MS = 15_000;
const PLACES = 8;
const MEGABYTE = 1 << 20;
// Long enough that any quadratic reading of it would blow the bound many times over.
const SIZES = [10_000, MEGABYTE];

// What the former readers backtracked on, and what XML and header syntax is made of.
const TOKENS = [
  'Credential=',
  'SignedHeaders=',
  'Signature=',
  'AWS4-HMAC-SHA256 ',
  '=',
  ',',
  ' ',
  '\t',
  ';',
  '/',
  ':',
  '\n',
  '<',
  '</',
  '<a>',
  '</a>',
  '<Code>',
  '</Code>',
  '<a b="',
  '"',
  "'",
  '&',
  '&#x',
  '&#',
  '&amp;',
  ';',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?',
  '?>',
  '<!DOCTYPE a [',
  "expecting '",
  'expired',
  '%',
  '%E0%A4%A',
  'X-Amz-Date=',
  '&X-Amz-',
  'a',
  '0',
];

const repeat = (pattern: string, size: number) => pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);

/** Where an attacker's bytes can go: the body (bare, and inside a valid document), every header, the URL. */
function inputsCarrying(payload: string): Record<string, DiagnoseInput> {
  // Encoded once: encoding every payload costs this file 0.3 s of CPU each time.
  const encoded = encodeURIComponent(payload);
  const query = `https://b.s3.us-east-1.amazonaws.com/k?X-Amz-Credential=${encoded}`;
  return {
    body: { status: 403, body: payload },
    'Message of a valid document': {
      status: 403,
      body: `<Error><Code>AccessDenied</Code><Message>${payload}</Message></Error>`,
    },
    'CanonicalRequest of a valid document': {
      status: 403,
      body: `<Error><Code>SignatureDoesNotMatch</Code><CanonicalRequest>PUT\n/k\n\n${payload}\n\nhost\nUNSIGNED-PAYLOAD</CanonicalRequest></Error>`,
      url: 'https://b.s3.us-east-1.amazonaws.com/k?X-Amz-SignedHeaders=host',
    },
    authorization: { status: 403, body: '', sentHeaders: { authorization: payload, 'x-amz-date': payload } },
    'authorization with a real start': {
      status: 403,
      body: '',
      sentHeaders: { authorization: `AWS4-HMAC-SHA256 Credential=${payload}` },
    },
    'URL query': {
      status: 403,
      body: '',
      url: `${query}&X-Amz-SignedHeaders=${encoded}&X-Amz-Date=${encoded}`,
    },
    'URL path': {
      status: 404,
      body: '<Error><Code>NoSuchBucket</Code><BucketName>k</BucketName></Error>',
      url: `https://b.s3.amazonaws.com/${payload}`,
    },
    'header values': {
      status: 403,
      body: '',
      url: 'https://b.s3.us-east-1.amazonaws.com/k?X-Amz-SignedHeaders=content-type%3Bx-a%3Bhost',
      sentHeaders: { 'content-type': payload, 'x-a': payload },
      expectedHeaders: { 'content-type': `${payload}x`, 'x-a': payload },
    },
  };
}

function timeDiagnose(input: DiagnoseInput): number {
  const start = performance.now();
  diagnose(input);
  return performance.now() - start;
}

describe('diagnose runs in linear time on hostile input', () => {
  for (const token of TOKENS) {
    for (const size of SIZES) {
      it(
        `${JSON.stringify(token)} repeated to ${size} bytes, in every place`,
        () => {
          for (const [place, input] of Object.entries(inputsCarrying(repeat(token, size)))) {
            expect(timeDiagnose(input), place).toBeLessThan(BOUND_MS);
          }
        },
        PLACES * BOUND_MS,
      );
    }
  }

  it(
    'random mixes of those tokens, 1 MB each, in every place',
    () => {
      // Prepare: a pattern of up to 12 tokens, repeated to 1 MB; nested quotes and `=` storms arise by themselves.
      const pattern = fc
        .array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 12 })
        .map((tokens) => tokens.join(''));
      fc.assert(
        fc.property(pattern, (text) => {
          for (const [place, input] of Object.entries(inputsCarrying(repeat(text, MEGABYTE)))) {
            expect(timeDiagnose(input), place).toBeLessThan(BOUND_MS);
          }
        }),
        { numRuns: 10 },
      );
    },
    10 * PLACES * BOUND_MS,
  );
});

describe("checkBucketCors reads the storage's preflight answer in linear time", () => {
  // Node's fetch takes response headers up to 16 KiB; the former `\s*,\s*` split took 1.5 s on 16 KiB of spaces.
  for (const token of [' ', ' ,', '\t', ', ', 'PUT', '*']) {
    it(`an Access-Control-Allow-* value of ${JSON.stringify(token)} repeated to 1 MB`, () => {
      const value = `${repeat(token, MEGABYTE)}x, PUT`;
      const start = performance.now();
      expect(headerList(value).at(-1)).toBe('put');
      expect(performance.now() - start).toBeLessThan(BOUND_MS);
    });
  }
});

describe('diagnose on hostile input still reads what it can', () => {
  it('reads a Credential from an Authorization header that repeats its names', () => {
    // Act
    const diagnosis = diagnose({
      status: 403,
      body: '<Error><Code>InvalidAccessKeyId</Code></Error>',
      sentHeaders: {
        authorization: `AWS4-HMAC-SHA256 Credential=AKID1/20261128/us-east-1/s3/aws4_request, ${'Credential='.repeat(500)}`,
      },
    });
    // Assess
    expect(diagnosis.details).toMatchObject({ accessKeyId: 'AKID1' });
  });

  it('ignores an Authorization header longer than S3 accepts', () => {
    const authorization = `AWS4-HMAC-SHA256 Credential=AKID1/20261128/us-east-1/s3/aws4_request, Signature=${'0'.repeat(9000)}`;
    const diagnosis = diagnose({
      status: 403,
      body: '<Error><Code>InvalidAccessKeyId</Code></Error>',
      sentHeaders: { authorization },
    });
    expect(diagnosis.details).toMatchObject({ accessKeyId: undefined });
  });

  it('keeps a path with a stray % instead of throwing', () => {
    const diagnosis = diagnose({
      status: 404,
      body: '<Error><Code>NoSuchBucket</Code><BucketName>my-uploads</BucketName></Error>',
      url: 'https://other.s3.example.com/my-uploads/%E0%A4%A',
    });
    expect(diagnosis.cause).toBe('ADDRESSING_STYLE');
  });
});
