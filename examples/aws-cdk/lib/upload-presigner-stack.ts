import * as path from 'node:path';
// aws-cdk-lib/core, not the package root, whose types re-export every AWS service: `tsc` then
// reads ~1,600 fewer declaration files (13 s of CPU for `npm run typecheck` down to 8 s).
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib/core';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { splitBundle } from './split-bundle';

export interface UploadPresignerStackProps extends StackProps {
  /** Origins of your web app (no trailing slash), admitted by the bucket's CORS and the endpoint's. */
  allowedOrigins: string[];
  /** Media types or wildcards; default `image/*` and `application/pdf`. */
  allowedTypes?: string[];
  /** Largest upload in bytes; default 10 MiB. Over 5 GiB (up to 5 TiB) only multipart uploads reach. */
  maxSize?: number;
  /** Key prefix ending with `/`; default `uploads/`. The function may only write below it. */
  prefix?: string;
  /** Seconds an upload URL stays valid; default 300. */
  expiresIn?: number;
  /** When set, POST /presign needs an ID or access token of this user pool's app client. */
  cognito?: { userPoolId: string; appClientId: string };
}

/** An S3 bucket for uploads and an HTTP API whose POST /presign answers presigned upload URLs. */
export class UploadPresignerStack extends Stack {
  constructor(scope: Construct, id: string, props: UploadPresignerStackProps) {
    super(scope, id, props);
    const prefix = props.prefix ?? 'uploads/';

    const bucket = new Bucket(this, 'UploadBucket', {
      // SSE-S3: encrypted at rest with nothing to grant. With SSE-KMS the function would also need
      // kms:GenerateDataKey, and every upload would carry the KMS headers.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // The browser sends the file straight to the bucket, so the bucket (not the API) must admit
      // the app's origin. ETag is exposed because multipart uploads need each part's.
      cors: [
        {
          allowedOrigins: props.allowedOrigins,
          allowedMethods: [HttpMethods.PUT, HttpMethods.POST],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      // Parts of an abandoned multipart upload are stored (and billed) until aborted.
      lifecycleRules: [
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    // A stable secret for receipts and multipart tokens: every instance of the function checks them
    // with it. The id predates the option's rename; kept, so that a deployed stack keeps its secret.
    const presignSecret = new Secret(this, 'MultipartSecret', {
      description: 'Signs upload-presigner receipts and multipart upload tokens.',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });

    const presignFunction = new LambdaFunction(this, 'PresignFunction', {
      description: 'Answers POST /presign with a presigned upload URL.',
      // The AWS SDK versions upload-presigner was tested with are bundled rather than left to the
      // runtime's built-in copy, whose version Lambda chooses, in chunks a presign never loads.
      code: splitBundle(path.join(__dirname, '../lambda/index.ts')),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      logGroup: new LogGroup(this, 'PresignFunctionLogs', { retention: RetentionDays.ONE_MONTH }),
      environment: {
        PRESIGN_BUCKET: bucket.bucketName,
        PRESIGN_PREFIX: prefix,
        PRESIGN_ALLOWED_TYPES: (props.allowedTypes ?? ['image/*', 'application/pdf']).join(','),
        PRESIGN_MAX_SIZE: String(props.maxSize ?? 10 * 1024 * 1024),
        PRESIGN_EXPIRES_IN: String(props.expiresIn ?? 300),
        PRESIGN_ALLOWED_ORIGINS: props.allowedOrigins.join(','),
        // Resolved from Secrets Manager when the stack deploys; the template holds a reference only.
        PRESIGN_SECRET: presignSecret.secretValue.unsafeUnwrap(),
      },
    });

    // A presigned URL carries the function's own permissions: whatever the role may do below the
    // prefix, a URL signed by it may do too. So the role gets the prefix only.
    presignFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'PutUploads',
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    // Multipart uploads (s3:PutObject above covers create, parts and complete; these abort and list
    // the parts) and verification (read the object, remove a refused one).
    presignFunction.addToRolePolicy(
      new PolicyStatement({
        sid: 'MultipartAndVerification',
        actions: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:GetObject', 's3:DeleteObject'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );

    // No CORS configuration on the API on purpose: with it API Gateway would answer preflights
    // itself. The function answers them from PRESIGN_ALLOWED_ORIGINS, so CORS is set in one place.
    const api = new HttpApi(this, 'HttpApi', { apiName: `${id}-presign`, createDefaultStage: false });
    const stage = api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 20, burstLimit: 50 },
    });
    const integration = new HttpLambdaIntegration('PresignIntegration', presignFunction);
    const authorizer =
      props.cognito &&
      new HttpJwtAuthorizer(
        'CognitoAuthorizer',
        `https://cognito-idp.${this.region}.amazonaws.com/${props.cognito.userPoolId}`,
        {
          jwtAudience: [props.cognito.appClientId],
        },
      );
    api.addRoutes({ path: '/presign', methods: [HttpMethod.POST], integration, authorizer });
    // Browsers send preflights without the Authorization header, so this route has no authorizer.
    api.addRoutes({ path: '/presign', methods: [HttpMethod.OPTIONS], integration });

    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the HTTP API.', value: stage.url });
    new CfnOutput(this, 'PresignUrl', {
      description: 'POST {"fileName","contentType","size"} here to get an upload URL.',
      value: `${stage.url}presign`,
    });
    new CfnOutput(this, 'BucketName', { description: 'The bucket uploads land in.', value: bucket.bucketName });
  }
}
