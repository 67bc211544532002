import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirOf, demoScriptCommand, killIfRunning, signalGroup, startDemo, type Demo } from '../helpers/demo.js';
import { jpegBytes } from '../helpers/s3.js';
import { RUNTIMES, runtimeBinary, INSTALL_MS } from '../runtimes/runtimes.js';

const started: Demo[] = [];

afterAll(() => started.forEach(killIfRunning));

describe('npm run demo', () => {
  let demo: Demo;
  const ask = (body: object) =>
    fetch(`${demo.origin}/api/presign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('prints the upload page URL and serves the page with the client bundled from src', async () => {
    // Act
    demo = await startDemo('npm', ['run', 'demo']);
    started.push(demo);
    const page = await fetch(`${demo.origin}/`);
    const script = await fetch(`${demo.origin}/page.js`);
    // Assess
    expect(demo.output()).toMatch(/storage: +embedded s3rver at http:\/\/127\.0\.0\.1:\d+/);
    expect(demo.output()).toContain('not the conditions of a POST policy');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<input id="file" type="file"');
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('/api/presign');
  }, 60_000);

  it('presigns an upload that the embedded storage accepts, then shows it back through /api/view', async () => {
    // Prepare
    const bytes = jpegBytes(2048);
    // Act
    const presign = await ask({ fileName: 'demo.jpg', contentType: 'image/jpeg', size: bytes.length });
    const presigned = (await presign.json()) as {
      method: string;
      uploadUrl: string;
      key: string;
      headers: Record<string, string>;
    };
    const { 'content-length': _length, ...headers } = presigned.headers;
    const put = await fetch(presigned.uploadUrl, { method: 'PUT', headers, body: bytes });
    const view = await fetch(`${demo.origin}/api/view?key=${encodeURIComponent(presigned.key)}`);
    // Assess
    expect(presign.status).toBe(200);
    expect(presigned.method).toBe('PUT');
    expect(put.status).toBe(200);
    expect(view.status).toBe(200);
    expect(view.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await view.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses a wrong type and an oversize file; the embedded storage refuses bytes that differ from the signed size', async () => {
    // Act
    const wrongType = await ask({ fileName: 'a.html', contentType: 'text/html', size: 10 });
    const tooLarge = await ask({ fileName: 'a.jpg', contentType: 'image/jpeg', size: 6 * 1024 * 1024 });
    const small = (await (await ask({ fileName: 'a.jpg', contentType: 'image/jpeg', size: 5 })).json()) as {
      uploadUrl: string;
      headers: Record<string, string>;
    };
    // Every signed header but the length, which fetch sets from the body: only the size differs.
    const { 'content-length': _, ...sameHeaders } = small.headers;
    const longer = await fetch(small.uploadUrl, { method: 'PUT', headers: sameHeaders, body: 'hello, world' });
    // Assess
    expect(wrongType.status).toBe(415);
    expect(tooLarge.status).toBe(413);
    expect(longer.status).toBe(403);
    // Through start, uploads and refusals, nothing on stderr: no deprecation or engine warning.
    expect(demo.stderr()).toBe('');
  });

  it('stops everything on Ctrl-C (SIGINT to the process group) and deletes its data', async () => {
    // Prepare
    const dataDir = dataDirOf(demo);
    expect(existsSync(dataDir)).toBe(true);
    // Act
    signalGroup(demo, 'SIGINT');
    await demo.exit;
    // Assess: npm itself reports the interrupt as a signal, whatever the script does; the exit code
    // of the script alone is checked below.
    expect(demo.output()).toContain('SIGINT: stopping…\nStopped.');
    expect(existsSync(dataDir)).toBe(false);
    await expect(fetch(`${demo.origin}/`)).rejects.toThrow();
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'exits 0 on %s when run as the demo script itself',
    async (signal) => {
      // Prepare: the exact command of the package.json "demo" script, without npm around it.
      const script = await startDemo(...demoScriptCommand());
      started.push(script);
      const dataDir = dataDirOf(script);
      // Act
      signalGroup(script, signal);
      const { code } = await script.exit;
      // Assess
      expect(code).toBe(0);
      expect(existsSync(dataDir)).toBe(false);
      expect(script.stderr()).toBe('');
    },
    60_000,
  );

  it.each(RUNTIMES.filter(({ name }) => name === 'Node 22' || name === 'Node 24'))(
    'on $name too, serves its page and stops on Ctrl-C with nothing on stderr (no deprecation or engine warning)',
    async (runtime) => {
      // Prepare: the demo script's command, with that Node (from the npm registry, as scripts/test-nodes.sh has it).
      const [, args] = demoScriptCommand();
      const script = await startDemo(runtimeBinary(runtime), args);
      started.push(script);
      // Act
      const page = await fetch(`${script.origin}/`);
      signalGroup(script, 'SIGINT');
      const { code } = await script.exit;
      // Assess
      expect(page.status).toBe(200);
      expect(code).toBe(0);
      expect(script.stderr()).toBe('');
    },
    INSTALL_MS + 60_000,
  );
});
