/** Why an upload to a presigned URL failed, as {@link diagnose} names it. */
export type DiagnosisCause =
  /** The Content-Type sent is not the one signed into the URL (or none was sent). */
  | 'CONTENT_TYPE_MISMATCH'
  /** A header listed in `X-Amz-SignedHeaders` was not sent. */
  | 'SIGNED_HEADER_MISSING'
  /** A signed header other than Content-Type and Host was sent with another value (e.g. Content-Length). */
  | 'SIGNED_HEADER_MISMATCH'
  /** An `x-amz-*` header was sent that the URL does not sign. */
  | 'UNSIGNED_HEADER'
  /** The SDK put `x-amz-checksum-*` / `x-amz-sdk-checksum-algorithm` (of an empty body) into the URL. */
  | 'CHECKSUM_IN_URL'
  /** The bytes that arrived do not have the digest signed into the upload (Content-MD5 or `x-amz-checksum-*`). */
  | 'BAD_DIGEST'
  /** `X-Amz-Date` + `X-Amz-Expires` is in the past. */
  | 'URL_EXPIRED'
  /** The temporary credentials (session token) that signed the URL have expired. */
  | 'TOKEN_EXPIRED'
  /** The signing machine's clock and the storage's disagree by more than the storage allows. */
  | 'CLOCK_SKEW'
  /** The credential scope names another region than the bucket's. */
  | 'WRONG_REGION'
  /** The request reached the storage with another Host than the one signed (proxy, Docker, localhost vs 127.0.0.1). */
  | 'HOST_MISMATCH'
  /** Virtual-hosted URL for a path-style server, or the other way round. */
  | 'ADDRESSING_STYLE'
  /** The storage does not know the access key. */
  | 'UNKNOWN_ACCESS_KEY'
  /** The request is exactly what was signed, so the signature was computed with another secret key. */
  | 'WRONG_SECRET'
  /** The storage answered without an error. */
  | 'NO_ERROR'
  /** None of the above could be shown from what was given. */
  | 'UNKNOWN';

/** What {@link diagnose} needs: the storage's answer and, for the best diagnosis, what was signed and sent. */
export interface DiagnoseInput {
  /** The storage's HTTP status. */
  status?: number;
  /** The storage's response body: S3 error XML (AWS adds its CanonicalRequest and StringToSign; Ceph RGW does not). */
  body: string;
  /** The presigned URL the upload went to. */
  url?: string;
  /** The headers the client really sent, with the `authorization`/`x-amz-date` of a header-signed request. */
  sentHeaders?: Readonly<Record<string, string | undefined>> | Headers;
  /** The headers the URL was signed with: the `headers` that `presign` returned. */
  expectedHeaders?: Readonly<Record<string, string>>;
  /** The time the request was sent. Default: now. */
  now?: Date | number;
}

/** A cause in plain words, what to do about it, and the evidence. */
export interface Diagnosis {
  cause: DiagnosisCause;
  message: string;
  fix: string;
  details: Record<string, unknown>;
}

// SigV4 presigned requests and signed requests both may lag the server by at most this much.
const MAX_SKEW_MS = 15 * 60 * 1000;
const CHECKSUM_PARAMETER = /^x-amz-(?:sdk-)?checksum-/i;
/** What the SDK signs for an empty body: CRC32 and CRC64NVME of nothing are zero. */
const EMPTY_BODY_CHECKSUMS = new Set(['AAAAAA==', 'AAAAAAAAAAA=']);

/**
 * The checksum parameters the SDK put into a URL by itself: it names its algorithm and hashes an
 * empty body. A digest the client declared (upload-presigner's `checksum`) is neither, and stays.
 */
function sdkChecksumParameters(query: URLSearchParams | undefined): string[] {
  const names = [...(query?.keys() ?? [])].filter((name) => CHECKSUM_PARAMETER.test(name));
  const bySdk =
    names.some((name) => /^x-amz-sdk-checksum-/i.test(name)) ||
    names.some((name) => EMPTY_BODY_CHECKSUMS.has(query!.get(name) ?? ''));
  return bySdk ? names : [];
}
// S3 refuses a request whose headers pass 8 KiB; a longer value is not a real signature and is ignored.
const MAX_SIGNING_VALUE_LENGTH = 8192;
// A presigned URL is a few kB; one this long signs nothing a storage would accept, and is ignored.
const MAX_URL_LENGTH = 64 * 1024;
// The longest time a server writes: an ISO 8601 date with milliseconds and an offset.
const MAX_TIME_LENGTH = 40;

