import { STATUS_CODES } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  eventKind,
  getBody,
  getHeaders,
  getMethod,
  REASON_PHRASES,
  toLambdaResult,
} from '../../../src/adapters/aws-lambda/event.js';
import { ERROR_STATUS } from '../../../src/index.js';
import type { LambdaEvent } from '../../../src/adapters/aws-lambda/index.js';
import { lambdaEvent, SAMPLE_BODY } from '../../helpers/lambda-events.js';

const response = {
  status: 415,
  headers: { 'content-type': 'application/json; charset=utf-8', vary: 'Origin' },
  body: '{"error":{}}',
};

describe('eventKind', () => {
  it.each([
    ['apigw-rest', 'v1'],
    ['apigw-http', 'v2'],
    ['function-url', 'v2'],
    ['alb', 'alb'],
    ['alb-multi-value', 'alb'],
  ] as const)('tells %s apart as %s', (fixture, kind) => {
    expect(eventKind(lambdaEvent(fixture))).toBe(kind);
  });

  it('keeps a REST event that carries a rawPath as v1', () => {
    const event = { ...lambdaEvent('apigw-rest'), rawPath: '/presign' };
    expect(eventKind(event)).toBe('v1');
  });

  it('does not throw on an event without a requestContext', () => {
    expect(eventKind({} as LambdaEvent)).toBe('v1');
  });
});

describe('getMethod', () => {
  it.each(['apigw-rest', 'apigw-http', 'function-url', 'alb', 'alb-multi-value'] as const)(
    'reads the method of %s',
    (fixture) => {
      expect(getMethod(lambdaEvent(fixture, { method: 'PATCH' }))).toBe('PATCH');
    },
  );
});

describe('getHeaders', () => {
  it('lower-cases the names a REST API keeps as the client sent them', () => {
    const headers = getHeaders(lambdaEvent('apigw-rest'));
    expect(headers['content-type']).toBe('application/json');
    expect(headers.host).toBe('k3x9q2w7pa.execute-api.eu-central-1.amazonaws.com');
    expect(Object.keys(headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('joins repeated headers from multiValueHeaders, which REST APIs send beside headers', () => {
    const event = lambdaEvent('apigw-rest');
    event.headers = { ...event.headers, Accept: 'text/plain' };
    event.multiValueHeaders = { ...event.multiValueHeaders, Accept: ['application/json', 'text/plain'] };
    expect(getHeaders(event).accept).toBe('application/json, text/plain');
  });

  it('reads an ALB event that has only multiValueHeaders', () => {
    const event = lambdaEvent('alb-multi-value', {
      headers: { 'content-type': 'application/json', origin: 'https://app.example.com' },
    });
    event.multiValueHeaders!['X-Forwarded-For'] = ['203.0.113.1', '10.0.0.1'];
    const headers = getHeaders(event);
    expect(event.headers).toBeUndefined();
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      origin: 'https://app.example.com',
      'x-forwarded-for': '203.0.113.1, 10.0.0.1',
    });
  });

  it('reads a single-value ALB event', () => {
    expect(getHeaders(lambdaEvent('alb', { headers: { Origin: 'https://app.example.com' } })).origin).toBe(
      'https://app.example.com',
    );
  });

  it('gives payload 2.0 cookies back as the cookie header', () => {
    const event = lambdaEvent('apigw-http', { headers: { cookie: 'session=abc; theme=dark' } });
    expect(event.headers.cookie).toBeUndefined();
    expect(getHeaders(event).cookie).toBe('session=abc; theme=dark');
  });

  it('skips absent values', () => {
    const event = lambdaEvent('function-url', { headers: {} });
    event.headers['x-empty'] = undefined;
    expect('x-empty' in getHeaders(event)).toBe(false);
  });
});

describe('getBody', () => {
  it('decodes a base64-encoded body to bytes', () => {
    const event = lambdaEvent('apigw-rest');
    expect(event.isBase64Encoded).toBe(true);
    const body = getBody(event);
    expect(body).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(body as Uint8Array)).toBe(SAMPLE_BODY);
  });

  it.each(['apigw-http', 'function-url', 'alb', 'alb-multi-value'] as const)(
    'passes the text body of %s through',
    (fixture) => {
      expect(getBody(lambdaEvent(fixture))).toBe(SAMPLE_BODY);
    },
  );

  it.each(['apigw-rest', 'apigw-http'] as const)('gives undefined when %s has no body', (fixture) => {
    expect(getBody(lambdaEvent(fixture, { body: undefined }))).toBeUndefined();
  });
});

describe('toLambdaResult', () => {
  it.each(['apigw-rest', 'apigw-http', 'function-url'] as const)(
    'answers %s with statusCode, headers and a text body',
    (fixture) => {
      expect(toLambdaResult(lambdaEvent(fixture), response)).toEqual({
        statusCode: 415,
        headers: response.headers,
        body: response.body,
        isBase64Encoded: false,
      });
    },
  );

  it('adds the statusDescription an ALB needs', () => {
    expect(toLambdaResult(lambdaEvent('alb'), response)).toEqual({
      statusCode: 415,
      statusDescription: '415 Unsupported Media Type',
      headers: response.headers,
      body: response.body,
      isBase64Encoded: false,
    });
    expect(toLambdaResult(lambdaEvent('alb'), { ...response, status: 200 })).toMatchObject({
      statusDescription: '200 OK',
    });
  });

  it('knows the reason phrase of every status the handler answers with, as node:http names it', () => {
    for (const status of new Set([200, 204, ...Object.values(ERROR_STATUS)])) {
      expect(REASON_PHRASES[status], String(status)).toBe(STATUS_CODES[status]);
    }
  });

  it('answers with multiValueHeaders when the ALB request used them', () => {
    expect(toLambdaResult(lambdaEvent('alb-multi-value'), response)).toEqual({
      statusCode: 415,
      statusDescription: '415 Unsupported Media Type',
      multiValueHeaders: { 'content-type': ['application/json; charset=utf-8'], vary: ['Origin'] },
      body: response.body,
      isBase64Encoded: false,
    });
  });
});
