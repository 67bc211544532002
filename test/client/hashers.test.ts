import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

/** Called as each slice is hashed (hash-wasm's MD5 as it is, watched). */
const hashing = vi.hoisted(() => ({ onUpdate: undefined as (() => void) | undefined }));
vi.mock('hash-wasm', async (importOriginal) => {
  const actual = await importOriginal<typeof import('hash-wasm')>();
  const createMD5 = async () => {
    const hasher = await actual.createMD5();
    const update = hasher.update.bind(hasher);
    hasher.update = (data) => (hashing.onUpdate?.(), update(data));
    return hasher;
  };
  return { ...actual, createMD5 };
});

// The unit files share their workers' module cache: an earlier file may have loaded hashers.ts with
// the real hash-wasm, so it is loaded anew here, under the watched one.
vi.resetModules();
const { hashRange } = await import('../../src/client/hashers.js');

const MIB = 1024 ** 2;

/** A Blob whose slices keep count of the reads in flight at once, and can be made to fail. */
function watchedBlob(bytes: Uint8Array<ArrayBuffer>, failFrom = Infinity) {
  const blob = new Blob([bytes]);
  const reads = { started: 0, inFlight: 0 };
  // Only what hashRange uses of a Blob: slice, and a slice's arrayBuffer.
  const watched = {
    size: blob.size,
    slice: (start: number, end: number) => ({
      arrayBuffer: async () => {
        reads.started++;
        reads.inFlight++;
        try {
          // A read takes a while, as one from disk through the browser's process does.
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (start >= failFrom) throw new DOMException('The file could not be read.', 'NotReadableError');
          return await blob.slice(start, end).arrayBuffer();
        } finally {
          reads.inFlight--;
        }
      },
    }),
  } as unknown as Blob;
  return { blob: watched, reads };
}

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

describe('hashRange', () => {
  it('hashes any range in 8 MiB slices, reading the next slice while one is hashed', async () => {
    // Prepare: 20 MiB and a few bytes, not aligned to a slice.
    const bytes = new Uint8Array(20 * MIB + 3).map((_, index) => index % 251);
    const whole = watchedBlob(bytes);
    const range = watchedBlob(bytes);
    const readingWhileHashing: number[] = [];
    hashing.onUpdate = () => readingWhileHashing.push(whole.reads.inFlight);
    // Act
    const digest = await hashRange(whole.blob, 'md5', { start: 0, end: bytes.length });
    hashing.onUpdate = undefined;
    const rangeDigest = await hashRange(range.blob, 'md5', { start: 1000, end: 17 * MIB + 5 });
    // Assess
    expect(digest).toBe(md5(bytes));
    expect(rangeDigest).toBe(md5(bytes.subarray(1000, 17 * MIB + 5)));
    expect(whole.reads.started).toBe(3);
    // Each slice but the last is hashed while the next one is read.
    expect(readingWhileHashing).toEqual([1, 1, 0]);
    expect(range.reads.started).toBe(3);
  });

  it('rejects with the error of a slice it cannot read, and with the signal once it aborts, leaving no read unhandled', async () => {
    // Prepare
    const bytes = new Uint8Array(24 * MIB);
    const controller = new AbortController();
    const aborting = watchedBlob(bytes);
    const reason = new DOMException('Cancelled.', 'AbortError');
    // Act
    const [unreadable, aborted] = await Promise.allSettled([
      hashRange(watchedBlob(bytes, 8 * MIB).blob, 'md5', { start: 0, end: bytes.length }),
      hashRange(aborting.blob, 'md5', { start: 0, end: bytes.length, signal: controller.signal }),
      Promise.resolve().then(() => controller.abort(reason)),
    ]);
    // Assess
    expect(unreadable).toMatchObject({ status: 'rejected', reason: { name: 'NotReadableError' } });
    expect(aborted).toEqual({ status: 'rejected', reason });
    await expect.poll(() => aborting.reads.inFlight, { timeout: 5_000 }).toBe(0);
  });
});