/** The leaf fields of an S3 `<Error>` document, and its `<Code>`. */
export interface ErrorXml {
  code?: string;
  fields: Record<string, string | undefined>;
}

/**
 * What {@link diagnose} does once the error document is read: the doctor reads it with
 * @rgrove/parse-xml, the browser client with the platform's DOMParser, and both explain it alike.
 *
 * @example
 * ```ts
 * const error = { code: 'AccessDenied', fields: { Code: 'AccessDenied', Message: 'Request has expired' } };
 * explainFailure({ status: 403, body: '', url: uploadUrl }, error).cause; // 'URL_EXPIRED'
 * ```
 */
export function explainFailure(input: DiagnoseInput, error: ErrorXml): Diagnosis {
  const signing = readSigning(input.url, lowerCase(input.sentHeaders));
  const now = input.now === undefined ? Date.now() : new Date(input.now).getTime();
  const serverNow = parseTime(error.fields.ServerTime) ?? now;
  const base = {
    status: input.status,
    code: error.code,
    serverMessage: error.fields.Message || undefined,
    requestId: error.fields.RequestId,
  };
  const found = (
    cause: DiagnosisCause,
    message: string,
    fix: string,
    details: Record<string, unknown> = {},
  ): Diagnosis => ({
    cause,
    message,
    fix,
    details: { ...base, ...details },
  });
  const code = error.code;
  const failed = code !== undefined || (input.status ?? 0) >= 400;

  if (code === 'ExpiredToken' || code === 'TokenRefreshRequired') {
    return found(
      'TOKEN_EXPIRED',
      'The URL was signed with temporary credentials (a session token) that have expired, so the URL died with them.',
      'Sign with credentials that outlive the URL, or make URLs shorter-lived; upload-presigner clamps expiresIn to the credentials, so ask for a fresh URL.',
    );
  }
  const skew = clockSkew(error, signing, serverNow, failed);
  if (skew) return found(skew.cause, skew.message, skew.fix, skew.details);
  const expectedRegion = error.fields.Region ?? quotedAfter(error.fields.Message, "expecting '");
  if (expectedRegion && signing.region && expectedRegion !== signing.region) {
    return found(
      'WRONG_REGION',
      `The URL was signed for region ${signing.region}, but the bucket is in ${expectedRegion}.`,
      `Create the S3 client (or the presigner) with region: "${expectedRegion}".`,
      { signedRegion: signing.region, bucketRegion: expectedRegion },
    );
  }
  if (code === 'InvalidAccessKeyId') {
    return found(
      'UNKNOWN_ACCESS_KEY',
      `The storage does not know the access key ${signing.accessKeyId ?? 'that signed the URL'}.`,
      'Sign with an access key of this storage (check the endpoint and the credentials the signer really loads, e.g. AWS_ACCESS_KEY_ID or a profile).',
      { accessKeyId: signing.accessKeyId },
    );
  }
  if (code === 'AccessDenied' && (error.fields.HeadersNotSigned || /not signed/i.test(error.fields.Message ?? ''))) {
    return found(
      'UNSIGNED_HEADER',
      `The request carried headers the URL does not sign: ${error.fields.HeadersNotSigned ?? 'see the storage message'}.`,
      'Send only the headers returned with the URL, or sign the extra x-amz-* headers into it.',
      { headersNotSigned: error.fields.HeadersNotSigned?.split(/,\s*/) },
    );
  }
  const expiry = urlExpiry(error, signing, serverNow, failed);
  if (expiry) return found(expiry.cause, expiry.message, expiry.fix, expiry.details);
  const styleProblem = addressingStyle(error, signing);
  if (styleProblem) return found('ADDRESSING_STYLE', styleProblem.message, styleProblem.fix, styleProblem.details);
  if (signing.checksumParameters.length > 0) {
    return found(
      'CHECKSUM_IN_URL',
      `The URL carries ${signing.checksumParameters.join(' and ')}: the AWS SDK (≥ 3.729) signs a checksum of an empty body into presigned URLs${failed ? '' : '. This storage ignored it; AWS S3, R2 and others reject the upload'}.`,
      'Create the S3Client with requestChecksumCalculation: "WHEN_REQUIRED" (upload-presigner removes these parameters even from your own client).',
      { parameters: signing.checksumParameters },
    );
  }
  // After CHECKSUM_IN_URL: the SDK's checksum of an empty body is refused with BadDigest too.
  if (code === 'BadDigest' || code === 'InvalidDigest' || code === 'XAmzContentChecksumMismatch') {
    return found(
      'BAD_DIGEST',
      'The storage refused the bytes because their digest is not the one signed into the upload (Content-MD5 or x-amz-checksum-*): the body changed between hashing and sending, or was hashed from another file.',
      'Hash exactly the bytes you send (the same file, each part from its own offset) and ask for a new URL with that digest; if the file itself changed, start the upload again.',
    );
  }
  if (!failed) return found('NO_ERROR', 'The storage answered without an error.', 'Nothing to fix.');
  if (code === 'SignatureDoesNotMatch' || code === undefined || code === 'AccessDenied') {
    const mismatch = compareSignedHeaders(
      signing,
      error,
      lowerCase(input.sentHeaders),
      lowerCase(input.expectedHeaders),
    );
    if (mismatch) return found(mismatch.cause, mismatch.message, mismatch.fix, mismatch.details);
  }
  return found(
    'UNKNOWN',
    `The storage refused the upload with ${code ?? `status ${input.status ?? 'unknown'}`}${error.fields.Message ? `: ${error.fields.Message}` : ''}, and nothing given shows why.`,
    'Pass the URL, the headers actually sent (sentHeaders) and the headers it was signed with (expectedHeaders) for a precise diagnosis.',
  );
}

