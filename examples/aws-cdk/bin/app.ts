import { App } from 'aws-cdk-lib/core';
import { UploadPresignerStack } from '../lib/upload-presigner-stack';

const app = new App();
const context = (name: string): string | undefined => app.node.tryGetContext(name) || undefined;
const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const userPoolId = context('cognitoUserPoolId');
const appClientId = context('cognitoAppClientId');
if (userPoolId && !appClientId)
  throw new Error("cognitoUserPoolId needs cognitoAppClientId too (the tokens' audience)");

// Configured with `-c name=value` on the cdk command line (see README.md).
new UploadPresignerStack(app, context('stackName') ?? 'UploadPresigner', {
  allowedOrigins: list(context('allowedOrigins')) ?? ['http://localhost:5173'],
  allowedTypes: list(context('allowedTypes')),
  maxSize: context('maxSize') === undefined ? undefined : Number(context('maxSize')),
  prefix: context('prefix'),
  cognito: userPoolId && appClientId ? { userPoolId, appClientId } : undefined,
});
