import { describe, expect, it } from 'vitest';
import type { SignedParts } from '../../src/protocol.js';
import { partUrls } from '../../src/client/part-urls.js';

/** A signer that records the batches it was asked for and answers each with URLs valid for an hour. */
function recordingSigner() {
  const batches: number[][] = [];
  const sign = async (numbers: number[]): Promise<SignedParts> => {
    batches.push(numbers);
    return {
      parts: numbers.map((partNumber) => ({
        partNumber,
        url: `https://s3.test/part-${partNumber}`,
        headers: { 'content-length': '5242880' },
      })),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      expiresIn: 3600,
    };
  };
  return { batches, sign };
}

describe('partUrls', () => {
  it('signs a batch of the part asked for and the next ones not yet signed', async () => {
    // Arrange
    const { batches, sign } = recordingSigner();
    const urlFor = partUrls(sign, 10, 4);
    // Act
    await urlFor(1);
    await urlFor(3);
    await urlFor(5);
    // Assess
    expect(batches).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });

  it('joins to a batch only the parts that are ready (their digests known), up to the first that is not', async () => {
    // Arrange
    const { batches, sign } = recordingSigner();
    const hashed = new Set([2, 3, 5]);
    const urlFor = partUrls(sign, 10, 8, (partNumber) => hashed.has(partNumber));
    // Act
    await urlFor(1);
    await urlFor(4);
    // Assess: part 4 was not ready when part 1 signed, so 5 waited for a batch of its own.
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });
});
