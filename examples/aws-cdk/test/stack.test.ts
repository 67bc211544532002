import { App } from 'aws-cdk-lib/core';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { presignerFromEnv } from 'upload-presigner/aws-lambda';
import { describe, expect, it } from 'vitest';
import { UploadPresignerStack, type UploadPresignerStackProps } from '../lib/upload-presigner-stack';

const ORIGINS = ['https://app.example.com', 'http://localhost:5173'];

function synth(props: Partial<UploadPresignerStackProps> = {}): Template {
  // Skips the bundling: these tests need the template, not the function's code, and run offline.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new UploadPresignerStack(app, 'Test', {
    allowedOrigins: ORIGINS,
    env: { region: 'eu-west-1' },
    ...props,
  });
  return Template.fromStack(stack);
}

function presignEnvironment(template: Template): Record<string, unknown> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  return fn!.Properties.Environment.Variables;
}

describe('UploadPresignerStack', () => {
  it('admits the origins to the bucket with ETag exposed, blocks public access, encrypts and aborts stale multipart uploads', () => {
    synth().hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({ AllowedOrigins: ORIGINS, AllowedMethods: ['PUT', 'POST'], ExposedHeaders: ['ETag'] }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' })],
      },
    });
  });

  it('lets the function touch objects below the prefix only', () => {
    const template = synth({ prefix: 'user-files/' });
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const s3Statements = statements.filter((statement) =>
      [statement.Action].flat().some((action: string) => action.startsWith('s3:')),
    );

    expect(
      s3Statements
        .map((statement) => statement.Action)
        .flat()
        .sort(),
    ).toEqual([
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:ListMultipartUploadParts',
      's3:PutObject',
    ]);
    for (const statement of s3Statements) {
      // The ARN is joined from the bucket's ARN and the prefix: nothing outside the prefix, no bucket-level action.
      expect(statement.Resource).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^UploadBucket/), 'Arn'] }, '/user-files/*']],
      });
    }
  });

  it('configures the handler with PRESIGN_* variables that upload-presigner reads and accepts', () => {
    const variables = presignEnvironment(synth({ allowedTypes: ['image/png'], maxSize: 1000 }));
    expect(variables).toMatchObject({
      PRESIGN_BUCKET: { Ref: expect.stringMatching(/^UploadBucket/) },
      PRESIGN_PREFIX: 'uploads/',
      PRESIGN_ALLOWED_TYPES: 'image/png',
      PRESIGN_MAX_SIZE: '1000',
      PRESIGN_ALLOWED_ORIGINS: ORIGINS.join(','),
    });

    // Records which variables the package looks at, so a misspelt or removed one fails here
    // instead of being ignored by the deployed function.
    // Tokens resolve at deploy time: the bucket's name, and the secret Secrets Manager generates.
    const deployed = (name: string) => (name === 'PRESIGN_SECRET' ? 'x'.repeat(48) : 'example-bucket');
    const env = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : deployed(name)]),
    );
    const read = new Set<string | symbol>();
    const recorded = new Proxy(env, { get: (target, name) => (read.add(name), target[name as string]) });
    expect(() => presignerFromEnv(recorded)).not.toThrow();
    expect(Object.keys(variables).filter((name) => !read.has(name))).toEqual([]);
  });

  it('generates the multipart secret in Secrets Manager and passes a reference to it, not its value', () => {
    const template = synth();
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
    });
    expect(JSON.stringify(presignEnvironment(template).PRESIGN_SECRET)).toMatch(/\{\{resolve:secretsmanager:/);
  });

  it('runs the function on a Node.js runtime from the bundled handler', () => {
    synth().hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Handler: 'index.handler' });
  });

  it('has no authorizer unless a user pool is given', () => {
    const template = synth();
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /presign',
      AuthorizationType: 'NONE',
    });
  });

  it('guards POST /presign with a JWT authorizer for the Cognito user pool, and leaves preflights open', () => {
    const template = synth({ cognito: { userPoolId: 'eu-west-1_AbC123', appClientId: 'client123' } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
        Audience: ['client123'],
      },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /presign',
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: Match.stringLikeRegexp('CognitoAuthorizer') },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'OPTIONS /presign',
      AuthorizationType: 'NONE',
    });
  });

  it('outputs the presign endpoint', () => {
    const outputs = synth().findOutputs('PresignUrl');
    expect(JSON.stringify(outputs)).toContain('presign');
  });
});
