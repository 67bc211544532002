import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3CallError } from '../../src/core/s3-calls.js';
import { fetchCalls } from '../../src/core/s3-fetch.js';
import { fakeCredentials } from '../helpers/presign.js';

// What s3-fetch.ts does with answers RGW cannot be made to give (RGW's own answers, and the
// signatures it checks, are s3-calls.rgw.test.ts's): a loopback server answers as S3 documents.

type Answer = { status: number; body?: string };
let answers: Answer[] = [];
const requests: IncomingMessage[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request);
    const { status, body = '' } = answers.shift() ?? { status: 500 };
    request.resume().on('end', () => response.writeHead(status, { 'content-type': 'application/xml' }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function calls(...queued: Answer[]) {
  answers = queued;
  requests.length = 0;
  return fetchCalls({
    bucket: 'my-uploads',
    location: { protocol: 'http:', host: endpoint, basePath: '/my-uploads' },
    region: 'us-east-1',
    credentials: () => fakeCredentials,
  });
}

const error = (code: string, message = '') =>
  `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

async function callError(promise: Promise<unknown>): Promise<S3CallError> {
  const rejection = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(rejection).toBeInstanceOf(S3CallError);
  return rejection as S3CallError;
}

describe('fetchCalls', () => {
  it('signs each request in its Authorization header, for the path-style key it escapes', async () => {
    const s3 = calls({ status: 204 });

    await s3.deleteObject("uploads/a b+(1)'ü.jpg");

    const [request] = requests;
    expect(request!.method).toBe('DELETE');
    expect(request!.url).toBe('/my-uploads/uploads/a%20b%2B%281%29%27%C3%BC.jpg');
    expect(request!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it('retries a 5xx and a 429 (three attempts in all), then answers', async () => {
    const s3 = calls(
      { status: 503, body: error('SlowDown') },
      { status: 429 },
      { status: 200, body: '<InitiateMultipartUploadResult><UploadId>id-1</UploadId></InitiateMultipartUploadResult>' },
    );

    await expect(s3.createMultipartUpload('uploads/a.mp4', { contentType: 'video/mp4' })).resolves.toBe('id-1');
    expect(requests).toHaveLength(3);
  });

  it('reports a 5xx that lasts after three attempts with its code and status', async () => {
    const s3 = calls(
      ...Array.from({ length: 3 }, () => ({ status: 503, body: error('SlowDown', 'Reduce your rate') })),
    );

    const failure = await callError(s3.listParts('uploads/a.mp4', 'id-1'));

    expect([failure.operation, failure.code, failure.status, requests.length]).toEqual([
      'ListParts',
      'SlowDown',
      503,
      3,
    ]);
    expect(failure.message).toBe('ListParts failed: SlowDown (503): Reduce your rate');
  });

  it('never retries a 4xx: AccessDenied and PreconditionFailed are answered at once', async () => {
    const denied = await callError(calls({ status: 403, body: error('AccessDenied') }).firstBytes('uploads/a.jpg', 64));
    const precondition = await callError(
      calls({ status: 412, body: error('PreconditionFailed') }).copyObject('uploads/.staging/a.jpg', 'uploads/a.jpg', {
        ifMatch: '"e1"',
        ifNoneMatch: true,
      }),
    );

    expect([denied.code, denied.status, precondition.code, precondition.status, requests.length]).toEqual([
      'AccessDenied',
      403,
      'PreconditionFailed',
      412,
      1,
    ]);
    expect(requests[0]!.headers).toMatchObject({
      'x-amz-copy-source': 'my-uploads/uploads/.staging/a.jpg',
      'x-amz-copy-source-if-match': '"e1"',
      'if-none-match': '*',
    });
  });

  it('takes an <Error> in a 200 answer (CopyObject, CompleteMultipartUpload) for the error it is', async () => {
    const s3 = calls({ status: 200, body: error('InternalError', 'We encountered an internal error') });

    const failure = await callError(
      s3.completeMultipartUpload('uploads/a.mp4', 'id-1', [{ partNumber: 1, etag: '"a&b"' }]),
    );

    expect([failure.code, failure.status]).toEqual(['InternalError', 200]);
  });

  it('refuses an answer that is not XML rather than guess', async () => {
    const failure = await callError(
      calls({ status: 200, body: '<html><body>proxy' }).createMultipartUpload('uploads/a.mp4', {
        contentType: 'video/mp4',
      }),
    );

    expect(failure.code).toBe('UnreadableAnswer');
  });

  it('reads every part of a ListParts page, and the marker of the next', async () => {
    const s3 = calls({
      status: 200,
      body: `<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>my-uploads</Bucket><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>
        <Part><PartNumber>1</PartNumber><ETag>"e1"</ETag><Size>5242880</Size></Part>
        <Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag><Size>7</Size></Part></ListPartsResult>`,
    });

    await expect(s3.listParts('uploads/a.mp4', 'id-1')).resolves.toEqual({
      parts: [
        { partNumber: 1, etag: '"e1"', size: 5242880 },
        { partNumber: 2, etag: '"e2"', size: 7 },
      ],
      nextMarker: '2',
    });
    expect(requests[0]!.url).toBe('/my-uploads/uploads/a.mp4?uploadId=id-1');
  });
});
