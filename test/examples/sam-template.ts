import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseDocument, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import { EXAMPLES } from './example-project.js';

export const SAM_DIR = join(EXAMPLES, 'aws-sam');

/** A CloudFormation resource or parameter as JSON (the long form of every short tag). */
export type Json = any;

const FUNCTIONS = [
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'Transform',
];

// CloudFormation's short forms (`!Ref X`, `!Sub '…'`, `!If [c, a, b]`) as the long forms they
// stand for, so that the test reads the template as CloudFormation does.
const CFN_TAGS: (ScalarTag | CollectionTag)[] = [
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  { tag: '!Condition', resolve: (value: string) => ({ Condition: value }) },
  ...FUNCTIONS.flatMap((name): (ScalarTag | CollectionTag)[] => {
    const key = `Fn::${name}`;
    return [
      {
        tag: `!${name}`,
        resolve: (value: string) => ({
          [key]: name === 'GetAtt' ? [value.slice(0, value.indexOf('.')), value.slice(value.indexOf('.') + 1)] : value,
        }),
      },
      { tag: `!${name}`, collection: 'seq', resolve: (seq: YAMLSeq) => ({ [key]: seq.toJSON() }) } as CollectionTag,
      { tag: `!${name}`, collection: 'map', resolve: (map: YAMLMap) => ({ [key]: map.toJSON() }) } as CollectionTag,
    ];
  }),
];

/** examples/aws-sam/template.yaml as CloudFormation reads it; throws on an unknown tag. */
export function readSamTemplate(): Json {
  const document = parseDocument(readFileSync(join(SAM_DIR, 'template.yaml'), 'utf8'), {
    customTags: CFN_TAGS,
    prettyErrors: true,
  });
  // The parser only warns about a tag it does not know, and keeps the bare string.
  const problems = [...document.errors, ...document.warnings];
  if (problems.length) throw new Error(`template.yaml: ${problems.map((problem) => problem.message).join('\n')}`);
  return document.toJS();
}

/**
 * The function's environment as a deployment with the parameters' defaults would set it; a `Ref`
 * to a resource becomes `resources[name]`, which the caller supplies (the bucket's name).
 */
export function defaultEnvironment(template: Json, resources: Record<string, string>): Record<string, string> {
  const variables: Record<string, Json> = template.Resources.PresignFunction.Properties.Environment.Variables;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      if (typeof value === 'string') return [name, value];
      // A Secrets Manager reference resolves, at deploy time, to the secret itself.
      const secret = /^\{\{resolve:secretsmanager:\$\{(\w+)\}:SecretString\}\}$/.exec(value?.['Fn::Sub'] ?? '')?.[1];
      if (secret !== undefined && resources[secret] !== undefined) return [name, resources[secret]];
      const ref = value?.Ref;
      const resolved = template.Parameters[ref]?.Default ?? resources[ref];
      if (resolved === undefined)
        throw new Error(`${name} is set to ${JSON.stringify(value)}, which the test cannot resolve`);
      return [name, String(resolved)];
    }),
  );
}

/**
 * `sam build` of the function, as SAM's makefile builder (aws-lambda-builders' CustomMakeWorkflow)
 * runs it for `Metadata: BuildMethod: makefile`: a copy of the CodeUri folder `source` (installed
 * already, so that it holds the library to test) without `.aws-sam` and `.git`, then
 * `make --makefile Makefile build-PresignFunction` in that copy with ARTIFACTS_DIR set. The copy
 * sits beside `source`, so that a `file:` dependency's relative path still resolves.
 *
 * @example
 * const { dir, handlerFile } = await samBuild(installedSrc, join(workDir, 'sam-artifacts'));
 */
export async function samBuild(source: string, artifacts: string): Promise<{ dir: string; handlerFile: string }> {
  const fn = readSamTemplate().Resources.PresignFunction;
  if (fn.Metadata?.BuildMethod !== 'makefile')
    throw new Error('examples/aws-sam: expected Metadata.BuildMethod makefile on PresignFunction');
  const scratch = join(dirname(source), `${basename(source)}-scratch`);
  await rm(scratch, { recursive: true, force: true });
  await rm(artifacts, { recursive: true, force: true });
  await cp(source, scratch, {
    recursive: true,
    filter: (path) => !['.aws-sam', '.git'].includes(basename(path)),
  });
  try {
    await promisify(execFile)('make', ['--makefile', join(source, 'Makefile'), 'build-PresignFunction'], {
      cwd: scratch,
      env: { ...process.env, ARTIFACTS_DIR: artifacts },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`make build-PresignFunction failed in ${scratch}: ${message}\n${stdout}\n${stderr}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const name = (fn.Properties.Handler as string).split('.')[0]!;
  const handlerFile = (await readdir(artifacts)).find((file) => file.startsWith(`${name}.`));
  if (!handlerFile) throw new Error(`sam build wrote no ${name}.* into ${artifacts}`);
  return { dir: artifacts, handlerFile };
}
