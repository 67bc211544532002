import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { PresignError } from '../errors.js';
import { createHasher } from '../client/hashers.js';
import { createS3Client, sdkSigner, type SignRequest } from '../core/sdk-signer.js';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../protocol.js';
import { readErrorXml } from './error-xml.js';

/** Where to probe, and as whom: the credentials your presigner signs with. */
export interface ProbeStorageOptions {
  bucket: string;
  /**
   * Scratch objects go under `${prefix}<run id>/`, and every one is deleted at the end.
   * @default 'upload-presigner-probe/'
   */
  prefix?: string;
  /** An S3Client of your own, instead of `endpoint`, `region`, `credentials` and `forcePathStyle`. */
  client?: S3Client;
  endpoint?: string;
  region?: string;
  credentials?: S3ClientConfig['credentials'];
  forcePathStyle?: boolean;
}

/** What one probe asked the storage, and what it answered. */
export interface ProbeCase {
  id: ProbeCaseId;
  question: string;
  /** Whether the storage refused what it should refuse; `unknown` when the answer proves neither. */
  enforced: boolean | 'unknown';
  /** The storage's answer: status, error code, and what the probe saw afterwards. */
  evidence: { status: number; code?: string; seen?: string };
}

/** The cases {@link probeStorage} runs, PUT first, then POST. */
export type ProbeCaseId =
  | 'put-content-type'
  | 'put-content-length'
  | 'put-meta'
  | 'put-acl'
  | 'put-tagging'
  | 'put-website-redirect'
  | 'put-copy-source'
  | 'put-if-none-match'
  | 'put-content-md5'
  | 'put-checksum-sha256'
  | 'put-checksum-crc32'
  | 'put-checksum-crc64nvme'
  | 'put-expired'
  | 'post-content-length-range'
  | 'post-content-type'
  | 'post-key';

/** The outcome of {@link probeStorage}. */
export interface StorageProbeReport {
  bucket: string;
  /** The scratch prefix of this run. */
  prefix: string;
  cases: ProbeCase[];
  /** Whether every case of the method was enforced: its limits hold against a URL holder. */
  safe: { PUT: boolean; POST: boolean };
  /** Which upload method to use on this storage, and which `checksum`, in one paragraph. */
  advice: string;
  /** The digests the storage verifies, and the presigner's `checksum` option that follows from them. */
  checksum: ChecksumFinding;
  /**
   * How many scratch keys were deleted (each key the probe wrote to, whether or not the storage
   * kept an object there), and what a listing of the run's prefix still shows afterwards: none,
   * normally; `undefined` when the listing itself failed.
   */
  cleanup: { deleted: number; left: string[] | undefined };
}

/**
 * What a storage does with a digest signed into a presigned PUT, and the `checksum` option to set
 * for it: the first of md5, crc64nvme, crc32, sha256 (fastest to hash in a browser first) that it
 * verifies, or `md5` when it verifies none (then only `verify`, comparing a single-part ETag,
 * checks the bytes). Set it once in the presigner's options (`PRESIGN_CHECKSUM` for the Lambda
 * handler): presigning never asks the storage.
 */
export interface ChecksumFinding {
  /** The algorithms whose signed digest the storage checked: a body with one byte changed was refused. */
  verified: ChecksumAlgorithm[];
  /** The presigner's `checksum` option for this storage. */
  option: ChecksumAlgorithm;
}

// Cheapest to hash in a browser first (hash-wasm, README's hashing table); md5 also lets verify
// compare a single-part ETag.
const CHECKSUM_PREFERENCE: readonly ChecksumAlgorithm[] = ['md5', 'crc64nvme', 'crc32', 'sha256'];

const BODY = new TextEncoder().encode('upload-presigner storage probe\n');
// BODY with one byte changed: the same length, so only the digest can tell them apart.
const CORRUPTED_BODY = BODY.map((byte, index) => (index === 0 ? byte ^ 1 : byte));
const OTHER_BODY = new TextEncoder().encode('upload-presigner probe: the copy source, never uploaded by a URL\n');
const TYPE = 'text/plain';
// The probe's URLs live long enough for a slow storage, except the one that must expire.
const EXPIRES_IN = 300;
const EXPIRED_URL_LIFETIME = 1;
// SigV4 expiry is checked in whole seconds: wait past a full second more than the URL lives.
const EXPIRY_WAIT_MS = (EXPIRED_URL_LIFETIME + 1.5) * 1000;

