import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { presignerFromEnv, toS3EventHandler } from 'upload-presigner/aws-lambda';
import { dynamoClient, tableName } from './dynamodb.js';
import { toItem } from './metadata.js';

// A Lambda for the bucket's S3 `ObjectCreated` events: each new object is verified (type allowed,
// size within the limit, first bytes matching the declared type). A refused object is deleted; a
// verified one is recorded in DynamoDB by onUploadComplete. A storage or DynamoDB failure is thrown,
// so that Lambda retries the event.

const env = process.env;
const prefix = env.PRESIGN_PREFIX || 'uploads/';
const table = tableName(env);
const documents = DynamoDBDocumentClient.from(dynamoClient(env));

// The same PRESIGN_* variables as the ready-made presign handler, so both Lambdas share one config.
const { presigner } = presignerFromEnv(env, {
  ...(env.PRESIGN_QUARANTINE_PREFIX && { quarantinePrefix: env.PRESIGN_QUARANTINE_PREFIX }),
  onUploadComplete: async (upload) => {
    await documents.send(new PutCommand({ TableName: table, Item: { ...toItem(upload, prefix) } }));
  },
});

export const handler = toS3EventHandler(presigner);
