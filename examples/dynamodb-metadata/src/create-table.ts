import {
  CreateTableCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { pathToFileURL } from 'node:url';
import { dynamoClient, tableName } from './dynamodb.js';

/** The table's shape: partition key `key` (a string), no sort key, on-demand capacity. */
export function tableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/** Creates the table and waits until it is active. */
export async function createTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(new CreateTableCommand(tableDefinition(name)));
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
}

// `npm run create-table`: creates TABLE_NAME, at DYNAMODB_ENDPOINT when set.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const name = tableName();
  await createTable(dynamoClient(), name);
  console.log(`Created table ${name}`);
}