/**
 * Probes an S3 endpoint with scratch objects under `prefix` and reports, case by case, what it
 * enforces on presigned uploads: the signed Content-Type and Content-Length of a PUT, unsigned
 * `x-amz-*` headers a URL holder may add (metadata, `public-read` ACL, tagging, website redirect,
 * `x-amz-copy-source`, which some storages turn into a copy of another object), a signed
 * `If-None-Match: *`, a body with one byte changed under each signed digest (Content-MD5,
 * `x-amz-checksum-sha256`, `-crc32`, `-crc64nvme`), an expired URL, and the conditions of a POST
 * policy. It deletes every scratch object it made, also when a step throws, and says which method
 * is safe there and which `checksum` option to set (`report.checksum.option`). It throws `STORAGE_ERROR` only when the probe itself fails (a valid
 * upload is refused, the storage is unreachable); findings are in the report.
 *
 * @example
 * ```ts
 * import { probeStorage } from 'upload-presigner/doctor';
 *
 * const report = await probeStorage({ bucket: 'my-uploads', region: 'eu-west-1' });
 * for (const c of report.cases) console.log(c.id, c.enforced, c.evidence.status, c.evidence.code);
 * console.log(report.advice); // "POST: every condition enforced. PUT: … Checksums: …"
 * console.log(report.checksum); // { verified: ['md5'], option: 'md5' } on Ceph RGW 16
 * ```
 */
export async function probeStorage(options: ProbeStorageOptions): Promise<StorageProbeReport> {
  const client =
    options.client ??
    (await createS3Client({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle,
    }));
  const prefix = `${options.prefix ?? 'upload-presigner-probe/'}${randomUUID()}/`;
  const probe = new Probe(client, options.bucket, prefix);
  const cases: ProbeCase[] = [];
  let failure: unknown;
  try {
    // Signed first, used last: its wait overlaps the other cases.
    const expiring = probe.signPut(probe.key('expired'), { expiresIn: EXPIRED_URL_LIFETIME });
    const signedAt = Date.now();
    await probe.requireValidUploads();
    cases.push(...(await probe.putCases()), ...(await probe.checksumCases()), await probe.ifNoneMatchCase());
    await sleep(Math.max(0, signedAt + EXPIRY_WAIT_MS - Date.now()));
    cases.push(await probe.expiredCase(await expiring), ...(await probe.postCases()));
  } catch (error) {
    failure = error;
  }
  const cleanup = await probe.cleanUp();
  if (failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    throw new PresignError(
      'STORAGE_ERROR',
      `The storage probe of ${options.bucket} failed: ${message} (${cleanupSummary(cleanup)}).`,
      { cause: failure },
    );
  }
  const safe = { PUT: cases.filter(isPutCase).every(holds), POST: cases.filter((c) => !isPutCase(c)).every(holds) };
  const checksum = checksumFinding(cases);
  return {
    bucket: options.bucket,
    prefix,
    cases,
    safe,
    advice: `${advise(cases)} ${adviseChecksum(checksum)}`,
    checksum,
    cleanup,
  };
}

/**
 * A sentence on what the cleanup did, for reports and errors.
 *
 * @example
 * ```ts
 * cleanupSummary({ deleted: 19, left: [] }); // 'deleted 19 scratch keys; a listing shows none left'
 * ```
 */
export function cleanupSummary(cleanup: StorageProbeReport['cleanup']): string {
  const deleted = `deleted ${cleanup.deleted} scratch keys`;
  if (!cleanup.left) return `${deleted}, but could not list the prefix to check that none is left`;
  return cleanup.left.length === 0
    ? `${deleted}; a listing shows none left`
    : `${deleted}, but these are still there: ${cleanup.left.join(', ')}`;
}

