import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
