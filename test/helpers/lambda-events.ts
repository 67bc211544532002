import { readFileSync } from 'node:fs';
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2 } from '../../src/adapters/aws-lambda/index.js';

/** The fixtures in `test/fixtures/events/`, one per way a request reaches a function. */
export const lambdaEventKinds = ['apigw-rest', 'apigw-http', 'function-url', 'alb', 'alb-multi-value'] as const;
export type LambdaEventFixture = (typeof lambdaEventKinds)[number];

/** The body every fixture carries (base64-encoded in `apigw-rest`, as with `binaryMediaTypes: ["*\/*"]`). */
export const SAMPLE_BODY = '{"fileName":"sample.jpg","contentType":"image/jpeg"}';

export interface LambdaEventInit {
  /** Default `POST`. */
  method?: string;
  /** Path with an optional query string. Default `/presign`. */
  path?: string;
  /** The client's headers; they replace the fixture's client headers. Default: the fixture's own. */
  headers?: Record<string, string>;
  /** `undefined` for none. Default {@link SAMPLE_BODY}. */
  body?: string;
  /** Send the body base64-encoded. Default: as the fixture does. */
  base64?: boolean;
}

// Read once per kind: the fuzz run builds 36,000 events, and each is parsed anew, never shared.
const fixtureTexts = new Map<LambdaEventFixture, string>();
function fixtureText(kind: LambdaEventFixture): string {
  let text = fixtureTexts.get(kind);
  if (text === undefined) {
    text = readFileSync(new URL(`../fixtures/events/${kind}.json`, import.meta.url), 'utf8');
    fixtureTexts.set(kind, text);
  }
  return text;
}

// What the client chose; everything else in a fixture (host, x-forwarded-*, trace id) is the gateway's.
const CLIENT_HEADERS = new Set(['accept', 'authorization', 'content-length', 'content-type', 'cookie', 'origin']);

/**
 * An event of `kind`, as AWS would deliver the request `init` describes: the fixture with method,
 * path, query, headers and body replaced in every place that payload format keeps them.
 */
export function lambdaEvent(kind: 'apigw-rest', init?: LambdaEventInit): APIGatewayProxyEvent;
export function lambdaEvent(kind: 'apigw-http' | 'function-url', init?: LambdaEventInit): APIGatewayProxyEventV2;
export function lambdaEvent(kind: 'alb' | 'alb-multi-value', init?: LambdaEventInit): ALBEvent;
export function lambdaEvent(
  kind: LambdaEventFixture,
  init?: LambdaEventInit,
): APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent;
export function lambdaEvent(kind: LambdaEventFixture, init: LambdaEventInit = {}) {
  const event = JSON.parse(fixtureText(kind));
  const method = init.method ?? 'POST';
  const [path = '/presign', query = ''] = (init.path ?? '/presign').split('?');
  const body = 'body' in init ? init.body : SAMPLE_BODY;
  const base64 = init.base64 ?? event.isBase64Encoded;
  const params = [...new URLSearchParams(query)];
  const single = params.length ? Object.fromEntries(params) : null;
  const multi = params.length ? groupValues(params) : null;

  const fixtureHeaders: Record<string, string> =
    event.headers ??
    Object.fromEntries(
      Object.entries(event.multiValueHeaders).map(([name, values]) => [name, (values as string[]).join(', ')]),
    );
  const headers: Record<string, string> = init.headers
    ? {
        ...Object.fromEntries(
          Object.entries(fixtureHeaders).filter(([name]) => !CLIENT_HEADERS.has(name.toLowerCase())),
        ),
        ...init.headers,
      }
    : { ...fixtureHeaders };
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-length') delete headers[name];
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  event.isBase64Encoded = body !== undefined && base64;
  const encoded = body !== undefined && base64 ? Buffer.from(body).toString('base64') : body;

  if (kind === 'apigw-rest') {
    Object.assign(event, {
      httpMethod: method,
      path,
      resource: path,
      body: encoded ?? null,
      queryStringParameters: single,
      multiValueQueryStringParameters: multi,
    });
    Object.assign(event.requestContext, {
      httpMethod: method,
      resourcePath: path,
      path: `/${event.requestContext.stage}${path}`,
    });
    event.headers = headers;
    event.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
  } else if (kind === 'apigw-http' || kind === 'function-url') {
    Object.assign(event, { rawPath: path, rawQueryString: query, body: encoded });
    if (encoded === undefined) delete event.body;
    if (single)
      event.queryStringParameters = Object.fromEntries(
        Object.entries(multi!).map(([name, values]) => [name, values.join(',')]),
      );
    if (kind === 'apigw-http') event.routeKey = event.requestContext.routeKey = `${method} ${path}`;
    Object.assign(event.requestContext.http, { method, path });
    // Payload 2.0 moves cookies out of the headers.
    const { cookie, ...rest } = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    event.headers = rest;
    if (cookie) event.cookies = cookie.split(/;\s*/);
  } else {
    // ALB sends an empty string, not null, when there is no body.
    Object.assign(event, { httpMethod: method, path, body: encoded ?? '' });
    if (kind === 'alb') {
      event.headers = headers;
      event.queryStringParameters = single ?? {};
    } else {
      event.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
      event.multiValueQueryStringParameters = multi ?? {};
    }
  }
  return event;
}

function groupValues(params: [string, string][]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of params) (grouped[name] ??= []).push(value);
  return grouped;
}
