import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/readme-blocks.js';

/**
 * examples/cloudflare-workers/src/index.ts with the edit its README gives for a Worker that only
 * presigns: createPresignOnlyPresigner in place of createPresigner, and no `secret`.
 *
 * @example
 * ```ts
 * writeFileSync(join(consumer, 'worker.ts'), presignOnlyStarter());
 * ```
 */
export function presignOnlyStarter(): string {
  const starter = readFileSync(join(ROOT, 'examples/cloudflare-workers/src/index.ts'), 'utf8');
  const edited = starter
    .replaceAll(/\bcreatePresigner\b/g, 'createPresignOnlyPresigner')
    .replace(/^ *secret: env\.PRESIGN_SECRET.*\n/m, '');
  // The edit must have happened, or the tests would measure and run the full starter.
  if (edited.match(/createPresignOnlyPresigner/g)?.length !== 2 || /secret:/.test(edited)) {
    throw new Error('examples/cloudflare-workers/src/index.ts changed: update presignOnlyStarter');
  }
  return edited;
}
