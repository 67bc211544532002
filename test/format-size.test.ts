import { describe, expect, it, vi } from 'vitest';
import { formatSize } from '../src/format-size.js';

describe('formatSize', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1,023 bytes'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [16 * 1024, '16 KiB'],
    [5 * 1024 ** 2, '5 MiB'],
    [6_500_000, '6.2 MiB (6,500,000 bytes)'],
    [5 * 1024 ** 2 + 1, '5 MiB (5,242,881 bytes)'],
    [100 * 1024 ** 2, '100 MiB'],
    [5 * 1024 ** 3, '5 GiB'],
    [5 * 1024 ** 4, '5 TiB'],
    [2 * 1024 ** 5, '2048 TiB'],
  ])('%d bytes reads "%s"', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it('creates no number formatter before it formats a size: Intl costs a Lambda cold start ~15 ms', async () => {
    // Prepare: a fresh copy of the module, with every formatter Intl makes counted.
    const { NumberFormat } = Intl;
    let created = 0;
    Intl.NumberFormat = new Proxy(NumberFormat, {
      construct: (target, args: Parameters<typeof NumberFormat>) => (created++, Reflect.construct(target, args)),
    });
    vi.resetModules();
    try {
      // Act
      const fresh = await import('../src/format-size.js');
      const atImport = created;
      const text = fresh.formatSize(6_500_000);

      // Assess
      expect(atImport).toBe(0);
      expect(text).toBe('6.2 MiB (6,500,000 bytes)');
    } finally {
      Intl.NumberFormat = NumberFormat;
    }
  });
});
