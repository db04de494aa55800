import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { probe } from '../../src-main/core/inspect/probe.js';
import { PROBLEM_CODES } from '../../src-main/core/problems.js';

/** A ws:// server that accepts the upgrade, then announces a 2^40-byte frame and streams bytes for it. */
function hugeFrameServer(): Promise<{ server: Server; port: number; sent: () => number }> {
  let sent = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let request = '';
    socket.on('data', (d) => {
      if (request.includes('\r\n\r\n')) return;
      request += d.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      const key = /Sec-WebSocket-Key: (.*)\r\n/i.exec(request)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`,
      );
      const header = Buffer.from([0x82, 127, 0, 0, 0x01, 0, 0, 0, 0, 0]); // 2^40 bytes
      socket.write(header);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!socket.destroyed && sent < 200 * 1024 * 1024) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, sent: () => sent }),
    ),
  );
}

describe('the inspector bounds what a hostile server can make it hold', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('PEER_MISBEHAVING is a problem code (inspect --help lists PROBLEM_CODES)', () => {
    expect(PROBLEM_CODES).toContain('PEER_MISBEHAVING');
  });

  it('a WebSocket frame announcing 2^40 bytes: reported as misbehaving at once, nothing buffered', async () => {
    const { server, port, sent } = await hugeFrameServer();
    servers.push(server);
    const before = process.memoryUsage().rss;
    const report = await probe(`ws://127.0.0.1:${port}/mqtt`, { mqtt: true, timeoutMs: 10_000 });
    const grown = process.memoryUsage().rss - before;
    expect(report.problems.map((p) => p.code)).toContain('PEER_MISBEHAVING');
    expect(report.problems.find((p) => p.code === 'PEER_MISBEHAVING')!.message).toMatch(
      /1099511627776 bytes/,
    );
    expect(report.problems.map((p) => p.code)).not.toContain('TIMEOUT');
    // Stopped reading: far less than the 200 MiB the server would send, and the process did not grow by it.
    expect(sent()).toBeLessThan(100 * 1024 * 1024);
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  });
});
