import { MAX_PARTS_PER_REQUEST, type SignedPartUrl, type SignedPartUrls } from './multipart-endpoint.js';

/** Sign again rather than start an upload or a part that could outlive its URL. */
export const EXPIRY_MARGIN_MS = 5_000;

interface Entry {
  part: Promise<SignedPartUrl>;
  /** Unix ms; unknown while the batch is being signed. */
  expiresAt?: number;
}

/**
 * Hands out part URLs, signing them in batches just ahead of use: asking for part `n` signs `n` and
 * the next `batchSize - 1` parts not yet signed, up to the first that `ready` refuses (by default
 * none; parts whose digest is not known yet when URLs sign one), and parts asked for meanwhile wait for that batch.
 * A URL about to expire is signed again; a batch that failed is forgotten, so a retry signs anew.
 *
 * @example
 * ```ts
 * const urlFor = partUrls((numbers) => signParts(target, upload.token, numbers), upload.partCount, 8);
 * const { url, headers } = await urlFor(1);
 * ```
 */
export function partUrls(
  sign: (partNumbers: number[]) => Promise<SignedPartUrls>,
  partCount: number,
  batchSize: number,
  ready: (partNumber: number) => boolean = () => true,
): (partNumber: number) => Promise<SignedPartUrl> {
  const entries = new Map<number, Entry>();
  // A batch still being signed counts as fresh: its URLs will be new.
  const fresh = (partNumber: number) => {
    const entry = entries.get(partNumber);
    return entry !== undefined && (entry.expiresAt ?? Infinity) - Date.now() >= EXPIRY_MARGIN_MS;
  };
  const size = Math.max(1, Math.min(MAX_PARTS_PER_REQUEST, batchSize));

  return (partNumber) => {
    if (!fresh(partNumber)) {
      const numbers = [partNumber];
      // Up to the first part not ready: digests are known in order, and the scan stays short.
      for (let next = partNumber + 1; next <= partCount && numbers.length < size && ready(next); next++)
        if (!fresh(next)) numbers.push(next);
      const batch = sign(numbers);
      for (const number of numbers) {
        const entry: Entry = {
          part: batch.then((signed) => {
            const part = signed.parts.find((candidate) => candidate.partNumber === number);
            if (!part) throw new Error(`signParts answered without part ${number}.`);
            entry.expiresAt = Date.parse(signed.expiresAt);
            return part;
          }),
        };
        entries.set(number, entry);
        // Forget a failed batch so the next request signs again; the catch also keeps parts nobody
        // asked for yet from reporting an unhandled rejection.
        entry.part.catch(() => entries.get(number) === entry && entries.delete(number));
      }
    }
    return entries.get(partNumber)!.part;
  };
}
