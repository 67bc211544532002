/**
 * AWS Lambda adapter for upload-presigner: one handler for API Gateway REST APIs (payload 1.0),
 * HTTP APIs and Function URLs (payload 2.0) and Application Load Balancers. Use
 * {@link toLambdaHandler} with a presigner of your own, or deploy {@link handler}, configured by
 * `PRESIGN_*` environment variables.
 *
 * @module
 */
export { presignerFromEnv, handler } from './env.js';
export { toLambdaHandler } from './handler.js';
export { toS3EventHandler } from './s3-event.js';
export type { S3EventOutcome } from './s3-event.js';
export type {
  ALBEvent,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyResultV2,
  LambdaEvent,
  LambdaFunctionURLEvent,
  LambdaHandler,
  LambdaHeaders,
  LambdaMultiValueHeaders,
  LambdaResult,
  S3Event,
} from './types.js';
