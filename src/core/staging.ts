// A POST policy stays valid until it expires and cannot carry `If-None-Match`, so a form sent again
// would replace an object that was already verified. A POST therefore uploads to a staging key,
// and `verify` promotes what it checked there to the final key, which no policy ever names: once
// promoted, nothing the presigner issued can change it.
//
// Layout: `${prefix}.staging/${rest}` for the final key `${prefix}${rest}`. Inside the prefix, so
// that an IAM policy scoped to the prefix covers it and one lifecycle rule on `${prefix}.staging/`
// clears what was never verified; no final key may lie in it (`admitUpload` refuses such keys).

export const STAGING_FOLDER = '.staging/';

/** The staging key of the final key `key` (which starts with `prefix`). */
export function stagingKeyOf(prefix: string, key: string): string {
  return `${prefix}${STAGING_FOLDER}${key.slice(prefix.length)}`;
}

/** The final key a staging key stands for, or `undefined` when `key` is no staging key. */
export function finalKeyOf(prefix: string, key: string): string | undefined {
  const staging = `${prefix}${STAGING_FOLDER}`;
  return key.startsWith(staging) ? `${prefix}${key.slice(staging.length)}` : undefined;
}
