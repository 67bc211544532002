import { toLambdaHandler, type LambdaResult } from '../../../src/adapters/aws-lambda/index.js';
import { lambdaEvent, lambdaEventKinds, type LambdaEventFixture } from '../../helpers/lambda-events.js';
import type { AdapterDriver, DriverResponse } from '../driver.js';

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
