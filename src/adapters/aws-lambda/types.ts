// Our own structural types, so that the package needs no @types/aws-lambda: they hold the fields
// the adapter reads, plus the ones an `authorize` hook typically reads from `request.raw`.

/** Headers as API Gateway and ALB send them; absent values may appear as `undefined`. */
export type LambdaHeaders = Record<string, string | undefined>;

/** Repeated headers, each name with all its values (`multiValueHeaders`). */
export type LambdaMultiValueHeaders = Record<string, string[] | undefined>;

/**
 * An API Gateway REST API proxy event (payload format 1.0; HTTP APIs send it too when their
 * integration is set to 1.0). Header names keep the case the client sent.
 *
 * @example
 * ```ts
 * const event = request.raw as APIGatewayProxyEvent;
 * const userId = event.requestContext.authorizer?.claims?.sub;
 * ```
 */
export interface APIGatewayProxyEvent {
  httpMethod: string;
  path: string;
  resource?: string;
  headers: LambdaHeaders | null;
  multiValueHeaders?: LambdaMultiValueHeaders | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  body: string | null;
  isBase64Encoded: boolean;
  requestContext: {
    httpMethod?: string;
    path?: string;
    stage?: string;
    requestId?: string;
    /** What the authorizer passed on: `claims` for Cognito user pools, any keys for a Lambda authorizer. */
    authorizer?: { claims?: Record<string, unknown>; [key: string]: unknown } | null;
    identity?: { sourceIp?: string; [key: string]: unknown };
    [key: string]: unknown;
  };
}

/**
 * An API Gateway HTTP API event (payload format 2.0). Header names are lower-case, repeated
 * headers are joined with commas, and cookies come apart in `cookies`.
 *
 * @example
 * ```ts
 * const event = request.raw as APIGatewayProxyEventV2;
 * const userId = event.requestContext.authorizer?.jwt?.claims.sub;
 * ```
 */
export interface APIGatewayProxyEventV2 {
  version: string;
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: LambdaHeaders;
  queryStringParameters?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
  requestContext: {
    http: { method: string; path: string; protocol?: string; sourceIp?: string; userAgent?: string };
    requestId?: string;
    stage?: string;
    /** `jwt` for a JWT authorizer, `lambda` for a Lambda authorizer, `iam` for IAM auth. */
    authorizer?: {
      jwt?: { claims: Record<string, unknown>; scopes: string[] | null };
      lambda?: Record<string, unknown> | null;
      iam?: Record<string, unknown>;
    };
    [key: string]: unknown;
  };
}

/**
 * A Lambda Function URL event: the same shape as an HTTP API's payload 2.0.
 *
 * @example
 * ```ts
 * const event = request.raw as LambdaFunctionURLEvent;
 * const caller = event.requestContext.http.sourceIp;
 * ```
 */
export type LambdaFunctionURLEvent = APIGatewayProxyEventV2;

/**
 * An Application Load Balancer event. When the target group has multi-value headers enabled,
 * the event carries `multiValueHeaders` (and `multiValueQueryStringParameters`) instead.
 *
 * @example
 * ```ts
 * const event = request.raw as ALBEvent;
 * const targetGroup = event.requestContext.elb.targetGroupArn;
 * ```
 */
export interface ALBEvent {
  requestContext: { elb: { targetGroupArn: string } };
  httpMethod: string;
  path: string;
  headers?: LambdaHeaders;
  multiValueHeaders?: LambdaMultiValueHeaders;
  queryStringParameters?: Record<string, string | undefined>;
  multiValueQueryStringParameters?: Record<string, string[] | undefined>;
  body: string | null;
  isBase64Encoded: boolean;
}

/**
 * Every event the adapter answers.
 *
 * @example
 * ```ts
 * const handle = (event: LambdaEvent) => handler(event);
 * ```
 */
export type LambdaEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent;

/**
 * The answer to a REST API (payload 1.0) event.
 *
 * @example
 * ```ts
 * const { statusCode, body }: APIGatewayProxyResult = await handler(restEvent);
 * ```
 */
export interface APIGatewayProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/**
 * The answer to an HTTP API (payload 2.0) or Function URL event.
 *
 * @example
 * ```ts
 * const { statusCode, body }: APIGatewayProxyResultV2 = await handler(httpApiEvent);
 * ```
 */
export interface APIGatewayProxyResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/**
 * The answer to an ALB event: `multiValueHeaders` instead of `headers` when the event had them,
 * because the load balancer then reads only those.
 *
 * @example
 * ```ts
 * const { statusDescription }: ALBResult = await handler(albEvent); // "200 OK"
 * ```
 */
export interface ALBResult {
  statusCode: number;
  statusDescription: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

/**
 * Any answer the adapter gives.
 *
 * @example
 * ```ts
 * const result: LambdaResult = await handler(event);
 * ```
 */
export type LambdaResult = APIGatewayProxyResult | APIGatewayProxyResultV2 | ALBResult;

/**
 * A Lambda handler for API Gateway (REST and HTTP APIs), Function URLs and ALB; the overloads
 * give each kind of event its own kind of result.
 *
 * @example
 * ```ts
 * export const handler: LambdaHandler = toLambdaHandler(presigner);
 * ```
 */
export interface LambdaHandler {
  (event: ALBEvent): Promise<ALBResult>;
  (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2>;
  (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult>;
  (event: LambdaEvent): Promise<LambdaResult>;
}

/** An S3 event notification, as Lambda receives it (the fields used here). */
export interface S3Event {
  Records: {
    eventName: string;
    eventSource?: string;
    awsRegion?: string;
    s3: {
      bucket: { name: string; arn?: string };
      /** URL-encoded, with `+` for spaces. */
      object: { key: string; size?: number; eTag?: string; sequencer?: string };
    };
  }[];
}
