import { describe, expect, it } from 'vitest';
import { presignError, testPresigner } from '../helpers/presign.js';

describe('refusals of a size, as a person reads them', () => {
  it('names the file and the limit in MiB, with the exact bytes where MiB rounds', async () => {
    // Prepare
    const presigner = testPresigner({ maxSize: 5 * 1024 ** 2 });
    // Act
    const error = await presignError(
      presigner.presign({ fileName: 'a.jpg', contentType: 'image/jpeg', size: 6_500_000 }),
    );
    // Assess
    expect([error.code, error.message]).toEqual([
      'TOO_LARGE',
      'The file is 6.2 MiB (6,500,000 bytes), 1.2 MiB (1,257,120 bytes) over the limit of 5 MiB.',
    ]);
  });

  it('shows one byte over the limit as such, so the two sizes never read as equal', async () => {
    const presigner = testPresigner({ maxSize: 5 * 1024 ** 2 });
    const error = await presignError(
      presigner.presign({ fileName: 'a.jpg', contentType: 'image/jpeg', size: 5 * 1024 ** 2 + 1 }),
    );
    expect(error.message).toBe('The file is 5 MiB (5,242,881 bytes), 1 byte over the limit of 5 MiB.');
  });

  it('says in GiB that one request carries at most 5 GiB', async () => {
    const presigner = testPresigner({});
    const error = await presignError(
      presigner.presign({ fileName: 'a.jpg', contentType: 'image/jpeg', size: 6 * 1024 ** 3 }),
    );
    expect(error.message).toBe(
      'The file is 6 GiB; one request carries at most 5 GiB: upload it in parts (createMultipart).',
    );
  });
});