interface Finding {
  cause: DiagnosisCause;
  message: string;
  fix: string;
  details: Record<string, unknown>;
}

/** A signing time the storage refuses: its own RequestTimeTooSkewed, or a URL signed in its future. */
function clockSkew(error: ErrorXml, signing: Signing, serverNow: number, failed: boolean): Finding | undefined {
  const code = error.code;
  if (
    code === 'RequestTimeTooSkewed' ||
    (failed && signing.signedAt !== undefined && signing.signedAt - serverNow > MAX_SKEW_MS)
  ) {
    const requestTime = parseTime(error.fields.RequestTime) ?? signing.signedAt;
    const skewSeconds = requestTime === undefined ? undefined : Math.round((requestTime - serverNow) / 1000);
    return {
      cause: 'CLOCK_SKEW',
      message: `The request was signed at a time the storage does not accept${skewSeconds === undefined ? '' : `: the signer's clock is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'ahead' : 'behind'}`}.`,
      fix: 'Synchronise the clock of the machine that signs (NTP, or restart a suspended VM or container); the storage allows 15 minutes.',
      details: {
        skewSeconds,
        requestTime: requestTime && new Date(requestTime).toISOString(),
        serverTime: new Date(serverNow).toISOString(),
      },
    };
  }
  return undefined;
}

/** A URL used after its expiry, by the storage's message or by its own X-Amz-Date and X-Amz-Expires. */
function urlExpiry(error: ErrorXml, signing: Signing, serverNow: number, failed: boolean): Finding | undefined {
  const code = error.code;
  const expiresAt =
    signing.signedAt !== undefined && signing.expiresIn !== undefined
      ? signing.signedAt + signing.expiresIn * 1000
      : undefined;
  if (
    failed &&
    (/expired/i.test(error.fields.Message ?? '') ||
      (expiresAt !== undefined && expiresAt < serverNow && (code === 'AccessDenied' || code === undefined)))
  ) {
    return {
      cause: 'URL_EXPIRED',
      message: `The URL expired${expiresAt === undefined ? '' : ` at ${new Date(expiresAt).toISOString()}, ${Math.round((serverNow - expiresAt) / 1000)} s before it was used`}.`,
      fix: 'Ask for a new URL right before each upload. If it had only just been made, the clock of the signing machine is behind: synchronise it.',
      details: {
        signedAt: isoTime(signing.signedAt),
        expiresIn: signing.expiresIn,
        expiresAt: isoTime(expiresAt),
        usedAt: new Date(serverNow).toISOString(),
      },
    };
  }
  return undefined;
}

interface Signing {
  url?: URL;
  accessKeyId?: string;
  region?: string;
  signedAt?: number;
  expiresIn?: number;
  signedHeaders?: string[];
  checksumParameters: string[];
}

