const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;
// Made on first use: creating it loads ICU's locale data, ~15 ms of every Lambda cold start that
// never formats a size (a presign that is allowed).
let grouping: Intl.NumberFormat | undefined;
const grouped = (count: number) => (grouping ??= new Intl.NumberFormat('en-US')).format(count);

/**
 * A size as a person reads it, in binary units (1 MiB = 1024 KiB = 1,048,576 bytes), with the
 * exact byte count whenever the unit rounds it: people compare a refusal with what their file
 * manager shows, and the exact count settles a file one byte over the limit.
 *
 * @example
 * formatSize(5 * 1024 ** 2); // "5 MiB"
 * formatSize(6_500_000); // "6.2 MiB (6,500,000 bytes)"
 * formatSize(5 * 1024 ** 2 + 1); // "5 MiB (5,242,881 bytes)"
 * formatSize(900); // "900 bytes"
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${grouped(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let unit = 0;
  while (unit < UNITS.length - 1 && bytes >= 1024 ** (unit + 2)) unit++;
  const scale = 1024 ** (unit + 1);
  const shown = Math.round((bytes / scale) * 10) / 10;
  const rounded = `${shown} ${UNITS[unit]}`;
  return shown * scale === bytes ? rounded : `${rounded} (${grouped(bytes)} bytes)`;
}
