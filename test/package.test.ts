import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/readme-blocks.js';

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

describe('package.json engines', () => {
  it('is met by every package of the root install, so npm install on the oldest Node allowed prints no EBADENGINE', () => {
    // Prepare: the oldest Node that engines.node lets install the project.
    const oldest = semver.minVersion(manifest.engines.node)!.version;
    // Act: what npm compares it with, per installed package (the root itself is "").
    const refusing = Object.entries(lock.packages).flatMap(([path, { engines }]) => {
      const range = engines && !Array.isArray(engines) ? engines.node : undefined;
      return path && range && !semver.satisfies(oldest, range) ? [`${path} wants Node ${range}`] : [];
    });
    // Assess
    expect(refusing).toEqual([]);
  });
});