const isPutCase = (probeCase: ProbeCase) => probeCase.id.startsWith('put-');
/** The case of each algorithm's signed digest. */
const CHECKSUM_CASE: Record<ChecksumAlgorithm, ProbeCaseId> = {
  md5: 'put-content-md5',
  sha256: 'put-checksum-sha256',
  crc32: 'put-checksum-crc32',
  crc64nvme: 'put-checksum-crc64nvme',
};
// Integrity checks protect the uploader from corruption, not the bucket from the uploader.
const INTEGRITY_CASES: ReadonlySet<ProbeCaseId> = new Set(Object.values(CHECKSUM_CASE));
const holds = (probeCase: ProbeCase) => probeCase.enforced === true || INTEGRITY_CASES.has(probeCase.id);

interface Answer {
  status: number;
  code?: string;
}

class Probe {
  private readonly signer;
  private readonly written = new Set<string>();
  private count = 0;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {
    this.signer = sdkSigner(client);
  }

  /** A fresh scratch key; every one is deleted at the end, whether or not anything was stored there. */
  key(name: string): string {
    const key = `${this.prefix}${++this.count}-${name}.txt`;
    this.written.add(key);
    return key;
  }

  signPut(
    key: string,
    {
      expiresIn = EXPIRES_IN,
      ifNoneMatch = false,
      checksum,
    }: { expiresIn?: number; ifNoneMatch?: boolean; checksum?: SignRequest['checksum'] } = {},
  ): Promise<string> {
    const request: SignRequest = {
      bucket: this.bucket,
      key,
      contentType: TYPE,
      size: BODY.length,
      expiresIn,
      checksum,
    };
    const headers: Record<string, string> = { 'content-type': TYPE, 'content-length': String(BODY.length) };
    if (ifNoneMatch) headers['if-none-match'] = '*';
    // As the presigner signs it: Content-MD5 is a header the client sends, the others go into the URL.
    if (checksum?.algorithm === 'md5') headers['content-md5'] = checksum.value;
    return this.signer.put(request, headers);
  }

  async put(url: string, headers: Record<string, string> = {}, body: Uint8Array<ArrayBuffer> = BODY): Promise<Answer> {
    return answerOf(await fetch(url, { method: 'PUT', headers: { 'content-type': TYPE, ...headers }, body }));
  }

  /** A valid PUT and POST must pass, or no refusal would mean anything. */
  async requireValidUploads(): Promise<void> {
    const key = this.key('valid-put');
    const answer = await this.put(await this.signPut(key));
    if (answer.status !== 200) throw new Error(`a valid presigned PUT was refused (${describe(answer)})`);
  }

