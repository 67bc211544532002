import { randomUUID } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli.js';
import { probeStorage, type ProbeCaseId } from '../../src/doctor/index.js';
import { isPresignError } from '../../src/index.js';
import { rgw, rgwClient, TEST_BUCKET } from '../helpers/s3.js';

// Fifteen cases take about 3 s on an idle RGW, 2.5 s of it the wait for a URL to expire; a busy
// 2-core machine and a cold RGW make it several times that.
const PROBE_TIMEOUT_MS = 120_000;

/** What Ceph RGW 16.2 answered each case here (and /work/shared/notes/s3-servers.md found before). */
const RGW_16: Record<ProbeCaseId, { enforced: boolean; status: number; code?: string; seen?: string }> = {
  'put-content-type': { enforced: true, status: 403, code: 'SignatureDoesNotMatch' },
  'put-content-length': { enforced: true, status: 403, code: 'SignatureDoesNotMatch' },
  'put-meta': { enforced: false, status: 200, seen: 'stored as metadata' },
  'put-acl': { enforced: false, status: 200, seen: 'the object is readable by everyone' },
  'put-tagging': { enforced: false, status: 200, seen: 'the tag was stored' },
  'put-website-redirect': { enforced: false, status: 200, seen: 'redirect stored: /elsewhere' },
  'put-copy-source': { enforced: false, status: 200, seen: 'the object is a copy of the source' },
  // One byte changed under a signed digest: RGW 16 checks Content-MD5 and ignores x-amz-checksum-*.
  'put-content-md5': { enforced: true, status: 400, code: 'BadDigest' },
  'put-checksum-sha256': { enforced: false, status: 200 },
  'put-checksum-crc32': { enforced: false, status: 200 },
  'put-checksum-crc64nvme': { enforced: false, status: 200 },
  'put-if-none-match': { enforced: true, status: 412, code: 'PreconditionFailed' },
  'put-expired': { enforced: true, status: 403, code: 'AccessDenied' },
  'post-content-length-range': { enforced: true, status: 400, code: 'EntityTooLarge' },
  'post-content-type': { enforced: true, status: 403, code: 'AccessDenied' },
  'post-key': { enforced: true, status: 403, code: 'AccessDenied' },
};

async function keysUnder(prefix: string): Promise<string[]> {
  const listing = await rgwClient().send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix }));
  return (listing.Contents ?? []).map((object) => object.Key!);
}

describe('probeStorage on Ceph RGW 16', () => {
  it(
    'reports each case as RGW enforces it, advises POST, and leaves no scratch object',
    async () => {
      // Prepare
      const prefix = `probe-${randomUUID()}/`;
      // Act
      const report = await probeStorage({ bucket: TEST_BUCKET, prefix, ...rgw, forcePathStyle: true });
      // Assess
      const seen = Object.fromEntries(
        report.cases.map(({ id, enforced, evidence }) => [id, { enforced, ...evidence }]),
      );
      expect(seen).toEqual(RGW_16);
      expect(report.safe).toEqual({ PUT: false, POST: true });
      expect(report.advice).toMatch(
        /^POST: every condition enforced\. PUT: a URL holder can .*copy any object the signing credentials can read.* Use POST/,
      );
      expect(report.checksum).toEqual({ verified: ['md5'], option: 'md5' });
      expect(report.advice).toMatch(
        / Checksums: a signed md5 digest is verified, sha256, crc32, crc64nvme are not; set checksum: 'md5' \(PRESIGN_CHECKSUM=md5\)\.$/,
      );
      expect(report.prefix.startsWith(prefix)).toBe(true);
      expect(report.cleanup.left).toEqual([]);
      expect(await keysUnder(prefix)).toEqual([]);
    },
    PROBE_TIMEOUT_MS,
  );

  it(
    'deletes its scratch objects when a step throws, and says so in the error',
    async () => {
      // Prepare: a client whose PutObject (the copy source's upload) fails midway through the probe.
      const prefix = `probe-${randomUUID()}/`;
      const client = rgwClient();
      const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
      vi.spyOn(client, 'send').mockImplementation(((command: unknown) =>
        command instanceof PutObjectCommand
          ? Promise.reject(new Error('injected failure'))
          : send(command)) as typeof client.send);
      // Act
      const failure = await probeStorage({ bucket: TEST_BUCKET, prefix, client }).catch((error: unknown) => error);
      // Assess: the valid upload and the cases before the failure wrote objects; none is left.
      expect(isPresignError(failure) && failure.code).toBe('STORAGE_ERROR');
      expect((failure as Error).message).toMatch(/injected failure .*a listing shows none left/);
      expect(await keysUnder(prefix)).toEqual([]);
    },
    PROBE_TIMEOUT_MS,
  );
});

describe('npx upload-presigner doctor storage', () => {
  it(
    'prints a table and the advice, and exits 0 whatever it found',
    async () => {
      // Prepare
      vi.stubEnv('AWS_ACCESS_KEY_ID', rgw.credentials.accessKeyId);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', rgw.credentials.secretAccessKey);
      const prefix = `probe-${randomUUID()}/`;
      const lines: string[] = [];
      // Act
      const status = await runCli(
        ['doctor', 'storage', '--bucket', TEST_BUCKET, '--prefix', prefix, '--endpoint', rgw.endpoint, '--path-style'],
        (line) => lines.push(line),
      );
      // Assess
      const output = lines.join('\n');
      expect(status).toBe(0);
      expect(output).toMatch(/^case +enforced +evidence$/m);
      expect(output).toMatch(/^put-copy-source +NO +200 \(the object is a copy of the source\)$/m);
      expect(output).toMatch(/^post-content-length-range +yes +400 EntityTooLarge$/m);
      expect(output).toMatch(/^put-content-md5 +yes +400 BadDigest$/m);
      expect(output).toMatch(/^put-checksum-crc64nvme +NO +200$/m);
      expect(output).toMatch(/set checksum: 'md5' \(PRESIGN_CHECKSUM=md5\)\.$/m);
      expect(output).toMatch(/^Cleanup: deleted \d+ scratch keys; a listing shows none left\.$/m);
      expect(await keysUnder(prefix)).toEqual([]);
      vi.unstubAllEnvs();
    },
    PROBE_TIMEOUT_MS,
  );

  it(
    'exits 1 with the reason when the probe cannot run',
    async () => {
      // Prepare
      vi.stubEnv('AWS_ACCESS_KEY_ID', rgw.credentials.accessKeyId);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', rgw.credentials.secretAccessKey);
      const errors: string[] = [];
      // Act
      const status = await runCli(
        [
          'doctor',
          'storage',
          '--bucket',
          `no-such-bucket-${randomUUID().slice(0, 8)}`,
          '--endpoint',
          rgw.endpoint,
          '--path-style',
        ],
        () => undefined,
        (line) => errors.push(line),
      );
      // Assess
      expect(status).toBe(1);
      expect(errors.join('\n')).toMatch(/a valid presigned PUT was refused \(404 NoSuchBucket\)/);
      vi.unstubAllEnvs();
    },
    PROBE_TIMEOUT_MS,
  );
});
