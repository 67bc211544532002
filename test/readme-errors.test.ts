import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../src/errors.js';
import { ROOT } from './helpers/readme-blocks.js';

/** The rows of the table under README's `## Errors`, as code → status (`| \`CODE\` | 400 | When |`). */
function readmeErrorTable(): Record<string, number> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Errors$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = [...section.matchAll(/^\| `([A-Z_]+)` +\| (\d{3}) +\|/gm)];
  return Object.fromEntries(rows.map(([, code, status]) => [code!, Number(status)]));
}

describe("README's Errors table", () => {
  it('lists exactly the codes of ERROR_STATUS, each with its status', () => {
    expect(readmeErrorTable()).toEqual(ERROR_STATUS);
  });
});
