import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/doctor/index.js';

// A URL as the presigner makes it: signed at 09:41:14 for 300 s, Content-Type and Content-Length signed.
const url =
  'https://my-uploads.s3.us-east-1.amazonaws.com/uploads/3f0c-sample.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
  '&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Fus-east-1%2Fs3%2Faws4_request' +
  '&X-Amz-Date=20261128T094114Z&X-Amz-Expires=300&X-Amz-Signature=6b0657925e350c74e373d4f5d4dee57a7a0bfd2816fe49ac5bf2f2b656e44fcb' +
  '&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&x-id=PutObject';
const signedAt = Date.parse('2026-11-28T09:41:14Z');
const expectedHeaders = { 'content-type': 'image/jpeg', 'content-length': '48213' };

/** AWS's SignatureDoesNotMatch, with the canonical request as AWS computed it from what it received. */
function awsSignatureMismatch(received: { contentType: string; contentLength: string; host?: string }) {
  const canonical = [
    'PUT',
    '/uploads/3f0c-sample.jpg',
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&amp;X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&amp;X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Fus-east-1%2Fs3%2Faws4_request&amp;X-Amz-Date=20261128T094114Z&amp;X-Amz-Expires=300&amp;X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&amp;x-id=PutObject',
    `content-length:${received.contentLength}`,
    `content-type:${received.contentType}`,
    `host:${received.host ?? 'my-uploads.s3.us-east-1.amazonaws.com'}`,
    '',
    'content-length;content-type;host',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>' +
    '<AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20261128T094114Z\n20261128/us-east-1/s3/aws4_request\n0f4c9b1a</StringToSign>' +
    `<SignatureProvided>6b0657925e350c74e373d4f5d4dee57a7a0bfd2816fe49ac5bf2f2b656e44fcb</SignatureProvided><CanonicalRequest>${canonical}</CanonicalRequest>` +
    '<RequestId>4RTEHTT2H8YZ1AY1</RequestId><HostId>EoMXqxx5Llr23ZFkiDE9</HostId></Error>'
  );
}

