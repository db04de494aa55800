import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiService } from '../api/service.js';
import { contentSecurityPolicy, type WireRequest, type WireMessage } from '../api/wire.js';
import { sendFile, staticFile } from './static-files.js';
import { newToken, tokensEqual } from './access-token.js';
import { hostAllowed, requestTarget } from './request-guard.js';

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
const NEEDS_TOKEN = 'MQTT TLS Studio: this address needs the token printed by `npm run serve`.\n';

/**
 * Browser mode: HTTP serves the built renderer and a WebSocket at /api carries the api. Binds
 * 127.0.0.1 only and answers only requests whose Host is `127.0.0.1:PORT` or `localhost:PORT` (no DNS
 * rebinding). The page (`/`, `/index.html`) needs the per-run token in its URL; the other files of the
 * built renderer are public code and need none. The api WebSocket needs the token (the page keeps the
 * one it was opened with in sessionStorage, which no other origin can read — no cookie, since cookies
 * are not scoped by port) and an Origin of this very server. No request, however malformed, stops it.
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
  const refuse = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers() });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.rawHeaders, port)) {
      refuse(
        res,
        421,
        `MQTT TLS Studio answers only at http://${HOST}:${port}/ and http://localhost:${port}/.\n`,
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(res, 405, 'method not allowed\n');
      return;
    }
    const target = requestTarget(req.url);
    if (!target) {
      refuse(res, 400, 'bad request\n');
      return;
    }
    const page = target.path === '/' || target.path === '/index.html';
    if (page && !tokensEqual(target.token, token)) {
      refuse(res, 403, NEEDS_TOKEN);
      return;
    }
    const file = staticFile(options.rendererDir, page ? '/index.html' : target.path);
    if (!file) {
      refuse(res, 404, 'not found\n');
      return;
    }
    sendFile(file, res, headers());
  };

  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) refuse(res, 400, 'bad request\n');
      else res.destroy();
    }
  });
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const target = requestTarget(req.url);
      const allowed =
        hostAllowed(req.rawHeaders, port) &&
        target?.path === '/api' &&
        allowedOrigins().has(req.headers.origin ?? '') &&
        tokensEqual(target.token, token);
      if (!allowed) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => attach(ws, options.service));
    } catch {
      socket.destroy();
    }
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
  // A bad frame (invalid UTF-8, an oversized message, a wrong opcode) closes this socket, nothing more.
  ws.on('error', () => ws.terminate());
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
    try {
      const response = await service.call(String(request.method), request.params);
      send({ id: request.id, ...response });
    } catch {
      ws.close(1011, 'internal error');
    }
  });
}
