import { rmSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allReadmeBlocks, blockPath, packageAsBuilt, type ReadmeBlock } from './helpers/readme-blocks.js';

/**
 * What the READMEs leave to the reader — their own app's values — declared by type only. A block
 * that declares one of these itself shadows it, as in the reader's own module.
 */
const PRELUDE = `
declare const presigner: import('upload-presigner').Presigner; // made in an earlier block
declare const app: import('hono').Hono; // the reader's Hono app (Fetch adapter)
declare function verifyJwt(authorization: string | undefined): Promise<{ sub: string }>;
declare const audit: { record(userId: string, key: string): void };
declare const db: { put(item: object): Promise<void> };
declare const file: File; // what the user picked
declare const token: string; // the user's session
declare const controller: AbortController;
declare const bar: HTMLProgressElement;
declare function show(message: string): void;
declare const uploadUrl: string; // from presign, with its headers
declare const headers: Record<string, string>;
// examples/dynamodb-metadata: what src/handler.ts makes before its presigner, and the table item of src/metadata.ts.
declare const documents: { send(command: PutCommand): Promise<object> }; // a DynamoDBDocumentClient
declare class PutCommand { constructor(input: { TableName: string; Item: Record<string, unknown> }) } // @aws-sdk/lib-dynamodb
declare const table: string;
declare const prefix: string;
declare function toItem(upload: import('upload-presigner').VerifiedUpload, prefix: string): Record<string, unknown>;
declare const Bun: { serve(options: { port: number; fetch(request: Request): Promise<Response> }): unknown };
declare const Deno: {
  serve(options: { port: number }, handler: (request: Request) => Promise<Response>): unknown;
  env: { get(name: string): string | undefined };
};
`;

const blocks = allReadmeBlocks();
const checked = blocks.filter((block) => !block.fragment);

/** How users compile: Node's own ESM resolution, and a bundler's. Both strict, both exact about optional properties. */
const SETTINGS: Record<'node16' | 'bundler', ts.CompilerOptions> = {
  node16: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
  bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
};

/** Compiles every block as its own module, in one program per setting, and returns each block's errors. */
function typecheck(settings: ts.CompilerOptions, workDir: string): Map<ReadmeBlock, string[]> {
  const options: ts.CompilerOptions = {
    ...settings,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    strict: true,
    exactOptionalPropertyTypes: true,
    moduleDetection: ts.ModuleDetectionKind.Force,
    skipLibCheck: true,
    noEmit: true,
  };
  const preludePath = join(workDir, 'prelude.d.ts');
  const sources = new Map<string, string>([[preludePath, PRELUDE]]);
  for (const block of checked) sources.set(blockPath(block, workDir), block.code);

  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => sources.has(path) || fileExists(path);
  host.readFile = (path) => sources.get(path) ?? readFile(path);
  host.getSourceFile = (path, language, ...rest) => {
    const text = sources.get(path);
    return text === undefined ? getSourceFile(path, language, ...rest) : ts.createSourceFile(path, text, language);
  };
  const program = ts.createProgram([...sources.keys()], options, host);

  const errors = new Map<ReadmeBlock, string[]>(checked.map((block) => [block, []]));
  const byPath = new Map(checked.map((block) => [blockPath(block, workDir), block]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const block = diagnostic.file && byPath.get(diagnostic.file.fileName);
    if (!block)
      throw new Error(
        `outside any README block (${diagnostic.file?.fileName ?? 'options'}): TS${diagnostic.code} ${message}`,
      );
    // +1: the code starts on the line after the fence.
    const line = block.line + 1 + diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start!).line;
    errors.get(block)!.push(`${block.file}:${line}: TS${diagnostic.code} ${message}`);
  }
  return errors;
}

describe('README code', () => {
  const results = new Map<keyof typeof SETTINGS, Map<ReadmeBlock, string[]>>();

  let workDir: string | undefined;

  beforeAll(() => {
    workDir = packageAsBuilt();
    for (const name of Object.keys(SETTINGS) as (keyof typeof SETTINGS)[])
      results.set(name, typecheck(SETTINGS[name], workDir));
  }, 600_000);

  afterAll(() => workDir && rmSync(workDir, { recursive: true, force: true }));

  it('finds the TypeScript blocks of every README, and few of them are marked as fragments', () => {
    expect(blocks.filter((block) => block.file === 'README.md').length).toBeGreaterThanOrEqual(10);
    expect(blocks.filter((block) => block.fragment).map((block) => block.name).length).toBeLessThanOrEqual(2);
  });

  it.each(checked.map((block) => [block.name, block] as const))(
    '%s compiles, strict, under node16 and bundler resolution',
    (_name, block) => {
      expect({ node16: results.get('node16')!.get(block), bundler: results.get('bundler')!.get(block) }).toEqual({
        node16: [],
        bundler: [],
      });
    },
  );
});
