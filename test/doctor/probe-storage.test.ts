import { describe, expect, it } from 'vitest';
import { checksumFinding, type ProbeCase, type ProbeCaseId } from '../../src/doctor/probe-storage.js';

// Which `checksum` the probe advises from what the storage verified (the cases themselves are
// proven against Ceph RGW in probe-storage.rgw.test.ts).

const DIGEST_CASES: ProbeCaseId[] = [
  'put-content-md5',
  'put-checksum-sha256',
  'put-checksum-crc32',
  'put-checksum-crc64nvme',
];
const cases = (verified: ProbeCaseId[]): ProbeCase[] =>
  DIGEST_CASES.map((id) => ({
    id,
    question: id,
    enforced: verified.includes(id),
    evidence: verified.includes(id) ? { status: 400, code: 'BadDigest' } : { status: 200 },
  }));

describe('checksumFinding', () => {
  it.each([
    ['every digest (AWS S3, as documented)', DIGEST_CASES, ['md5', 'sha256', 'crc32', 'crc64nvme'], 'md5'],
    ['Content-MD5 only (Ceph RGW 16, as probed)', ['put-content-md5'], ['md5'], 'md5'],
    ['the checksums but not Content-MD5', ['put-checksum-sha256', 'put-checksum-crc32'], ['sha256', 'crc32'], 'crc32'],
    ['none: md5 still, which verify compares with an ETag', [], [], 'md5'],
  ] as const)('a storage that verifies %s', (_, verifiedCases, verified, option) => {
    expect(checksumFinding(cases([...verifiedCases]))).toEqual({ verified, option });
  });

  it('does not count a digest the storage refused with the right body too', () => {
    const refusedAlways: ProbeCase = {
      id: 'put-checksum-crc64nvme',
      question: '',
      enforced: 'unknown',
      evidence: { status: 400, code: 'InvalidArgument', seen: 'the right body was refused too' },
    };
    expect(checksumFinding([...cases(['put-checksum-crc32']).slice(0, 3), refusedAlways])).toEqual({
      verified: ['crc32'],
      option: 'crc32',
    });
  });
});