// Recorded from Ceph RGW 16.2.15: every error carries only its code, never the canonical request.
const rgw = (code: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message></Message><RequestId>tx00000fe853a713f6ed084-006b0aa1ba-1008-default</RequestId><HostId>1008-default-default</HostId></Error>`;

describe('diagnose: SignatureDoesNotMatch from AWS (CanonicalRequest in the body)', () => {
  it('names a Content-Type that differs from the signed one, with both values', () => {
    const body = awsSignatureMismatch({ contentType: 'image/png', contentLength: '48213' });
    const diagnosis = diagnose({ status: 403, body, url, expectedHeaders, now: signedAt });
    expect(diagnosis.cause).toBe('CONTENT_TYPE_MISMATCH');
    expect(diagnosis.details).toMatchObject({
      signed: 'image/jpeg',
      sent: 'image/png',
      evidence: "the storage's CanonicalRequest",
    });
    expect(diagnosis.fix).toContain('Content-Type: image/jpeg');
  });

  it('names another signed header sent with another value', () => {
    const body = awsSignatureMismatch({ contentType: 'image/jpeg', contentLength: '50000' });
    const diagnosis = diagnose({ status: 403, body, url, expectedHeaders, now: signedAt });
    expect(diagnosis.cause).toBe('SIGNED_HEADER_MISMATCH');
    expect(diagnosis.details).toMatchObject({ header: 'content-length', signed: '48213', sent: '50000' });
  });

  it('names a Host other than the signed one', () => {
    const body = awsSignatureMismatch({
      contentType: 'image/jpeg',
      contentLength: '48213',
      host: 'internal-proxy:8080',
    });
    const diagnosis = diagnose({ status: 403, body, url, expectedHeaders, now: signedAt });
    expect(diagnosis.cause).toBe('HOST_MISMATCH');
    expect(diagnosis.details).toMatchObject({
      signedHost: 'my-uploads.s3.us-east-1.amazonaws.com',
      receivedHost: 'internal-proxy:8080',
    });
  });

  it('blames the secret when the canonical request is exactly what was signed', () => {
    const body = awsSignatureMismatch({ contentType: 'image/jpeg', contentLength: '48213' });
    const diagnosis = diagnose({ status: 403, body, url, expectedHeaders, now: signedAt });
    expect(diagnosis.cause).toBe('WRONG_SECRET');
    expect(diagnosis.message).toContain('AKIDEXAMPLE');
  });

  it('does not blame the secret when it cannot know what was signed', () => {
    const body = awsSignatureMismatch({ contentType: 'image/jpeg', contentLength: '48213' });
    expect(diagnose({ status: 403, body, url, now: signedAt }).cause).toBe('UNKNOWN');
  });
});

describe('diagnose: SignatureDoesNotMatch without details (Ceph RGW, MinIO, R2)', () => {
  const body = rgw('SignatureDoesNotMatch');

  it('compares the sent headers with the signed ones', () => {
    const sentHeaders = { 'Content-Type': 'text/plain;charset=UTF-8', 'content-length': '48213' };
    const diagnosis = diagnose({ status: 403, body, url, sentHeaders, expectedHeaders, now: signedAt });
    expect(diagnosis.cause).toBe('CONTENT_TYPE_MISMATCH');
    expect(diagnosis.details).toMatchObject({ sent: 'text/plain;charset=UTF-8', evidence: 'sentHeaders' });
  });

  it('names a Content-Type that was signed but not sent', () => {
    const diagnosis = diagnose({
      status: 403,
      body,
      url,
      sentHeaders: { 'content-length': '48213' },
      expectedHeaders,
      now: signedAt,
    });
    expect(diagnosis.cause).toBe('CONTENT_TYPE_MISMATCH');
    expect(diagnosis.message).toContain('sent none');
  });

  it('names another signed header that was not sent', () => {
    const diagnosis = diagnose({
      status: 403,
      body,
      url,
      sentHeaders: new Headers({ 'content-type': 'image/jpeg' }),
      expectedHeaders,
      now: signedAt,
    });
    expect(diagnosis.cause).toBe('SIGNED_HEADER_MISSING');
    expect(diagnosis.details).toMatchObject({ header: 'content-length', signed: '48213' });
  });

  it('blames the secret when the sent headers are the signed ones', () => {
    const diagnosis = diagnose({
      status: 403,
      body,
      url,
      sentHeaders: expectedHeaders,
      expectedHeaders,
      now: signedAt,
    });
    expect(diagnosis.cause).toBe('WRONG_SECRET');
  });

  it('says what it needs when given only the body', () => {
    const diagnosis = diagnose({ status: 403, body, now: signedAt });
    expect(diagnosis.cause).toBe('UNKNOWN');
    expect(diagnosis.fix).toMatch(/sentHeaders.*expectedHeaders/);
  });
});

describe('diagnose: other causes', () => {
  it('names an unsigned x-amz header from AWS HeadersNotSigned', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>There were headers present in the request which were not signed</Message><HeadersNotSigned>x-amz-acl, x-amz-meta-user</HeadersNotSigned><RequestId>D42F71A0C2EB4188</RequestId><HostId>X5IOvG9E</HostId></Error>';
    const diagnosis = diagnose({ status: 403, body, url, now: signedAt });
    expect(diagnosis.cause).toBe('UNSIGNED_HEADER');
    expect(diagnosis.details.headersNotSigned).toEqual(['x-amz-acl', 'x-amz-meta-user']);
  });

  it('names SDK checksum parameters in the URL, whatever the storage answered', () => {
    const checksumUrl = `${url}&x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-sdk-checksum-algorithm=CRC32`;
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>BadDigest</Code><Message>The CRC32 you specified did not match the calculated checksum.</Message><RequestId>Y3B8</RequestId><HostId>a2b</HostId></Error>';
    const failed = diagnose({ status: 400, body, url: checksumUrl, now: signedAt });
    expect(failed.cause).toBe('CHECKSUM_IN_URL');
    expect(failed.details.parameters).toEqual(['x-amz-checksum-crc32', 'x-amz-sdk-checksum-algorithm']);
    expect(failed.fix).toContain('WHEN_REQUIRED');
    const accepted = diagnose({ status: 200, body: '', url: checksumUrl, now: signedAt });
    expect(accepted.cause).toBe('CHECKSUM_IN_URL');
    expect(accepted.message).toContain('ignored it');
  });

  it("explains a BadDigest (Ceph RGW's own answer) in one sentence: the bytes are not those hashed", () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>BadDigest</Code><Message></Message><BucketName>upload-presigner-test</BucketName><RequestId>tx0000</RequestId><HostId>a-b</HostId></Error>';
    const diagnosis = diagnose({
      status: 400,
      body,
      url: url.replace('content-length%3Bcontent-type', 'content-length%3Bcontent-md5%3Bcontent-type'),
      now: signedAt,
    });
    expect(diagnosis.cause).toBe('BAD_DIGEST');
    expect(diagnosis.message.split('. ')).toHaveLength(1);
    expect(diagnosis.message).toContain('not the one signed into the upload');
  });

  it("leaves a digest the client declared in the URL alone: only the SDK's checksum of nothing is a mistake", () => {
    const declared = `${url}&x-amz-checksum-sha256=${encodeURIComponent('3xMpyLbHzzdAu+L4urNNJTqNlTSnnc7qGBdwgf358Ok=')}`;
    expect(diagnose({ status: 200, body: '', url: declared, now: signedAt }).cause).toBe('NO_ERROR');
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>BadDigest</Code><Message>The SHA256 you specified did not match the calculated checksum.</Message></Error>';
    expect(diagnose({ status: 400, body, url: declared, now: signedAt }).cause).toBe('BAD_DIGEST');
  });

  it('names an expired URL from AWS "Request has expired", by the server clock', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>300</X-Amz-Expires><Expires>2026-11-28T09:46:14Z</Expires><ServerTime>2026-11-28T10:00:00Z</ServerTime><RequestId>5N3K</RequestId><HostId>u9x</HostId></Error>';
    const diagnosis = diagnose({ status: 403, body, url, now: signedAt });
    expect(diagnosis.cause).toBe('URL_EXPIRED');
    expect(diagnosis.details).toMatchObject({
      expiresAt: '2026-11-28T09:46:14.000Z',
      usedAt: '2026-11-28T10:00:00.000Z',
    });
  });

  it('names an expired URL from a bare AccessDenied and the URL (Ceph RGW)', () => {
    const diagnosis = diagnose({ status: 403, body: rgw('AccessDenied'), url, now: signedAt + 301_000 });
    expect(diagnosis.cause).toBe('URL_EXPIRED');
    expect(diagnosis.message).toContain('1 s before it was used');
  });

  it('does not call a fresh URL expired', () => {
    expect(diagnose({ status: 403, body: rgw('AccessDenied'), url, now: signedAt + 299_000 }).cause).toBe('UNKNOWN');
  });

  it('names an expired session token', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message><Token-0>IQoJb3JpZ2luX2VjEHga</Token-0><RequestId>QW1</RequestId><HostId>zz</HostId></Error>';
    expect(diagnose({ status: 400, body, url, now: signedAt }).cause).toBe('TOKEN_EXPIRED');
  });

  it('names clock skew with its size, from AWS RequestTimeTooSkewed', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestTime>20261128T084114Z</RequestTime><ServerTime>2026-11-28T09:41:14Z</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds><RequestId>7Y</RequestId><HostId>q</HostId></Error>';
    const diagnosis = diagnose({ status: 403, body, now: signedAt });
    expect(diagnosis.cause).toBe('CLOCK_SKEW');
    expect(diagnosis.details.skewSeconds).toBe(-3600);
    expect(diagnosis.message).toContain('3600 s behind');
  });

  it('names a URL signed in the future as clock skew', () => {
    expect(diagnose({ status: 403, body: rgw('AccessDenied'), url, now: signedAt - 20 * 60_000 }).cause).toBe(
      'CLOCK_SKEW',
    );
  });

  it.each([
    '<Error><Code>AuthorizationQueryParametersError</Code><Message>Error parsing the X-Amz-Credential parameter; the region &apos;us-east-1&apos; is wrong; expecting &apos;eu-central-1&apos;</Message><Region>eu-central-1</Region><RequestId>9G97</RequestId><HostId>XWkl</HostId></Error>',
    "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-central-1'</Message><RequestId>459C</RequestId></Error>",
  ])('names the wrong region and the right one (%#)', (body) => {
    const diagnosis = diagnose({ status: 400, body, url, now: signedAt });
    expect(diagnosis.cause).toBe('WRONG_REGION');
    expect(diagnosis.details).toMatchObject({ signedRegion: 'us-east-1', bucketRegion: 'eu-central-1' });
    expect(diagnosis.fix).toContain('region: "eu-central-1"');
  });

  it('names an unknown access key', () => {
    const diagnosis = diagnose({ status: 403, body: rgw('InvalidAccessKeyId'), url, now: signedAt });
    expect(diagnosis.cause).toBe('UNKNOWN_ACCESS_KEY');
    expect(diagnosis.details.accessKeyId).toBe('AKIDEXAMPLE');
  });

  it('names a virtual-hosted URL sent to a path-style server', () => {
    const virtual = url.replace('my-uploads.s3.us-east-1.amazonaws.com', 'my-uploads.localhost:7480');
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message></Message><BucketName>uploads</BucketName><RequestId>tx1</RequestId><HostId>1008-default-default</HostId></Error>';
    const diagnosis = diagnose({ status: 400, body, url: virtual, now: signedAt });
    expect(diagnosis.cause).toBe('ADDRESSING_STYLE');
    expect(diagnosis.fix).toContain('forcePathStyle: true');
  });

  it('does not call an old URL expired when the storage names another cause', () => {
    const virtual = url.replace('my-uploads.s3.us-east-1.amazonaws.com', 'my-uploads.localhost:7480');
    const body = '<Error><Code>NoSuchBucket</Code><Message></Message><BucketName>uploads</BucketName></Error>';
    expect(diagnose({ status: 404, body, url: virtual, now: signedAt + 3600_000 }).cause).toBe('ADDRESSING_STYLE');
  });

  it('decodes XML entities in the storage message', () => {
    const body = '<Error><Code>AccessDenied</Code><Message>a &amp; b &#x27;c&#39; &lt;d&gt;</Message></Error>';
    expect(diagnose({ status: 403, body, now: signedAt }).details.serverMessage).toBe("a & b 'c' <d>");
  });

  it('names the endpoint AWS redirects to', () => {
    const body =
      '<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>my-uploads.s3.amazonaws.com</Endpoint><Bucket>my-uploads</Bucket><RequestId>1</RequestId></Error>';
    const diagnosis = diagnose({
      status: 301,
      body,
      url: url.replace('my-uploads.s3.us-east-1', 's3.us-east-1').replace('.com/', '.com/my-uploads/'),
      now: signedAt,
    });
    expect(diagnosis.cause).toBe('ADDRESSING_STYLE');
    expect(diagnosis.details.endpoint).toBe('my-uploads.s3.amazonaws.com');
  });

  it('reports success as no error', () => {
    expect(diagnose({ status: 200, body: '', url, now: signedAt }).cause).toBe('NO_ERROR');
  });
});

describe('diagnose: hostile bodies', () => {
  it('reads nothing from a document that is not well-formed (a character reference out of Unicode range), instead of throwing', () => {
    const diagnosis = diagnose({
      status: 403,
      body: '<Error><Code>AccessDenied</Code><Message>&#99999999; &#x41;</Message></Error>',
    });
    expect(diagnosis.details).toMatchObject({ code: undefined, serverMessage: undefined });
  });

  it('decodes character references and CDATA of a well-formed document', () => {
    const diagnosis = diagnose({
      status: 403,
      body: '<Error><Code>AccessDenied</Code><Message>&#x41;&#66; <![CDATA[<C>]]></Message></Error>',
    });
    expect(diagnosis.details.serverMessage).toBe('AB <C>');
  });
});
