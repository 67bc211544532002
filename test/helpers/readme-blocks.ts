import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes } from 'mdast';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The READMEs a user reads: the package's and each example's. */
export const READMES = [
  'README.md',
  ...readdirSync(join(ROOT, 'examples'))
    .map((name) => `examples/${name}/README.md`)
    .filter((path) => existsSync(join(ROOT, path))),
];

/** A fenced TypeScript block of a README, where it stands and how it is marked. */
export interface ReadmeBlock {
  /** Path relative to the repository, e.g. `README.md`. */
  file: string;
  /** Line of the opening fence. */
  line: number;
  /** The nearest heading above the block. */
  heading: string;
  code: string;
  /** `<!-- readme-test: fragment -->` right before the block: not meant to compile alone. */
  fragment: boolean;
  /** `README.md:42 (Doctor: …)`, for test names and messages. */
  name: string;
}

const TYPESCRIPT = new Set(['ts', 'typescript', 'tsx', 'mts']);
const FRAGMENT_MARK = /^<!--\s*readme-test:\s*fragment\b[\s\S]*-->$/;

/** Every TypeScript block of one README, found by a Markdown parser (so fences inside lists count too). */
export function readmeBlocks(file: string): ReadmeBlock[] {
  const tree = fromMarkdown(readFileSync(join(ROOT, file), 'utf8'));
  const blocks: ReadmeBlock[] = [];
  let heading = '(top)';
  let previous: Nodes | undefined;
  const visit = (node: Nodes): void => {
    if (node.type === 'heading') heading = node.children.map((child) => ('value' in child ? child.value : '')).join('');
    if (node.type === 'code' && node.lang && TYPESCRIPT.has(node.lang)) {
      const line = node.position!.start.line;
      const fragment = previous?.type === 'html' && FRAGMENT_MARK.test(previous.value.trim());
      blocks.push({ file, line, heading, code: node.value, fragment, name: `${file}:${line} (${heading})` });
    }
    if ('children' in node) {
      previous = undefined;
      for (const child of node.children) {
        visit(child);
        previous = child;
      }
    }
  };
  visit(tree);
  return blocks;
}

/** All TypeScript blocks of every README. */
export function allReadmeBlocks(): ReadmeBlock[] {
  return READMES.flatMap(readmeBlocks);
}

/** A path for a block's source inside the repository, so `upload-presigner` resolves to this package. */
export function blockPath(block: ReadmeBlock, extension = '.ts'): string {
  const slug = relative('.', block.file).replace(/[^A-Za-z0-9]+/g, '-');
  return join(ROOT, '.readme-blocks', `${slug}-${block.line}${extension}`);
}

/**
 * dist/ as `npm run build` makes it — what users import — rebuilt when a source is newer
 * (`npm test` builds just before, so then this finds it fresh).
 */
export function ensureFreshBuild(): void {
  const sources = readdirSync(join(ROOT, 'src'), { withFileTypes: true, recursive: true }).filter((entry) => entry.isFile());
  const newest = Math.max(...sources.map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs));
  const built = join(ROOT, 'dist', 'index.d.ts');
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  execFileSync('flock', ['/tmp/build.lock', 'npm', 'run', 'build'], { cwd: ROOT, stdio: 'pipe' });
}