/** What the URL (query signing) or the Authorization header (header signing) says about the signature. */
function readSigning(url: string | undefined, sent: Map<string, string>): Signing {
  const parsed = url && url.length <= MAX_URL_LENGTH && URL.canParse(url) ? new URL(url) : undefined;
  const query = parsed?.searchParams;
  const bounded = (value: string | null | undefined) =>
    value && value.length <= MAX_SIGNING_VALUE_LENGTH ? value : undefined;
  const authorization = readAuthorization(bounded(sent.get('authorization')));
  const credential = bounded(query?.get('X-Amz-Credential') ?? authorization.get('Credential'))?.split('/');
  const signedHeaders = bounded(query?.get('X-Amz-SignedHeaders') ?? authorization.get('SignedHeaders'));
  const expires = bounded(query?.get('X-Amz-Expires'));
  return {
    url: parsed,
    accessKeyId: credential?.[0],
    region: credential?.[2],
    signedAt: parseTime(query?.get('X-Amz-Date') ?? sent.get('x-amz-date')),
    expiresIn: expires ? Number(expires) : undefined,
    signedHeaders: signedHeaders?.toLowerCase().split(';'),
    checksumParameters: sdkChecksumParameters(query),
  };
}

/**
 * The `name=value` parts of `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`: a split
 * on separators, linear in the header's length (the first value of a name counts).
 */
function readAuthorization(header: string | undefined): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of header?.split(/[\s,]+/) ?? []) {
    const equals = part.indexOf('=');
    if (equals > 0 && !parts.has(part.slice(0, equals))) parts.set(part.slice(0, equals), part.slice(equals + 1));
  }
  return parts;
}

/** The text between `marker` and the next `'`, as in AWS's "the region is wrong; expecting 'eu-west-1'". */
function quotedAfter(text: string | undefined, marker: string): string | undefined {
  const start = text?.indexOf(marker) ?? -1;
  if (start < 0) return undefined;
  const end = text!.indexOf("'", start + marker.length);
  return end > start + marker.length ? text!.slice(start + marker.length, end) : undefined;
}

/**
 * A bucket name in the error that is not the URL's bucket means the server read the bucket from
 * elsewhere: a path-style server takes the key's first segment when the bucket is in the host name.
 */
function addressingStyle(error: ErrorXml, signing: Signing) {
  const { url } = signing;
  if (error.code === 'PermanentRedirect' && error.fields.Endpoint) {
    return {
      message: `The bucket must be addressed through ${error.fields.Endpoint}, not ${url?.host ?? 'the endpoint used'}.`,
      fix: "Use the bucket's own region (and virtual-hosted URLs on AWS), or the endpoint the storage names.",
      details: { endpoint: error.fields.Endpoint },
    };
  }
  const serverBucket = error.fields.BucketName ?? error.fields.Bucket;
  // Only "that bucket does not exist": a path-style URL to a real bucket names it in both places too.
  if (!url || !serverBucket || !/^(?:NoSuchBucket|InvalidBucketName|InvalidArgument)$/.test(error.code ?? ''))
    return undefined;
  const [firstSegment] = decodePath(url.pathname).split('/').filter(Boolean);
  const hostBucket = url.hostname.includes('.') ? url.hostname.split('.')[0] : undefined;
  if (
    firstSegment === serverBucket &&
    hostBucket &&
    hostBucket !== serverBucket &&
    !/^\d+$/.test(hostBucket) &&
    hostBucket !== 's3'
  ) {
    return {
      message: `The URL names the bucket in its host (${url.hostname}, virtual-hosted style), but the storage read "${serverBucket}" from the path as the bucket: it expects path-style URLs.`,
      fix: "Create the S3 client (or presigner) with forcePathStyle: true, or configure the storage's DNS name for virtual-hosted buckets.",
      details: { urlBucket: hostBucket, serverBucket },
    };
  }
  return undefined;
}

/**
 * Compares the signed headers as the storage received them (its CanonicalRequest, else what the
 * client says it sent) with what was signed (the URL's host and `expectedHeaders`). When every
 * signed value agrees, the request is exactly what was signed, so only the key can be wrong.
 */
