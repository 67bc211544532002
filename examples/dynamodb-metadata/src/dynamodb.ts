import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A client for DynamoDB, or for a local one (dynalite) when `DYNAMODB_ENDPOINT` is set. */
export function dynamoClient(env: Record<string, string | undefined> = process.env): DynamoDBClient {
  return new DynamoDBClient(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {});
}

/** `TABLE_NAME`, required. */
export function tableName(env: Record<string, string | undefined> = process.env): string {
  const name = env.TABLE_NAME;
  if (!name) throw new Error('TABLE_NAME is required: the DynamoDB table upload metadata goes to.');
  return name;
}
