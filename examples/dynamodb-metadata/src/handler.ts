import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createPresigner } from 'upload-presigner';
import { toS3EventHandler } from 'upload-presigner/aws-lambda';
import { dynamoClient, tableName } from './dynamodb.js';
import { toItem } from './metadata.js';

// A Lambda for the bucket's S3 `ObjectCreated` events: each new object is verified (type allowed,
// size within the limit, first bytes matching the declared type). A refused object is deleted; a
// verified one is recorded in DynamoDB by onUploadComplete. A storage or DynamoDB failure is thrown,
// so that Lambda retries the event.

const env = process.env;
const list = (value: string | undefined) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);

const bucket = env.PRESIGN_BUCKET;
if (!bucket) throw new Error('PRESIGN_BUCKET is required: the bucket whose uploads are verified.');
const prefix = env.PRESIGN_PREFIX || 'uploads/';
const allowedTypes = list(env.PRESIGN_ALLOWED_TYPES);
if (env.PRESIGN_MAX_SIZE && !/^\d+$/.test(env.PRESIGN_MAX_SIZE)) throw new Error(`PRESIGN_MAX_SIZE must be a whole number of bytes, got "${env.PRESIGN_MAX_SIZE}".`);
const maxSize = env.PRESIGN_MAX_SIZE ? Number(env.PRESIGN_MAX_SIZE) : undefined;
const table = tableName(env);
const documents = DynamoDBDocumentClient.from(dynamoClient(env));

const presigner = createPresigner({
  bucket,
  prefix,
  allowedTypes: allowedTypes.length > 0 ? allowedTypes : ['image/*'],
  ...(maxSize !== undefined && { maxSize }),
  ...(env.PRESIGN_QUARANTINE_PREFIX && { quarantinePrefix: env.PRESIGN_QUARANTINE_PREFIX }),
  ...(env.PRESIGN_S3_ENDPOINT && { endpoint: env.PRESIGN_S3_ENDPOINT }),
  ...(env.PRESIGN_FORCE_PATH_STYLE === 'true' && { forcePathStyle: true }),
  onUploadComplete: async (upload) => {
    await documents.send(new PutCommand({ TableName: table, Item: { ...toItem(upload, prefix) } }));
  },
});

export const handler = toS3EventHandler(presigner);