  async putCases(): Promise<ProbeCase[]> {
    const signed = async (name: string, headers: Record<string, string>, body?: Uint8Array<ArrayBuffer>) => {
      const key = this.key(name);
      return { key, answer: await this.put(await this.signPut(key), headers, body) };
    };
    const cases: ProbeCase[] = [];

    let q = 'Is a PUT with another Content-Type than the signed one refused?';
    cases.push(refused('put-content-type', q, (await signed('content-type', { 'content-type': 'text/html' })).answer));
    q = 'Is a PUT of more bytes than the signed Content-Length refused?';
    cases.push(
      refused('put-content-length', q, (await signed('content-length', {}, new Uint8Array(BODY.length + 1))).answer),
    );

    for (const [id, header, value, what, look] of [
      ['put-meta', 'x-amz-meta-probe', 'unsigned', 'an x-amz-meta-* header', (key: string) => this.seenMetadata(key)],
      ['put-acl', 'x-amz-acl', 'public-read', 'x-amz-acl: public-read', (key: string) => this.seenPublicAcl(key)],
      ['put-tagging', 'x-amz-tagging', 'probe=unsigned', 'x-amz-tagging', (key: string) => this.seenTags(key)],
      [
        'put-website-redirect',
        'x-amz-website-redirect-location',
        '/elsewhere',
        'x-amz-website-redirect-location',
        (key: string) => this.seenRedirect(key),
      ],
    ] as const) {
      const { key, answer } = await signed(id.slice(4), { [header]: value });
      cases.push(
        await this.keptOut(id, `Is an unsigned ${what} kept out (refused, or without effect)?`, answer, () =>
          look(key),
        ),
      );
    }

    // The copy source is a scratch object of this run, never anything else the credentials can read.
    const source = this.key('copy-source');
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: source, Body: OTHER_BODY, ContentType: TYPE }),
    );
    const copy = await signed('copy-target', {
      'x-amz-copy-source': `/${this.bucket}/${source.split('/').map(encodeURIComponent).join('/')}`,
    });
    const question =
      'Is an unsigned x-amz-copy-source kept out (else a URL holder copies any object the signer can read)?';
    cases.push(
      await this.keptOut('put-copy-source', question, copy.answer, async () => {
        const copied = (await this.read(copy.key)) === new TextDecoder().decode(OTHER_BODY);
        return [copied, copied ? 'the object is a copy of the source' : 'the header was ignored'];
      }),
    );

    return cases;
  }

  /**
   * For each algorithm, a PUT signed with the digest of BODY: BODY itself must be stored (else the
   * storage does not take that digest at all: unknown), and BODY with one byte changed, the same
   * length, refused where the storage verifies the digest.
   */
  async checksumCases(): Promise<ProbeCase[]> {
    const cases: ProbeCase[] = [];
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const id = CHECKSUM_CASE[algorithm];
      const where = algorithm === 'md5' ? 'Content-MD5 header' : `x-amz-checksum-${algorithm} in the URL`;
      const question = `Is a body with one byte changed refused under its signed ${algorithm} digest (${where})?`;
      const checksum = { algorithm, value: await digestOf(algorithm, BODY) };
      const headers: Record<string, string> = algorithm === 'md5' ? { 'content-md5': checksum.value } : {};
      const right = await this.put(await this.signPut(this.key(`${algorithm}-right`), { checksum }), headers);
      if (right.status !== 200) {
        cases.push({
          id,
          question,
          enforced: 'unknown',
          evidence: { ...right, seen: 'the right body was refused too' },
        });
        continue;
      }
      const corrupted = await this.put(
        await this.signPut(this.key(`${algorithm}-corrupted`), { checksum }),
        headers,
        CORRUPTED_BODY,
      );
      cases.push(refused(id, question, corrupted));
    }
    return cases;
  }

  /** A header the URL does not sign is harmless when refused, or when accepted without effect. */
  private async keptOut(
    id: ProbeCaseId,
    question: string,
    answer: Answer,
    effect: () => Promise<[boolean, string]>,
  ): Promise<ProbeCase> {
    if (answer.status !== 200) return refused(id, question, answer);
    const [tookEffect, seen] = await effect().catch((): [boolean, string] => [
      true,
      'accepted; the effect could not be read back',
    ]);
    return { id, question, enforced: !tookEffect, evidence: { ...answer, seen } };
  }

  async ifNoneMatchCase(): Promise<ProbeCase> {
    const question = 'Is a second PUT to a URL signed with If-None-Match: * refused (one upload per URL)?';
    const url = await this.signPut(this.key('if-none-match'), { ifNoneMatch: true });
    const first = await this.put(url, { 'if-none-match': '*' });
    if (first.status !== 200)
      return {
        id: 'put-if-none-match',
        question,
        enforced: 'unknown',
        evidence: { ...first, seen: 'the first PUT was refused' },
      };
    const second = await this.put(url, { 'if-none-match': '*' });
    return {
      id: 'put-if-none-match',
      question,
      enforced: second.status === 412 ? true : second.status === 200 ? false : 'unknown',
      evidence: second,
    };
  }

  async expiredCase(url: string): Promise<ProbeCase> {
    const answer = await this.put(url);
    return {
      id: 'put-expired',
      question: `Is a PUT refused once its URL has expired (signed for ${EXPIRED_URL_LIFETIME} s, used after ${EXPIRY_WAIT_MS / 1000} s)?`,
      enforced: answer.status === 403 ? true : answer.status === 200 ? false : 'unknown',
      evidence: answer,
    };
  }

  async postCases(): Promise<ProbeCase[]> {
    const sign = (key: string) =>
      this.signer.post({
        bucket: this.bucket,
        key,
        contentType: TYPE,
        size: BODY.length,
        expiresIn: EXPIRES_IN,
        range: [BODY.length, BODY.length],
      });
    const send = async (
      key: string,
      change: { fields?: Record<string, string>; body?: Uint8Array<ArrayBuffer> } = {},
    ) => {
      const { url, fields } = await sign(key);
      const form = new FormData();
      for (const [name, value] of Object.entries({ ...fields, ...change.fields })) form.append(name, value);
      form.append('file', new Blob([change.body ?? BODY], { type: TYPE }));
      return answerOf(await fetch(url, { method: 'POST', body: form }));
    };
    const valid = await send(this.key('valid-post'));
    const cases: [ProbeCaseId, string, () => Promise<Answer>][] = [
      [
        'post-content-length-range',
        'Is a POST over its content-length-range refused?',
        () => send(this.key('post-size'), { body: new Uint8Array(BODY.length + 1) }),
      ],
      [
        'post-content-type',
        "Is a POST whose Content-Type differs from the policy's refused?",
        () => send(this.key('post-type'), { fields: { 'Content-Type': 'text/html' } }),
      ],
      [
        'post-key',
        'Is a POST to another key than the signed one refused?',
        () => send(this.key('post-key'), { fields: { key: this.key('post-other-key') } }),
      ],
    ];
    const results: ProbeCase[] = [];
    for (const [id, question, run] of cases) {
      if (valid.status < 200 || valid.status >= 300) {
        results.push({
          id,
          question,
          enforced: 'unknown',
          evidence: { ...valid, seen: 'a valid POST was refused: this storage may not take POST uploads' },
        });
        continue;
      }
      const answer = await run();
      results.push({
        id,
        question,
        enforced: answer.status >= 400 && answer.status < 500 ? true : answer.status < 300 ? false : 'unknown',
        evidence: answer,
      });
    }
    return results;
  }

  private async read(key: string): Promise<string> {
    return (await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))).Body!.transformToString();
  }

  private async seenMetadata(key: string): Promise<[boolean, string]> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    return head.Metadata?.probe ? [true, 'stored as metadata'] : [false, 'accepted, but not stored'];
  }

  private async seenPublicAcl(key: string): Promise<[boolean, string]> {
    const acl = await this.client.send(new GetObjectAclCommand({ Bucket: this.bucket, Key: key }));
    const everyone = acl.Grants?.some(
      (grant) => grant.Grantee?.URI?.endsWith('/global/AllUsers') && grant.Permission === 'READ',
    );
    return everyone ? [true, 'the object is readable by everyone'] : [false, 'accepted, but the ACL stayed private'];
  }

  private async seenTags(key: string): Promise<[boolean, string]> {
    const tagging = await this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: key }));
    return tagging.TagSet?.some((tag) => tag.Key === 'probe')
      ? [true, 'the tag was stored']
      : [false, 'accepted, but no tag stored'];
  }

  private async seenRedirect(key: string): Promise<[boolean, string]> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    return head.WebsiteRedirectLocation
      ? [true, `redirect stored: ${head.WebsiteRedirectLocation}`]
      : [false, 'accepted, but no redirect stored'];
  }

  /** Deletes every scratch key (deleting a missing one is no error in S3), then lists what is left. */
  async cleanUp(): Promise<StorageProbeReport['cleanup']> {
    let deleted = 0;
    for (const key of this.written) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).then(
        () => deleted++,
        () => undefined,
      );
    }
    const listing = await this.client
      .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix }))
      .catch(() => undefined);
    return { deleted, left: listing && (listing.Contents ?? []).map((object) => object.Key!) };
  }
}

