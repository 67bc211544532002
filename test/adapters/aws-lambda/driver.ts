import { toLambdaHandler, type LambdaResult } from '../../../src/adapters/aws-lambda/index.js';
import { lambdaEvent, lambdaEventKinds, type LambdaEventFixture } from '../../helpers/lambda-events.js';
import { vi } from 'vitest';
import type { AdapterDriver, DriverRequest, DriverResponse } from '../driver.js';

/**
 * Drives `toLambdaHandler` as AWS would: each request becomes an event of `kind`, and the result
 * is read back the way the gateway or load balancer turns it into an HTTP response.
 */
export function lambdaDriver(kind: LambdaEventFixture): AdapterDriver {
  return {
    name: `aws-lambda (${kind})`,
    async start(presigner, options) {
      const handle = toLambdaHandler(presigner, options);
      return {
        async send(request) {
          const init = {
            method: request.method,
            path: request.path,
            headers: request.headers ?? {},
            body: request.body,
          };
          return fromLambdaResult(await handle(lambdaEvent(kind, init)));
        },
        async close() {},
      };
    },
  };
}

/** One driver per event kind, for the conformance suite. */
export const lambdaDrivers: AdapterDriver[] = lambdaEventKinds.map(lambdaDriver);

function fromLambdaResult(result: LambdaResult): DriverResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = value;
  if ('multiValueHeaders' in result) {
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
      headers[name.toLowerCase()] = values.join(', ');
  }
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  return { status: result.statusCode, headers, body };
}

/**
 * Drives the ready-made `handler` as a function deployed with `env` would run: a fresh module, which
 * reads the variables (stubbed until `close`) on its first event, and API Gateway HTTP API events.
 */
export function dropInDriver(env: Record<string, string | undefined>) {
  return {
    name: 'aws-lambda drop-in handler (PRESIGN_* variables)',
    async start() {
      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
      vi.resetModules();
      const { handler } = await import('../../../src/adapters/aws-lambda/index.js');
      return {
        async send(request: DriverRequest) {
          const init = { method: request.method, path: request.path, headers: request.headers ?? {} };
          return fromLambdaResult(await handler(lambdaEvent('apigw-http', { ...init, body: request.body })));
        },
        async close() {
          vi.unstubAllEnvs();
        },
      };
    },
  };
}
