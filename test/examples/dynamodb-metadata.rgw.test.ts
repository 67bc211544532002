import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegBytes, rgwClient, rgwPresigner, TEST_BUCKET } from '../helpers/s3.js';
import { installExample, makeWorkDir, packLibrary, removeWorkDir, rgwEnv, run, runScript } from './example-project.js';

// examples/dynamodb-metadata, installed from the packed library: its Lambda gets an S3 ObjectCreated
// event for a real JPEG and for an HTML file declared image/jpeg, both uploaded to Ceph RGW, and
// must record only the JPEG in a DynamoDB table (dynalite, from the example's own devDependencies)
// and leave the HTML file deleted.

const TABLE = 'uploads-metadata';
const storage = rgwClient();
const html = new TextEncoder().encode(
  '<!doctype html><html><body><script>alert(document.domain)</script></body></html>',
);

// The DynamoDB SDK is the example's dependency, not the repo's: these are the few parts used here.
type DocumentClient = { send(command: unknown): Promise<{ Items?: Record<string, unknown>[] }>; destroy(): void };
type LibDynamoDB = {
  DynamoDBDocumentClient: { from(client: unknown): DocumentClient };
  ScanCommand: new (input: { TableName: string }) => unknown;
};
type ClientDynamoDB = { DynamoDBClient: new (config: Record<string, unknown>) => unknown };

let workDir: string | undefined;
let dir: string;
let dynalite: Server | undefined;
let endpoint: string;
const uploaded: string[] = [];

beforeAll(async () => {
  workDir = await makeWorkDir('dynamodb-metadata');
  const tarball = await packLibrary();
  dir = await installExample('dynamodb-metadata', workDir, tarball);

  // dynalite, in this process, as the example installed it; on loopback and a free port.
  const fromExample = createRequire(join(dir, 'package.json'));
  const createDynalite = fromExample('dynalite') as (options: Record<string, unknown>) => Server;
  dynalite = createDynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynalite!.once('error', reject);
    dynalite!.listen(0, '127.0.0.1', () => resolve());
  });
  endpoint = `http://127.0.0.1:${(dynalite.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  await Promise.all(
    uploaded.map((key) => storage.send(new DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key })).catch(() => {})),
  );
  if (dynalite) await new Promise<void>((resolve) => dynalite!.close(() => resolve()));
  await removeWorkDir(workDir);
});

function exampleEnv(): NodeJS.ProcessEnv {
  return rgwEnv({
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    PRESIGN_ALLOWED_TYPES: 'image/*',
    PRESIGN_MAX_SIZE: '100000',
  });
}

async function upload(fileName: string, body: Uint8Array<ArrayBuffer>, userId: string): Promise<string> {
  const presigner = rgwPresigner<{ userId: string }>({
    allowedTypes: ['image/*'],
    key: ({ prefix, context, id, safeName }) => `${prefix}${context.userId}/${id}-${safeName}`,
  });
  const result = await presigner.presign({ fileName, contentType: 'image/jpeg', size: body.byteLength }, { userId });
  const response = await fetch(result.uploadUrl, { method: 'PUT', headers: result.headers, body });
  expect(response.status).toBe(200);
  uploaded.push(result.key);
  return result.key;
}

/** The ObjectCreated event S3 sends for `keys`, one record each, keys URL-encoded as S3 does. */
function objectCreated(keys: string[]) {
  const fixture = JSON.parse(
    readFileSync(new URL('../fixtures/events/s3-object-created.json', import.meta.url), 'utf8'),
  );
  const template = fixture.Records[0];
  return {
    Records: keys.map((key) => ({
      ...template,
      s3: { ...template.s3, object: { ...template.s3.object, key: key.split('/').map(encodeURIComponent).join('/') } },
    })),
  };
}

/** Calls the compiled handler in a fresh Node.js process, as Lambda loads it. */
async function invoke(
  event: unknown,
): Promise<{ verified: { key: string }[]; refused: { key: string; reason: string }[] }> {
  const script =
    'import("./dist/handler.js").then(async ({ handler }) => console.log(JSON.stringify(await handler(JSON.parse(process.env.EVENT)))));';
  const out = await run('node', ['-e', script], { cwd: dir, env: { ...exampleEnv(), EVENT: JSON.stringify(event) } });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

async function scan(): Promise<Record<string, unknown>[]> {
  const fromExample = createRequire(join(dir, 'package.json'));
  const { DynamoDBClient } = fromExample('@aws-sdk/client-dynamodb') as ClientDynamoDB;
  const { DynamoDBDocumentClient, ScanCommand } = fromExample('@aws-sdk/lib-dynamodb') as LibDynamoDB;
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    return (await client.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
  } finally {
    client.destroy();
  }
}

async function exists(key: string) {
  return storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
}

describe('examples/dynamodb-metadata, installed from the packed library', () => {
  // Its build is tsc with its own tsconfig: it fails on any type error, so it is the typecheck too.
  it('typechecks and builds, and creates its table with its own script', async () => {
    await runScript(dir, 'build');

    const out = await runScript(dir, 'create-table', [], { env: exampleEnv() });

    expect(out).toContain(`Created table ${TABLE}`);
    expect(await scan()).toEqual([]);
  }, 120_000);

  it('records the verified JPEG in DynamoDB and deletes the HTML file declared image/jpeg', async () => {
    // Prepare: a real JPEG and an HTML page, both uploaded through presigned URLs as image/jpeg.
    const photo = jpegBytes(400);
    const jpegKey = await upload('photo.jpg', photo, 'u-42');
    const htmlKey = await upload('page.jpg', html, 'u-42');
    const stored = await storage.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: jpegKey }));

    // Act
    const outcome = await invoke(objectCreated([jpegKey, htmlKey]));
    const items = await scan();

    // Assess
    expect(outcome.verified.map(({ key }) => key)).toEqual([jpegKey]);
    expect(outcome.refused.map(({ key }) => key)).toEqual([htmlKey]);
    expect(items).toHaveLength(1);
    expect(items[0]).toEqual({
      key: jpegKey,
      fileName: 'photo.jpg',
      contentType: 'image/jpeg',
      size: photo.byteLength,
      uploader: 'u-42',
      createdAt: stored.LastModified!.toISOString(),
    });
    expect(await exists(htmlKey)).toBe(false);
    expect(await exists(jpegKey)).toBe(true);
  }, 60_000);
});
