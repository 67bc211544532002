/**
 * How long any wait in the suite may last, derived from the work it waits for and from pessimistic
 * speeds of a busy 2-core machine (load average up to 13 while other work runs). A bound is reached
 * only by a test that fails anyway, so a generous one costs nothing when things work, while one that
 * is too tight fails correct code on a slow day.
 */

const MIB = 1024 ** 2;

/**
 * One exchange among a test, a page, an endpoint and RGW that carries no bulk data: a page load, a
 * presign, an abort, a listing. Covers a freshly started RGW's first answers (seconds, while it
 * finishes creating its pools) and a Chromium starved of CPU.
 *
 * @example
 * await expect.poll(() => pendingUploads(key), { timeout: STEP_MS }).toBe(0);
 */
export const STEP_MS = 20_000;

/**
 * The slowest rate at which a browser or Node sends bytes to RGW over loopback here: measured about
 * 9 MiB/s from Chromium under `stress-ng --cpu 2`, so this leaves a margin of nine.
 *
 * @example
 * const seconds = (64 * MIB) / SLOWEST_BYTES_PER_SECOND; // 64
 */
export const SLOWEST_BYTES_PER_SECOND = MIB;

/**
 * The bound of a wait for `bytes` to reach RGW: one step plus the bytes at the slowest rate.
 *
 * @example
 * await expect.poll(storedParts, { timeout: transferMs(6 * MIB) }).toEqual([1, 3]);
 */
export function transferMs(bytes: number): number {
  return STEP_MS + Math.ceil((bytes / SLOWEST_BYTES_PER_SECOND) * 1000);
}
