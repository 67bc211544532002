import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './example-project.js';
import { defaultEnvironment, readSamTemplate, SAM_DIR, type Json } from './sam-template.js';

type AwsLambdaModule = typeof import('../../src/adapters/aws-lambda/index.js');

const template = readSamTemplate();
const resources: Record<string, Json> = template.Resources;
const fn = resources.PresignFunction.Properties;
const PSEUDO_PARAMETERS = [
  'AWS::AccountId',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackName',
  'AWS::URLSuffix',
];

/** Every name the template refers to with Ref, GetAtt or a `${…}` inside Sub, and every condition it uses. */
function references(node: Json, found = { names: new Set<string>(), conditions: new Set<string>() }) {
  if (Array.isArray(node)) for (const item of node) references(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref') found.names.add(value as string);
      if (key === 'Fn::GetAtt') found.names.add((value as string[])[0]!);
      if (key === 'Fn::Sub') {
        const text = Array.isArray(value) ? value[0] : value;
        for (const [, name] of (text as string).matchAll(/\$\{([^}!][^}.]*)/g)) found.names.add(name!);
      }
      if (key === 'Fn::If') found.conditions.add((value as string[])[0]!);
      if (key === 'Condition' && typeof value === 'string') found.conditions.add(value);
      references(value, found);
    }
  }
  return found;
}

describe('examples/aws-sam/template.yaml', () => {
  it('is a SAM template whose every reference and condition is defined', () => {
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    const { names, conditions } = references({
      Resources: template.Resources,
      Outputs: template.Outputs,
      Conditions: template.Conditions,
    });
    const defined = new Set([...Object.keys(template.Parameters), ...Object.keys(resources), ...PSEUDO_PARAMETERS]);

    expect([...names].filter((name) => !defined.has(name))).toEqual([]);
    expect([...conditions].filter((name) => !(name in template.Conditions))).toEqual([]);
    expect(names).toContain('UploadPrefix');
  });

  it('creates a private, encrypted bucket that admits the origins, exposes ETag and aborts stale multipart uploads', () => {
    const bucket = resources.UploadBucket.Properties;

    expect(bucket.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({
        AllowedOrigins: { 'Fn::Split': [',', { Ref: 'AllowedOrigins' }] },
        AllowedMethods: expect.arrayContaining(['PUT']),
        ExposeHeaders: ['ETag'],
      }),
    ]);
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('AES256');
    expect(bucket.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    );
  });

  it('generates the multipart secret in Secrets Manager and hands it to the function, never in the template', () => {
    const secret = resources.MultipartSecret;
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(32);
    expect(fn.Environment.Variables.PRESIGN_SECRET).toEqual({
      'Fn::Sub': '{{resolve:secretsmanager:${MultipartSecret}:SecretString}}',
    });
  });

  it('lets the function act on objects below the upload prefix only', () => {
    const statements: Json[] = fn.Policies.flatMap((policy: Json) => policy.Statement);
    const actions = statements.flatMap((statement) => [statement.Action].flat());

    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
    expect(actions.sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:ListMultipartUploadParts',
      's3:PutObject',
    ]);
    for (const statement of statements)
      expect(statement.Resource).toEqual({ 'Fn::Sub': '${UploadBucket.Arn}/${UploadPrefix}*' });
    // A prefix of "*" or one without the trailing slash would widen the grant past the prefix.
    expect(new RegExp(template.Parameters.UploadPrefix.AllowedPattern).test('*/')).toBe(false);
    expect(new RegExp(template.Parameters.UploadPrefix.AllowedPattern).test('uploads')).toBe(false);
  });

  describe('against the built package', () => {
    let lambda: AwsLambdaModule;
    beforeAll(async () => {
      await ensureBuilt();
      lambda = await import(pathToFileURL(join(ROOT, 'dist', 'aws-lambda.js')).href);
    }, 120_000);

    it("points Handler at a file that exports the package's handler from an entry point it has", () => {
      const [file, exported] = fn.Handler.split('.') as [string, string];
      const source = join(SAM_DIR, fn.CodeUri, `${file}.mjs`);
      const specifier = /export\s*\{\s*(\w+)\s*\}\s*from\s*'([^']+)'/.exec(readFileSync(source, 'utf8'));
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
      const functionPkg = JSON.parse(readFileSync(join(SAM_DIR, fn.CodeUri, 'package.json'), 'utf8'));

      expect(specifier?.[1]).toBe(exported);
      expect(specifier?.[2]).toBe('upload-presigner/aws-lambda');
      const entry = pkg.exports['./aws-lambda'].import.default as string;
      expect(existsSync(join(ROOT, entry))).toBe(true);
      expect(entry).toBe('./dist/aws-lambda.js');
      expect(typeof lambda[exported as 'handler']).toBe('function');
      expect(Object.keys(functionPkg.dependencies)).toEqual(['upload-presigner']);
      expect(fn.Runtime ?? template.Globals.Function.Runtime).toMatch(/^nodejs(2[0-9]|[3-9][0-9])\.x$/);
    });

    it('sets only PRESIGN_* variables that the handler reads, with defaults it accepts', () => {
      // Records which variables the package looks at, so a misspelt or removed one fails here
      // instead of being silently ignored by the deployed function.
      const env = defaultEnvironment(template, { UploadBucket: 'example-uploads', MultipartSecret: 'x'.repeat(48) });
      const read = new Set<string | symbol>();
      const recorded = new Proxy(env, { get: (target, name) => (read.add(name), target[name as string]) });

      expect(() => lambda.presignerFromEnv(recorded)).not.toThrow();
      expect(Object.keys(env).filter((name) => !read.has(name))).toEqual([]);
      expect(env).toMatchObject({ PRESIGN_BUCKET: 'example-uploads', PRESIGN_PREFIX: 'uploads/' });
    });
  });

  it('guards POST /presign with an optional JWT authorizer for the Cognito user pool and leaves preflights open', () => {
    const authorizer = resources.CognitoAuthorizer;
    const post = Object.values(resources).find((resource: Json) => resource.Properties?.RouteKey === 'POST /presign');
    const options = Object.values(resources).find(
      (resource: Json) => resource.Properties?.RouteKey === 'OPTIONS /presign',
    );

    expect(template.Conditions.UseCognito).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'CognitoUserPoolId' }, ''] }],
    });
    expect(authorizer.Condition).toBe('UseCognito');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: { 'Fn::Sub': 'https://cognito-idp.${AWS::Region}.amazonaws.com/${CognitoUserPoolId}' },
        Audience: [{ Ref: 'CognitoAppClientId' }],
      },
    });
    expect(post.Properties.AuthorizationType).toEqual({ 'Fn::If': ['UseCognito', 'JWT', 'NONE'] });
    expect(post.Properties.AuthorizerId).toEqual({
      'Fn::If': ['UseCognito', { Ref: 'CognitoAuthorizer' }, { Ref: 'AWS::NoValue' }],
    });
    expect(options.Properties.AuthorizationType).toBe('NONE');
  });

  it('sends the routes to the function in the HTTP API payload format 2.0 and outputs the endpoint', () => {
    const integration = resources.PresignIntegration.Properties;

    expect(resources.HttpApi.Properties.ProtocolType).toBe('HTTP');
    expect(integration).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': ['PresignFunction', 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    expect(resources.PresignInvokePermission.Properties.FunctionName).toEqual({ Ref: 'PresignFunction' });
    expect(template.Outputs.PresignUrl.Value).toEqual({ 'Fn::Sub': '${HttpApi.ApiEndpoint}/presign' });
  });
});
