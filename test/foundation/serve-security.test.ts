import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ApiService } from '../../src-main/api/service.js';
import { startServe, type RunningServe } from '../../src-main/serve/server.js';
import { tempDir } from '../helpers/tmp.js';
import { ROOT } from '../helpers/run.js';

function wsOutcome(url: string, origin?: string): Promise<'open' | number | string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, origin ? { origin } : {});
    const timer = setTimeout(() => resolve('timeout'), 5000);
    socket.on('open', () => {
      clearTimeout(timer);
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
  });
}

describe('browser mode security', () => {
  let service: ApiService;
  let serve: RunningServe;
  let base: string;
  let origin: string;

  beforeAll(async () => {
    service = new ApiService({ workspaceDir: join(tempDir(), 'ws'), surface: 'browser' });
    serve = await startServe({ service, rendererDir: join(ROOT, 'out/renderer') });
    base = `http://127.0.0.1:${serve.port}`;
    origin = base;
  });
  afterAll(async () => {
    await serve.close();
    await service.dispose();
  });

  it('binds 127.0.0.1 and prints a URL with a long random token', () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('refuses the page without the token or with a wrong one', async () => {
    expect((await fetch(`${base}/`)).status).toBe(403);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(403);
    expect((await fetch(`${base}/index.html`)).status).toBe(403);
  });

  it('serves the page with the token, with a strict CSP and an HttpOnly SameSite cookie', async () => {
    const res = await fetch(serve.url);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect(await res.text()).toContain('<div id="app">');
  });

  it('does not serve files outside the renderer folder', async () => {
    const res = await fetch(`${base}/..%2f..%2fpackage.json?token=${serve.token}`);
    expect(res.status).toBe(404);
  });

  it('the WebSocket refuses a wrong token', async () => {
    expect(await wsOutcome(`ws://127.0.0.1:${serve.port}/api?token=nope`, origin)).toBe(403);
    expect(await wsOutcome(`ws://127.0.0.1:${serve.port}/api`, origin)).toBe(403);
  });

  it('the WebSocket refuses a foreign Origin even with the right token', async () => {
    expect(
      await wsOutcome(`ws://127.0.0.1:${serve.port}/api?token=${serve.token}`, 'http://evil.example'),
    ).toBe(403);
    expect(await wsOutcome(`ws://127.0.0.1:${serve.port}/api?token=${serve.token}`)).toBe(403);
  });

  it('the WebSocket opens with the token and our own Origin', async () => {
    expect(await wsOutcome(`ws://127.0.0.1:${serve.port}/api?token=${serve.token}`, origin)).toBe('open');
  });
});
