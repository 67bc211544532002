import type { HandlerOptions, Presigners } from '../../src/index.js';

/** One HTTP request, as a browser or curl would send it to the presign endpoint. */
export interface DriverRequest {
  method: string;
  /** Default `/presign`. */
  path?: string;
  /** Header names lower-cased. */
  headers?: Record<string, string>;
  body?: string;
}

/** What came back, with lower-cased header names. */
export interface DriverResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Runs one adapter around a presigner so that the conformance suite can send it requests. Servers
 * (Express, Hono, node:http) listen on 127.0.0.1 and are reached by real HTTP; Lambda is invoked
 * with an event of its kind built from the request, as API Gateway or a Function URL would.
 */
export interface AdapterDriver {
  name: string;
  /**
   * `express.json()` runs first: what it refuses (malformed JSON, a bare JSON string) Express's own
   * error handler answers, before the adapter sees the request. Documented on `toExpressHandler`.
   */
  parsesJsonFirst?: boolean;
  start<Context>(
    presigner: Presigners<Context>,
    options?: HandlerOptions<Context>,
  ): Promise<{ send(request: DriverRequest): Promise<DriverResponse>; close(): Promise<void> }>;
}