/** The base64 digest of `bytes`, of S3's flavour of `algorithm` (CRC32 is IEEE's, CRC64 NVMe's). */
async function digestOf(algorithm: ChecksumAlgorithm, bytes: Uint8Array): Promise<string> {
  const digest = (await createHasher(algorithm)).init().update(bytes).digest('binary');
  return Buffer.from(digest).toString('base64');
}

/**
 * What the probe's checksum cases show the storage verifies, and the `checksum` option that follows.
 *
 * @example
 * ```ts
 * checksumFinding(report.cases); // { verified: ['md5'], option: 'md5' } on Ceph RGW 16
 * ```
 */
export function checksumFinding(cases: ProbeCase[]): ChecksumFinding {
  const verified = CHECKSUM_ALGORITHMS.filter((algorithm) =>
    cases.some((c) => c.id === CHECKSUM_CASE[algorithm] && c.enforced === true),
  );
  return { verified, option: CHECKSUM_PREFERENCE.find((algorithm) => verified.includes(algorithm)) ?? 'md5' };
}

function adviseChecksum({ verified, option }: ChecksumFinding): string {
  if (verified.length === 0)
    return "Checksums: no signed digest is verified here; keep checksum 'md5' (PRESIGN_CHECKSUM=md5), which verify compares with a single-part ETag.";
  const ignored = CHECKSUM_ALGORITHMS.filter((algorithm) => !verified.includes(algorithm));
  return (
    `Checksums: a signed ${verified.join(', ')} digest is verified${ignored.length > 0 ? `, ${ignored.join(', ')} ${ignored.length > 1 ? 'are' : 'is'} not` : ''}; ` +
    `set checksum: '${option}' (PRESIGN_CHECKSUM=${option}).`
  );
}

