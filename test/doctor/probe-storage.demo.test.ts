import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeStorage, type ProbeCaseId } from '../../src/doctor/index.js';
import { dataDirOf, demoScriptCommand, killIfRunning, signalGroup, startDemo, type Demo } from '../helpers/demo.js';

// The demo's embedded server (@20minutes/s3rver 5) is not the proof of anything: this shows what
// the probe reports on a storage that enforces less than Ceph RGW, as a user of the demo would see.
const PROBE_TIMEOUT_MS = 120_000;
const EMBEDDED_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** What the embedded s3rver answered each case here. */
const S3RVER_5: Record<ProbeCaseId, { enforced: boolean; status: number; code?: string; seen?: string }> = {
  'put-content-type': { enforced: true, status: 403, code: 'SignatureDoesNotMatch' },
  'put-content-length': { enforced: true, status: 403, code: 'SignatureDoesNotMatch' },
  'put-meta': { enforced: false, status: 200, seen: 'stored as metadata' },
  'put-acl': { enforced: true, status: 200, seen: 'accepted, but the ACL stayed private' },
  'put-tagging': { enforced: true, status: 200, seen: 'accepted, but no tag stored' },
  'put-website-redirect': { enforced: false, status: 200, seen: 'redirect stored: /elsewhere' },
  'put-copy-source': { enforced: false, status: 200, seen: 'the object is a copy of the source' },
  'put-content-md5': { enforced: false, status: 200 },
  'put-checksum-sha256': { enforced: false, status: 200 },
  'put-checksum-crc32': { enforced: false, status: 200 },
  'put-checksum-crc64nvme': { enforced: false, status: 200 },
  'put-if-none-match': { enforced: false, status: 200 },
  'put-expired': { enforced: true, status: 403, code: 'AccessDenied' },
  'post-content-length-range': { enforced: false, status: 204 },
  'post-content-type': { enforced: false, status: 204 },
  'post-key': { enforced: false, status: 204 },
};

let demo: Demo | undefined;

beforeAll(async () => {
  demo = await startDemo(...demoScriptCommand());
}, 60_000);

afterAll(async () => {
  if (demo && demo.process.exitCode === null) {
    signalGroup(demo, 'SIGINT');
    await Promise.race([demo.exit, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  }
  killIfRunning(demo);
}, 30_000);

describe("probeStorage on the demo's embedded server", () => {
  it(
    'reports what it enforces (less than RGW), advises against both methods, and leaves no scratch object',
    async () => {
      // Prepare: the demo prints where its storage listens.
      const [, endpoint, bucket] = /at (http:\/\/\S+), bucket "([^"]+)"/.exec(demo!.output())!;
      const prefix = `probe-${randomUUID()}/`;
      // Act
      const report = await probeStorage({
        bucket: bucket!,
        prefix,
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: EMBEDDED_CREDENTIALS,
      });
      // Assess
      const seen = Object.fromEntries(
        report.cases.map(({ id, enforced, evidence }) => [id, { enforced, ...evidence }]),
      );
      expect(seen).toEqual(S3RVER_5);
      expect(report.safe).toEqual({ PUT: false, POST: false });
      expect(report.advice).toContain('Neither method holds every limit here');
      // s3rver refuses every bucket-level request signed by the SDK, so the probe cannot list; its folder shows what is left.
      expect(report.cleanup.left).toBeUndefined();
      const files = readdirSync(dataDirOf(demo!), { recursive: true, encoding: 'utf8' });
      expect(files).toContain(bucket);
      expect(files.filter((path) => path.includes(prefix.slice(0, -1)))).toEqual([]);
    },
    PROBE_TIMEOUT_MS,
  );
});
