import { describe, expect, it } from 'vitest';
import { createHttpHandler, type HttpRequest } from '../../src/index.js';
import { testPresigner } from '../helpers/presign.js';

const bodies = [
  { fileName: 'a.jpg', contentType: 'image/jpeg' },
  { action: 'createMultipart', fileName: 'a.jpg', contentType: 'image/jpeg', size: 10 },
  { action: 'abortMultipart', token: 'x.y' },
  { action: 'verify', receipt: 'x.y' },
];

function handlerCounting() {
  const calls = { authorize: 0, onPresign: 0 };
  const handle = createHttpHandler(testPresigner(), {
    authorize: () => void calls.authorize++,
    onPresign: () => void calls.onPresign++,
  });
  return { calls, handle };
}

describe('createHttpHandler serves only bodies declared as JSON', () => {
  it.each([
    ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'],
    [
      'application/jsonp',
      'text/json',
      'application/x-json',
      'application/json-patch+json',
      'application/ld+json',
      'json',
      '',
    ],
  ])('answers %s (and the rest of its row) with 415 before authorize runs, for every action', async (...types) => {
    const { calls, handle } = handlerCounting();
    for (const type of [...types, undefined]) {
      for (const body of bodies) {
        const headers = type === undefined ? {} : { 'content-type': type };
        const response = await handle({ method: 'POST', headers, body: JSON.stringify(body) });
        expect([response.status, JSON.parse(response.body).error.code], `${type} ${body.action ?? 'presign'}`).toEqual([
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ]);
      }
    }
    expect(calls).toEqual({ authorize: 0, onPresign: 0 });
  });

  it('checks the header even when a framework parsed the body already (express.json() with a wide type)', async () => {
    const { calls, handle } = handlerCounting();
    const parsed: HttpRequest = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: bodies[0] };
    expect((await handle(parsed)).status).toBe(415);
    expect(calls.authorize).toBe(0);
  });

  it.each([
    'application/json',
    'APPLICATION/JSON',
    'application/json; charset=utf-8',
    ' Application/Json ;charset="UTF-8"',
  ])('presigns a body declared %j', async (type) => {
    const { calls, handle } = handlerCounting();
    const response = await handle({
      method: 'POST',
      headers: { 'content-type': type },
      body: JSON.stringify(bodies[0]),
    });
    expect(response.status).toBe(200);
    expect(calls).toEqual({ authorize: 1, onPresign: 1 });
  });

  it('says what to send, without echoing the header', async () => {
    const { handle } = handlerCounting();
    const response = await handle({ method: 'POST', headers: { 'content-type': 'text/plain; <script>' }, body: '{}' });
    const { error } = JSON.parse(response.body);
    expect(error.message).toMatch(/content-type: application\/json/);
    expect(response.body).not.toContain('<script>');
  });

  it('keeps answering preflights and refusing other methods first', async () => {
    const { handle } = handlerCounting();
    const options = await handle({ method: 'OPTIONS', headers: {} });
    const get = await handle({ method: 'GET', headers: {} });
    expect([options.status, get.status]).toEqual([204, 405]);
  });
});