async function answerOf(response: Response): Promise<Answer> {
  const body = await response.text();
  const code = response.headers.get('x-amz-error-code') ?? readErrorXml(body).code;
  return { status: response.status, ...(code && { code }) };
}

/** A 4xx is a refusal, a 2xx an acceptance; anything else (a 5xx, a redirect) proves neither. */
function refused(id: ProbeCaseId, question: string, answer: Answer): ProbeCase {
  const enforced =
    answer.status >= 400 && answer.status < 500
      ? true
      : answer.status >= 200 && answer.status < 300
        ? false
        : 'unknown';
  return { id, question, enforced, evidence: answer };
}

const describe = (answer: Answer) => [answer.status, answer.code].filter(Boolean).join(' ');

// What a URL holder can do where a case is not enforced, in the advice's words.
const CONSEQUENCE: Record<ProbeCaseId, string> = {
  'put-content-type': 'store another type than the signed one',
  'put-content-length': 'store another size than the signed one',
  'put-meta': 'add metadata',
  'put-acl': 'make the object public',
  'put-tagging': 'add tags',
  'put-website-redirect': 'add a website redirect',
  'put-copy-source': 'copy any object the signing credentials can read',
  'put-if-none-match': 'upload twice through one URL',
  'put-content-md5': 'store other bytes than a signed Content-MD5',
  'put-checksum-sha256': 'store other bytes than a signed SHA-256 checksum',
  'put-checksum-crc32': 'store other bytes than a signed CRC32 checksum',
  'put-checksum-crc64nvme': 'store other bytes than a signed CRC64NVME checksum',
  'put-expired': 'upload after expiry',
  'post-content-length-range': 'exceed the size range',
  'post-content-type': 'store another type',
  'post-key': 'choose another key',
};

/** The method to use on this storage, and why, from what it enforced. */
function advise(cases: ProbeCase[]): string {
  const gaps = (put: boolean) => cases.filter((c) => isPutCase(c) === put && !holds(c));
  const say = (some: ProbeCase[]) =>
    some.map((c) => `${CONSEQUENCE[c.id]}${c.enforced === 'unknown' ? ' (unknown)' : ''}`).join(', ');
  const [put, post] = [gaps(true), gaps(false)];
  const postLine = post.length === 0 ? 'POST: every condition enforced.' : `POST: a form holder can ${say(post)}.`;
  const putLine =
    put.length === 0
      ? 'PUT: every limit enforced, unsigned x-amz-* headers kept out.'
      : `PUT: a URL holder can ${say(put)}.`;
  // Blocking public ACLs closes that gap only; a copy of another object has no bucket setting against it.
  const onlyPublicAcl = put.every((c) => c.id === 'put-acl' || c.id === 'put-meta' || c.id === 'put-tagging');
  const verdict =
    put.length === 0 && post.length === 0
      ? 'Both methods are safe here.'
      : post.length === 0
        ? `Use POST (method: "POST")${onlyPublicAcl ? ', or block public ACLs on the bucket' : ''}.`
        : put.length === 0
          ? 'Use PUT (the default).'
          : 'Neither method holds every limit here: keep expiresIn short, block public ACLs, and check each upload with presigner.verify.';
  return `${postLine} ${putLine} ${verdict}`;
}
