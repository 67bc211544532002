import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allReadmeBlocks,
  blockPath,
  packageAsBuilt,
  readmeInlineCode,
  type ReadmeBlock,
} from './helpers/readme-blocks.js';
import { jpegBytes, rgwPresigner } from './helpers/s3.js';

const run = promisify(execFile);

/**
 * A block runs when it prints: each `console.log(…)` is followed by a `// …` comment that says
 * what it prints, and the run must print exactly that.
 */
function promisedOutput(block: ReadmeBlock): string[] {
  const lines = block.code.split('\n');
  return lines.flatMap((line, index) => {
    const next = /^\s*\/\/ (.*)$/.exec(lines[index + 1] ?? '');
    return line.includes('console.log(') && next ? [next[1]!] : [];
  });
}

/** What a printing block leaves to the reader, made real against Ceph RGW; found by what the block calls. */
const SETUPS: { runs: (block: ReadmeBlock) => boolean; setup: () => Promise<Record<string, unknown>> }[] = [
  {
    // The doctor explaining a PUT sent with another Content-Type.
    runs: (block) => block.code.includes('diagnose({'),
    setup: async () => {
      const bytes = jpegBytes(4096);
      const presigner = rgwPresigner({ allowedTypes: ['image/*'], maxSize: 1024 ** 2 });
      const result = await presigner.presign({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: bytes.length });
      if (result.method !== 'PUT') throw new Error('the doctor block shows a PUT');
      return {
        uploadUrl: result.uploadUrl,
        headers: result.headers,
        file: { base64: Buffer.from(bytes).toString('base64'), name: 'photo.jpg' },
      };
    },
  },
];

/** Declares the setup's values ahead of the block, as the reader's app would have them. */
function preludeOf(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([name, value]) =>
      name === 'file'
        ? `const file = new File([Buffer.from(${JSON.stringify((value as { base64: string }).base64)}, 'base64')], ${JSON.stringify((value as { name: string }).name)});`
        : `const ${name} = ${JSON.stringify(value)};`,
    )
    .join('\n');
}

const printing = allReadmeBlocks().filter((block) => !block.fragment && promisedOutput(block).length > 0);
let workDir: string;

beforeAll(() => {
  workDir = packageAsBuilt();
}, 600_000);

afterAll(() => rm(workDir, { recursive: true, force: true }));

describe('README blocks that print, run against Ceph RGW', () => {
  it('finds the doctor block among them', () => {
    expect(printing.filter((block) => block.code.includes('diagnose({'))).toHaveLength(1);
  });

  it.each(printing.map((block) => [block.name, block] as const))(
    '%s prints what its comments promise',
    async (_name, block) => {
      // Prepare
      const setup = SETUPS.find(({ runs }) => runs(block))?.setup;
      if (!setup) throw new Error(`${block.name} prints, so it must run: give it a setup in SETUPS`);
      const { outputText } = ts.transpileModule(block.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      const script = blockPath(block, workDir, '.mjs');
      await writeFile(script, `${preludeOf(await setup())}\n${outputText}`);
      // Act
      const { stdout } = await run(process.execPath, [script], { cwd: workDir, timeout: 60_000 });
      // Assess
      expect(stdout.trimEnd().split('\n')).toEqual(promisedOutput(block));
    },
  );
});

describe("the README's curl upload, against Ceph RGW", () => {
  const command = readmeInlineCode('README.md').find((code) => code.startsWith('curl -T sample.jpg'));

  it('answers 200 with the headers presign returned, and 412 the second time', async () => {
    // Prepare: the opening example's presigner, aimed at RGW, and a sample.jpg of the size it declares.
    expect(command).toBeDefined();
    const bytes = jpegBytes(48_213 - 22);
    await writeFile(join(workDir, 'sample.jpg'), bytes);
    const presigner = rgwPresigner({ allowedTypes: ['image/*', 'application/pdf'], maxSize: 10 * 1024 * 1024 });
    const { uploadUrl } = await presigner.presign({
      fileName: 'sample.jpg',
      contentType: 'image/jpeg',
      size: bytes.length,
    });
    const put = () =>
      run('bash', ['-c', `${command} --silent --output /dev/null --write-out '%{http_code}'`], {
        cwd: workDir,
        env: { ...process.env, uploadUrl },
        timeout: 60_000,
      });
    // Act
    const first = await put();
    const second = await put();
    // Assess
    expect([first.stdout, second.stdout]).toEqual(['200', '412']);
  });
});