function compareSignedHeaders(
  signing: Signing,
  error: ErrorXml,
  sent: Map<string, string>,
  expected: Map<string, string>,
) {
  const canonical = error.fields.CanonicalRequest;
  const received = canonical ? canonicalHeaders(canonical) : sent;
  const names = signing.signedHeaders ?? (canonical ? canonical.split('\n').at(-2)?.split(';') : undefined);
  if (!names || (!canonical && sent.size === 0 && expected.size === 0)) return undefined;
  const source = canonical ? "the storage's CanonicalRequest" : 'sentHeaders';
  const details = { signedHeaders: names, evidence: source };

  const signedHost = signing.url?.host;
  const receivedHost = received.get('host');
  if (names.includes('host') && signedHost && receivedHost && receivedHost !== signedHost) {
    return {
      cause: 'HOST_MISMATCH' as const,
      message: `The URL was signed for host ${signedHost}, but the request reached the storage as ${receivedHost}.`,
      fix: 'Sign with the endpoint the client really uses (the public host name, not an internal one), or make the proxy keep the Host header.',
      details: { ...details, signedHost, receivedHost },
    };
  }
  const unknownValues: string[] = [];
  for (const name of names) {
    if (name === 'host') continue;
    const got = received.get(name);
    const want = expected.get(name);
    if (
      name === 'content-type' &&
      (got === undefined || (want !== undefined && canonicalValue(got) !== canonicalValue(want)))
    ) {
      return {
        cause: 'CONTENT_TYPE_MISMATCH' as const,
        message: `The URL was signed for Content-Type ${want ?? '(see expectedHeaders)'}, but the request ${got === undefined ? 'sent none' : `sent ${got}`}.`,
        fix: `Send exactly Content-Type: ${want ?? 'the signed type'} (the headers returned with the URL). fetch and axios add text/plain or application/x-www-form-urlencoded when none is set.`,
        details: { ...details, signed: want, sent: got },
      };
    }
    if (got === undefined) {
      return {
        cause: 'SIGNED_HEADER_MISSING' as const,
        message: `The URL signs the header ${name}, but the request did not send it.`,
        fix: `Send ${name}${want === undefined ? '' : `: ${want}`} with the upload, exactly as signed.`,
        details: { ...details, header: name, signed: want },
      };
    }
    if (want === undefined) unknownValues.push(name);
    else if (canonicalValue(got) !== canonicalValue(want)) {
      return {
        cause: 'SIGNED_HEADER_MISMATCH' as const,
        message: `The URL was signed with ${name}: ${want}, but the request sent ${name}: ${got}.`,
        fix:
          name === 'content-length'
            ? 'Upload exactly the declared number of bytes, or ask for a URL with the real size.'
            : `Send ${name}: ${want}, exactly as signed.`,
        details: { ...details, header: name, signed: want, sent: got },
      };
    }
  }
  if (unknownValues.length > 0) return undefined;
  return {
    cause: 'WRONG_SECRET' as const,
    message: `Every signed part of the request (${names.join(', ')}) is what was signed, so the signature was computed with another secret key than the storage has for ${signing.accessKeyId ?? 'the access key'}.`,
    fix: "Check the secret access key the signer loads (environment, profile, secret manager) against the storage's; look for whitespace or a key that was rotated.",
    details: { ...details, accessKeyId: signing.accessKeyId },
  };
}

/** The `name:value` lines of a SigV4 canonical request (between the query line and the blank line). */
function canonicalHeaders(canonical: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of canonical.split('\n').slice(3)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1));
  }
  return headers;
}

// SigV4 trims header values and folds runs of spaces before signing.
const canonicalValue = (value: string) => value.trim().replace(/\s+/g, ' ');

function lowerCase(headers: DiagnoseInput['sentHeaders']): Map<string, string> {
  const entries = headers instanceof Headers ? [...headers] : Object.entries(headers ?? {});
  return new Map(
    entries
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => [name.toLowerCase(), value]),
  );
}

// A path the caller wrote may hold a `%` that starts no escape, which decodeURIComponent throws on.
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** `20261128T094114Z` (SigV4) or ISO 8601, as epoch milliseconds. */
function parseTime(value: string | null | undefined): number | undefined {
  if (!value || value.length > MAX_TIME_LENGTH) return undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const time = compact
    ? Date.UTC(+compact[1]!, +compact[2]! - 1, +compact[3]!, +compact[4]!, +compact[5]!, +compact[6]!)
    : Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

const isoTime = (time: number | undefined) => (time === undefined ? undefined : new Date(time).toISOString());
