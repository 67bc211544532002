import { describe, expect, it, vi } from 'vitest';
import {
  createHttpHandler,
  ERROR_STATUS,
  PresignError,
  type HandlerOptions,
  type HttpRequest,
} from '../../src/index.js';
import { testPresigner } from '../helpers/presign.js';

const MAX_SIZE = 1024;
const presigner = testPresigner<any>({ maxSize: MAX_SIZE });

function post(body: unknown, options: HandlerOptions<any> = {}, headers: Record<string, string> = {}) {
  return createHttpHandler(
    presigner,
    options,
  )({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const batch = (files: unknown) => ({ action: 'presignBatch', files });

// Each a presign body; together every way a single presign ends (its status and code).
const bodies: unknown[] = [
  { fileName: 'a.jpg', contentType: 'image/jpeg', size: 10 },
  { fileName: 'doc.pdf', contentType: 'application/pdf', size: 10 },
  { fileName: 'big.jpg', contentType: 'image/jpeg', size: MAX_SIZE + 1 },
  { fileName: 'page.html', contentType: 'image/jpeg', size: 10 },
  { fileName: 'nosize.png', contentType: 'image/png' },
  { fileName: '', contentType: 'image/png', size: 1 },
  null,
  'a.jpg',
  { fileName: 'b.png', contentType: 'image/png', size: 0 },
];

describe('createHttpHandler: presignBatch', () => {
  it('answers each file as its own presign would: same status and code, a URL only where a presign gives one', async () => {
    // Prepare
    const singles = await Promise.all(bodies.map((body) => post(body)));
    // Act
    const response = await post(batch(bodies));
    // Assess
    expect(response.status).toBe(200);
    const { results } = JSON.parse(response.body);
    expect(results).toHaveLength(bodies.length);
    results.forEach((item: any, index: number) => {
      const single = singles[index]!;
      const expected = JSON.parse(single.body);
      if (single.status === 200) {
        expect(item.error).toBeUndefined();
        expect(Object.keys(item).sort()).toEqual(Object.keys(expected).sort());
        expect(item.method).toBe(expected.method);
        expect(item.headers).toEqual(expected.headers);
      } else {
        expect(item).toEqual({ status: single.status, ...expected });
      }
    });
    expect(results.map((item: any) => item.status ?? 200)).toEqual([200, 415, 413, 400, 400, 400, 400, 400, 200]);
    expect(new Set(results.filter((item: any) => item.key).map((item: any) => item.key)).size).toBe(2);
  });

  it('refuses more than 100 files with TOO_MANY_FILES, and a batch without files as INVALID_REQUEST', async () => {
    // Act
    const tooMany = await post(batch(Array.from({ length: 101 }, () => bodies[0])));
    const atLimit = await post(batch(Array.from({ length: 100 }, () => bodies[0])), { maxBodySize: 1024 ** 2 });
    const answers = await Promise.all(
      [batch([]), batch('a.jpg'), { action: 'presignBatch' }].map((body) => post(body)),
    );
    // Assess
    expect(tooMany.status).toBe(ERROR_STATUS.TOO_MANY_FILES);
    expect(JSON.parse(tooMany.body).error).toEqual({
      code: 'TOO_MANY_FILES',
      message: 'A batch presigns at most 100 files; this one names 101: split it.',
    });
    expect(atLimit.status).toBe(200);
    expect(JSON.parse(atLimit.body).results).toHaveLength(100);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).error.code).toBe('INVALID_REQUEST');
    }
  });

  it('runs authorize for each file with the body a single presign would carry, and onPresign for each URL', async () => {
    // Prepare: a hook that judges the body, as an app may (this user may send PNGs only).
    const seen: unknown[] = [];
    const authorize = vi.fn((request: HttpRequest) => {
      const body = JSON.parse(request.body as string);
      seen.push(body);
      if (request.headers.authorization !== 'Bearer png-only') throw new Error('no token');
      if (body.contentType !== 'image/png') throw new PresignError('FORBIDDEN', 'PNG only for you.');
      return { userId: 'u1' };
    });
    const onPresign = vi.fn();
    const files = [
      { fileName: 'a.png', contentType: 'image/png', size: 1 },
      { fileName: 'b.jpg', contentType: 'image/jpeg', size: 1 },
    ];
    // Act
    const allowed = await post(batch(files), { authorize, onPresign }, { authorization: 'Bearer png-only' });
    const anonymous = await post(batch(files), { authorize, onPresign });
    // Assess
    const [png, jpeg] = JSON.parse(allowed.body).results;
    expect(png.key).toMatch(/-a\.png$/);
    expect(jpeg).toEqual({ status: 403, error: { code: 'FORBIDDEN', message: 'PNG only for you.' } });
    expect(seen).toEqual([...files, ...files]);
    expect(onPresign).toHaveBeenCalledTimes(1);
    expect(onPresign).toHaveBeenCalledWith(expect.objectContaining({ key: png.key }), { userId: 'u1' });
    expect(JSON.parse(anonymous.body).results.map((item: any) => item.error.code)).toEqual([
      'UNAUTHORIZED',
      'UNAUTHORIZED',
    ]);
  });

  it('gives a file whose presign failed unexpectedly the same opaque 500 a single presign gives, and reports it', async () => {
    // Prepare
    const onError = vi.fn();
    const onPresign = vi.fn((result: { key: string }) => {
      if (result.key.endsWith('b.jpg')) throw new Error('database down at db.internal:5432');
    });
    const files = ['a.jpg', 'b.jpg'].map((fileName) => ({ fileName, contentType: 'image/jpeg', size: 1 }));
    // Act
    const response = await post(batch(files), { onPresign, onError });
    // Assess
    const [ok, failed] = JSON.parse(response.body).results;
    expect(ok.uploadUrl).toMatch(/^https:\/\//);
    expect(failed).toEqual({
      status: 500,
      error: { code: 'INTERNAL_ERROR', message: 'The upload could not be prepared; the server log says why.' },
    });
    expect(response.body).not.toContain('db.internal');
    expect(onError).toHaveBeenCalledTimes(1);
  });
});
