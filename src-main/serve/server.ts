import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiService } from '../api/service.js';
import { contentSecurityPolicy, type WireRequest, type WireMessage } from '../api/wire.js';
import { serveStatic } from './static-files.js';
import { TOKEN_COOKIE, newToken, tokenOf, tokensEqual } from './access-token.js';

export interface ServeOptions {
  service: ApiService;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
}

export interface RunningServe {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_MESSAGE = 64 * 1024 * 1024;

/**
 * Browser mode: HTTP serves the built renderer and a WebSocket at /api carries the api. Binds
 * 127.0.0.1 only; every request needs the per-run token (URL or cookie), and the WebSocket also
 * needs an Origin of this very server.
 */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const token = options.token ?? newToken();
  let port = 0;
  const allowedOrigins = () => new Set([`http://${HOST}:${port}`, `http://localhost:${port}`]);
  const headers = () => ({
    'Content-Security-Policy': contentSecurityPolicy([`ws://${HOST}:${port}`, `ws://localhost:${port}`]),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (!tokensEqual(tokenOf(url, req.headers.cookie), token)) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', ...headers() });
      res.end('MQTT TLS Studio: this address needs the token printed by `npm run serve`.\n');
      return;
    }
    const extra: Record<string, string> = {};
    if (url.searchParams.get('token')) {
      extra['Set-Cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    const path = url.pathname === '/' ? '/index.html' : url.pathname;
    if (!serveStatic(options.rendererDir, path, res, { ...headers(), ...extra })) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...headers() });
      res.end('not found\n');
    }
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE,
  });

  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const originOk = allowedOrigins().has(req.headers.origin ?? '');
    const tokenOk = tokensEqual(tokenOf(url, req.headers.cookie), token);
    if (url.pathname !== '/api' || !originOk || !tokenOk) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, options.service));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function attach(ws: WebSocket, service: ApiService): void {
  const send = (message: WireMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const unsubscribe = service.onEvent((event, data) => send({ event, data }));
  ws.on('close', unsubscribe);
  ws.on('message', async (raw) => {
    let request: WireRequest;
    try {
      request = JSON.parse(raw.toString()) as WireRequest;
      if (typeof request !== 'object' || request === null || typeof request.id !== 'number')
        throw new Error();
    } catch {
      ws.close(1003, 'bad message');
      return;
    }
    const response = await service.call(String(request.method), request.params);
    send({ id: request.id, ...response });
  });
}
