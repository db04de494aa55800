import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ApiService } from '../../src-main/api/service.js';
import { startServe, type RunningServe } from '../../src-main/serve/server.js';
import { tempDir } from '../helpers/tmp.js';
import { ROOT } from '../helpers/run.js';
import { listeningAddresses } from '../helpers/listening.js';

function wsOutcome(
  url: string,
  origin?: string,
  headers: Record<string, string> = {},
): Promise<'open' | number | string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { ...(origin ? { origin } : {}), headers });
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

/** GET with headers fetch() will not send (Host, Cookie); status and headers of the answer. */
function get(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers, setHost: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
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

  it('listens on 127.0.0.1 only (the kernel says so) and prints that address', async () => {
    expect(listeningAddresses(serve.port)).toEqual(['127.0.0.1']);
    expect(serve.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${serve.port}/\\?token=[\\w-]{32}$`));
    // Another loopback address on the same port is not served (a 0.0.0.0 bind would accept it).
    expect(await connects('127.0.0.2', serve.port)).toBe(false);
  });

  it('two runs get different, unguessable tokens (192 random bits each)', async () => {
    const other = await startServe({ service, rendererDir: join(ROOT, 'out/renderer') });
    const third = await startServe({ service, rendererDir: join(ROOT, 'out/renderer') });
    try {
      const tokens = [serve.token, other.token, third.token];
      for (const token of tokens) {
        expect(token).toMatch(/^[\w-]{32}$/);
        expect(Buffer.from(token, 'base64url')).toHaveLength(24);
        expect(other.url).not.toContain(serve.token);
      }
      expect(new Set(tokens).size).toBe(3);
      // Not a counter or a timestamp: the tokens share no long common prefix.
      expect(tokens[0].slice(0, 6)).not.toBe(tokens[1].slice(0, 6));
      expect(tokens[1].slice(0, 6)).not.toBe(tokens[2].slice(0, 6));
    } finally {
      await other.close();
      await third.close();
    }
  });

  it('refuses the page without the token or with a wrong one', async () => {
    expect((await fetch(`${base}/`)).status).toBe(403);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(403);
    expect((await fetch(`${base}/index.html`)).status).toBe(403);
    expect((await fetch(`${base}/index.html?token=${serve.token}x`)).status).toBe(403);
  });

  it('serves the page with the token, with a strict CSP and no cookie at all', async () => {
    const res = await fetch(serve.url);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('<div id="app">');
    expect(html).not.toContain(serve.token);
  });

  it('a token cookie opens nothing: neither the page nor the WebSocket', async () => {
    const host = `127.0.0.1:${serve.port}`;
    expect((await get(serve.port, '/', { Host: host, Cookie: `mts_token=${serve.token}` })).status).toBe(403);
    expect(await wsOutcome(`ws://${host}/api`, origin, { Cookie: `mts_token=${serve.token}` })).toBe(403);
  });

  it('the built renderer files are public code: served without the token, holding no token', async () => {
    const html = await (await fetch(serve.url)).text();
    const assets = [...html.matchAll(/(?:src|href)="\.?(\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(1);
    for (const asset of assets) {
      const res = await fetch(`${base}${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.text()).not.toContain(serve.token);
    }
  });

  it('answers only the Host names 127.0.0.1:PORT and localhost:PORT (no DNS rebinding)', async () => {
    const path = `/?token=${serve.token}`;
    expect((await get(serve.port, path, { Host: `127.0.0.1:${serve.port}` })).status).toBe(200);
    expect((await get(serve.port, path, { Host: `localhost:${serve.port}` })).status).toBe(200);
    for (const host of [
      `evil.example:${serve.port}`,
      'evil.example',
      '127.0.0.1',
      `127.0.0.1:${serve.port + 1}`,
      `localhost.evil.example:${serve.port}`,
      `127.0.0.1:${serve.port}.evil.example`,
      `[::1]:${serve.port}`,
    ]) {
      const res = await get(serve.port, path, { Host: host });
      expect(res.status, host).toBe(421);
      expect(res.body, host).not.toContain('<div id="app">');
      // The renderer's files too.
      expect((await get(serve.port, '/favicon.svg', { Host: host })).status, host).toBe(421);
      // The api: right token, right Origin, wrong Host.
      expect(
        await wsOutcome(`ws://127.0.0.1:${serve.port}/api?token=${serve.token}`, origin, { Host: host }),
        host,
      ).toBe(403);
    }
  });

  it('does not serve files outside the renderer folder', async () => {
    const res = await fetch(`${base}/..%2f..%2fpackage.json?token=${serve.token}`);
    expect(res.status).toBe(404);
    expect((await fetch(`${base}/assets/..%2f..%2f..%2fpackage.json`)).status).toBe(404);
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
    expect(
      await wsOutcome(
        `ws://localhost:${serve.port}/api?token=${serve.token}`,
        `http://localhost:${serve.port}`,
      ),
    ).toBe('open');
  });
});
