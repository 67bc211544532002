import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** Where a block's source goes inside a work dir made by `packageAsBuilt`. */
export function blockPath(block: ReadmeBlock, workDir: string, extension = '.ts'): string {
  return join(workDir, `${block.file.replace(/[^A-Za-z0-9]+/g, '-')}-${block.line}${extension}`);
}

/**
 * A work dir in the repository whose `node_modules/upload-presigner` is the package as users get
 * it: package.json and `dist/` as `npm run build` makes them, rebuilt first when a source is newer
 * (`npm test` builds just before, so then it is fresh). Copied under the build lock, so never a
 * `dist/` that a concurrent build is rewriting. Dependencies resolve from the repository's
 * node_modules above it. Remove it with `rm` when done.
 */
export function packageAsBuilt(): string {
  const workDir = mkdtempSync(join(ROOT, '.readme-'));
  // Its own package scope, so `upload-presigner` is not a self-reference to the live dist/.
  writeFileSync(join(workDir, 'package.json'), '{ "private": true, "type": "module" }\n');
  const target = join(workDir, 'node_modules', 'upload-presigner');
  mkdirSync(target, { recursive: true });
  const script =
    'if [ ! -f dist/index.d.ts ] || [ -n "$(find src -newer dist/index.d.ts -print -quit)" ]; then npm run build >&2; fi && cp -R dist package.json "$0"';
  execFileSync('flock', ['/tmp/build.lock', 'sh', '-c', script, target], { cwd: ROOT, stdio: 'pipe' });
  return workDir;
}

/** The inline code spans of a README (`like this`), in order: commands a reader copies from prose. */
export function readmeInlineCode(file: string): string[] {
  const spans: string[] = [];
  const visit = (node: Nodes): void => {
    if (node.type === 'inlineCode') spans.push(node.value);
    if ('children' in node) node.children.forEach(visit);
  };
  visit(fromMarkdown(readFileSync(join(ROOT, file), 'utf8')));
  return spans;
}
