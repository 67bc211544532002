import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHttpHandler, type HttpResponse, type VerifiedUpload } from '../../src/index.js';
import { jpegBytes, rgwPresigner } from '../helpers/s3.js';

// Profiles alike in every rule (bucket, prefix, types, size, secret) still differ in what their
// hooks do with an upload: here `avatar` makes the file the user's avatar, `attachment` attaches it
// to a message. What one profile issued (a receipt, a multipart token) must never open under the
// other, or a caller could run the other profile's hooks, or steps, on its upload.

const SECRET = 'profiles-rgw-receipt-secret-0123456789abcdef';
const prefix = `profiles-${randomUUID()}/`;

function endpoint() {
  const completed: Record<'avatar' | 'attachment', VerifiedUpload[]> = { avatar: [], attachment: [] };
  const profile = (name: keyof typeof completed) =>
    rgwPresigner({
      prefix,
      allowedTypes: ['image/*'],
      maxSize: 1024 * 1024,
      secret: SECRET,
      onUploadComplete: (upload) => void completed[name].push(upload),
    });
  const handle = createHttpHandler({ avatar: profile('avatar'), attachment: profile('attachment') });
  const send = async (body: object) =>
    parse(
      await handle({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    );
  return { send, completed };
}

function parse(response: HttpResponse) {
  return { status: response.status, json: JSON.parse(response.body) };
}

describe('profiles sharing every rule', () => {
  it("refuses one profile's receipt under another, and runs no hook of the other", async () => {
    const { send, completed } = endpoint();
    const body = jpegBytes();
    const presigned = await send({
      profile: 'avatar',
      fileName: 'me.jpg',
      contentType: 'image/jpeg',
      size: body.length,
    });
    const stored = await fetch(presigned.json.uploadUrl, { method: 'PUT', headers: presigned.json.headers, body });
    expect(stored.status).toBe(200);

    const crossed = await send({ action: 'verify', profile: 'attachment', receipt: presigned.json.receipt });

    expect(crossed).toMatchObject({ status: 403, json: { error: { code: 'INVALID_TOKEN' } } });
    expect(completed.attachment).toEqual([]);
    expect(await send({ action: 'verify', profile: 'avatar', receipt: presigned.json.receipt })).toMatchObject({
      status: 200,
      json: { key: presigned.json.key },
    });
    expect(completed.avatar).toHaveLength(1);
  });

  it("refuses one profile's multipart token under another, at every step", async () => {
    const { send } = endpoint();
    const body = jpegBytes(2048);
    const created = await send({
      action: 'createMultipart',
      profile: 'avatar',
      fileName: 'big.jpg',
      contentType: 'image/jpeg',
      size: body.length,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    const token = created.json.token as string;
    const steps = [
      { action: 'signParts', token, partNumbers: [1] },
      { action: 'listParts', token },
      { action: 'completeMultipart', token },
      { action: 'abortMultipart', token },
    ];

    for (const step of steps) {
      expect(await send({ ...step, profile: 'attachment' }), step.action).toMatchObject({
        status: 403,
        json: { error: { code: 'INVALID_TOKEN' } },
      });
    }
    expect(await send({ action: 'verify', profile: 'attachment', receipt: created.json.receipt })).toMatchObject({
      status: 403,
      json: { error: { code: 'INVALID_TOKEN' } },
    });
    // Under its own profile, every step still works.
    const signed = await send({ action: 'signParts', profile: 'avatar', token, partNumbers: [1] });
    const part = signed.json.parts[0];
    expect((await fetch(part.url, { method: 'PUT', headers: part.headers, body })).status).toBe(200);
    expect(await send({ action: 'completeMultipart', profile: 'avatar', token })).toMatchObject({
      status: 200,
      json: { key: created.json.key, size: body.length },
    });
  });
});
