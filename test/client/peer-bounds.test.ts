/**
 * What a hostile broker can make our MQTT connections hold: raw socket servers that speak just enough
 * MQTT to get a CONNECT accepted, then announce huge packets, send huge WebSocket messages or flood
 * retained messages. Each bound must stop them at once, explained as PEER_MISBEHAVING — the client
 * session and a bridge's remote link alike (they share the transport).
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { ClientFailure, SessionManager } from '../../src-main/core/client/index.js';
import { MAX_INCOMING_PACKET_BYTES } from '../../src-main/core/client/peer-limits.js';
import { MessageLog } from '../../src-main/core/client/message-log.js';
import { openLink } from '../../src-main/core/broker/bridge/remote-link.js';
import { resolveBridge } from '../../src-main/core/broker/bridge/bridge-settings.js';
import { BridgeRunner } from '../../src-main/core/broker/bridge/bridge-runner.js';
import type { LocalSide } from '../../src-main/core/broker/bridge/local-side.js';
import { parseMosquittoConf } from '../../src-main/core/conf/parse.js';
import type { ClientProblem } from '../../src-main/core/client/connection-problem.js';
import { freePort } from '../helpers/ports.js';
import { BENCH_MAX_PACKET_BYTES, runBench } from '../../src-main/core/bench/bench-run.js';

const servers: Array<{ close: (cb: () => void) => void }> = [];
const sockets = new Set<{ destroy: () => void }>();
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

interface Peer {
  port: number;
  /** The CONNECT packets the server received. */
  connects: Array<Record<string, unknown>>;
  closed: Promise<void>;
}

/** Header of a PUBLISH (QoS 0) whose Remaining Length announces `remaining` bytes. */
function publishHeader(remaining: number): Buffer {
  const bytes = [0x30];
  let n = remaining;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** A whole PUBLISH (QoS 0) of `total` bytes on topic `t`. */
function publishOf(topic: string, payloadBytes: number, retain = false): Buffer {
  return mqttPacket.generate({
    cmd: 'publish',
    topic,
    payload: Buffer.alloc(payloadBytes, 0x61),
    qos: 0,
    retain,
    dup: false,
  });
}

/**
 * A TCP server that accepts CONNECT (CONNACK 0, in the client's protocol version), then runs `after`
 * with a writer that respects backpressure and reports false once the client closed.
 */
async function rawBroker(
  after: (write: (data: Buffer) => Promise<boolean>, socket: Socket) => Promise<void>,
): Promise<Peer> {
  const port = await freePort();
  const peer: Peer = { port, connects: [], closed: Promise.resolve() };
  let markClosed!: () => void;
  peer.closed = new Promise((r) => (markClosed = r));
  const server: Server = createServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let open = true;
    socket.on('close', () => {
      open = false;
      markClosed();
    });
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const write = async (data: Buffer): Promise<boolean> => {
      if (!open || socket.destroyed) return false;
      const ok = socket.write(data);
      if (!ok) {
        await new Promise<void>((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
      }
      return open && !socket.destroyed;
    };
    parser.on('packet', (packet) => {
      if (packet.cmd !== 'connect') return;
      peer.connects.push(packet as unknown as Record<string, unknown>);
      const v5 = packet.protocolVersion === 5;
      socket.write(
        mqttPacket.generate(
          { cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false },
          {
            protocolVersion: v5 ? 5 : 4,
          },
        ),
      );
      void after(write, socket);
    });
    socket.on('data', (d) => parser.parse(d));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return peer;
}

/**
 * Announce a packet of `remaining` bytes and send its first KiB, then wait: a client that waits for the
 * rest (buffering it as it comes) keeps the connection open; a bounded one closes on the header.
 */
const announce = (remaining: number) => async (write: (d: Buffer) => Promise<boolean>) => {
  await write(Buffer.concat([publishHeader(remaining), Buffer.alloc(1024, 0x61)]));
};

async function problemOf(manager: SessionManager, id: string, withinMs: number): Promise<ClientProblem> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const snapshot = manager.get(id).snapshot();
    if (snapshot.problem && snapshot.state !== 'connected') return snapshot.problem;
    if (Date.now() > deadline)
      throw new Error(`no problem within ${withinMs} ms: ${JSON.stringify(snapshot)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a broker announcing a huge MQTT packet', () => {
  it.each(['3.1.1', '5.0'] as const)(
    'MQTT %s: the session closes on the fixed header (PEER_MISBEHAVING) instead of waiting for 256 MiB',
    async (protocol) => {
      const manager = new SessionManager();
      // 2^28 - 1: the largest Remaining Length MQTT can express (256 MiB).
      const peer = await rawBroker(announce(268_435_455));
      try {
        const session = await manager.connect({
          name: 'hostile',
          url: `mqtt://127.0.0.1:${peer.port}`,
          protocol,
          clientId: 'victim',
        });
        expect(session.state).toBe('connected');
        const problem = await problemOf(manager, session.id, 3000);
        expect(problem.code).toBe('PEER_MISBEHAVING');
        expect(problem.message).toContain('announced a 256 MiB MQTT packet (268435460 bytes)');
        expect(problem.message).toContain('more than the 16 MiB this connection accepts');
        await peer.closed;
        // MQTT 5: the bound is announced in CONNECT, so a compliant broker skips larger messages instead.
        const properties = peer.connects[0]!.properties as { maximumPacketSize?: number } | undefined;
        if (protocol === '5.0') expect(properties?.maximumPacketSize).toBe(MAX_INCOMING_PACKET_BYTES);
        else expect(properties).toBeUndefined();
        // Not worth retrying: no reconnect storm against a misbehaving peer.
        expect(manager.get(session.id).snapshot().state).not.toBe('reconnecting');
      } finally {
        await manager.closeAll();
      }
    },
  );

  it('a packet exactly at the bound is delivered; one byte more closes the connection', async () => {
    const limit = 64 * 1024;
    const manager = new SessionManager({ limits: { maxPacketBytes: limit } });
    // PUBLISH QoS 0 on "big": type byte, 3 length bytes, 2 + 3 topic bytes, then the payload.
    const exact = publishOf('big', limit - 9);
    expect(exact.length).toBe(limit);
    const peer = await rawBroker(async (write) => {
      await write(exact);
      await new Promise((r) => setTimeout(r, 200));
      await write(publishOf('big', limit - 8));
    });
    try {
      const session = await manager.connect({
        name: 'edge',
        url: `mqtt://127.0.0.1:${peer.port}`,
        clientId: 'edge',
      });
      const problem = await problemOf(manager, session.id, 5000);
      expect(problem.code).toBe('PEER_MISBEHAVING');
      expect(problem.message).toContain(`(${limit + 1} bytes), more than the 64 KiB this connection accepts`);
      const page = manager.messages(session.id, {});
      expect(page.messages.map((m) => [m.topic, m.payload.length])).toEqual([['big', limit - 9]]);
    } finally {
      await manager.closeAll();
    }
  });
});

describe('a WebSocket broker sending one huge message', () => {
  it('is stopped at the bound (ws close 1009), PEER_MISBEHAVING', async () => {
    const limit = 64 * 1024;
    const port = await freePort();
    let sentAfterConnack = 0;
    const wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: () => 'mqtt' });
    servers.push(wss);
    wss.on('connection', (ws) => {
      sockets.add({ destroy: () => ws.terminate() });
      ws.on('error', () => undefined);
      const stream = createWebSocketStream(ws);
      stream.on('error', () => undefined);
      const parser = mqttPacket.parser();
      parser.on('packet', (packet) => {
        if (packet.cmd !== 'connect') return;
        ws.send(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
        // One WebSocket message of 4 MiB (a whole, valid MQTT packet of it).
        const big = publishOf('huge', 4 * 1024 * 1024);
        sentAfterConnack = big.length;
        ws.send(big);
      });
      ws.on('message', (data) => parser.parse(data as Buffer));
    });
    await once(wss, 'listening');
    const manager = new SessionManager({ limits: { maxPacketBytes: limit } });
    try {
      const session = await manager.connect({
        name: 'ws',
        url: `ws://127.0.0.1:${port}/mqtt`,
        clientId: 'ws',
      });
      const problem = await problemOf(manager, session.id, 5000);
      expect(problem.code).toBe('PEER_MISBEHAVING');
      expect(problem.message).toContain('WebSocket message larger than this connection accepts');
      expect(manager.messages(session.id, {}).messages).toEqual([]);
      expect(sentAfterConnack).toBeGreaterThan(limit);
    } finally {
      await manager.closeAll();
    }
  });
});

describe('a broker flooding retained messages', () => {
  it('the message log keeps at most its byte bound (oldest dropped), however many arrive', async () => {
    const logBytes = 1024 * 1024;
    const manager = new SessionManager({ limits: { logBytes } });
    const payload = 100 * 1024;
    const peer = await rawBroker(async (write) => {
      for (let i = 0; i < 40; i++)
        await write(publishOf(`flood/${String(i).padStart(2, '0')}`, payload, true));
    });
    try {
      const session = await manager.connect({
        name: 'flood',
        url: `mqtt://127.0.0.1:${peer.port}`,
        clientId: 'flood',
      });
      const deadline = Date.now() + 5000;
      while (manager.messages(session.id, {}).received < 40 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const page = manager.messages(session.id, { limit: 1000 });
      expect(page.received).toBe(40);
      // 10 messages of 100 KiB + an 8-byte topic fit in 1 MiB, 11 do not.
      expect(page.size).toBe(10);
      expect(page.dropped).toBe(30);
      expect(page.messages.map((m) => m.topic)).toEqual(
        Array.from({ length: 10 }, (_, i) => `flood/${30 + i}`),
      );
      const held = page.messages.reduce((n, m) => n + m.payload.length + m.topic.length, 0);
      expect(held).toBeLessThanOrEqual(logBytes);
    } finally {
      await manager.closeAll();
    }
  });

  it('MessageLog: the byte bound drops the oldest, keeps the newest even when it alone is larger', () => {
    const log = new MessageLog(100, 1000);
    const push = (topic: string, size: number) =>
      log.push({ time: 0, topic, payload: Buffer.alloc(size), qos: 0, retain: false, dup: false });
    for (let i = 0; i < 5; i++) push('t', 299);
    expect([log.size, log.bytes, log.dropped]).toEqual([3, 900, 2]);
    push('t', 5000);
    expect([log.size, log.bytes, log.dropped]).toEqual([1, 5001, 5]);
    push('t', 99);
    expect([log.size, log.bytes, log.dropped]).toEqual([1, 100, 6]);
    log.resize(2);
    expect(log.bytes).toBe(100);
    log.clear();
    expect(log.bytes).toBe(0);
  });
});

describe("a bridge's remote link", () => {
  it('closes on a remote announcing a huge packet (PEER_MISBEHAVING) instead of waiting for it', async () => {
    const peer = await rawBroker(announce(268_435_455));
    const conf = parseMosquittoConf(
      [
        'listener 1883',
        `connection hostile`,
        `address 127.0.0.1:${peer.port}`,
        'topic # in 0',
        'try_private false',
        '',
      ].join('\n'),
    );
    const bridge = resolveBridge(conf, 0, '/tmp');
    let closed!: (problem: ClientProblem | undefined) => void;
    const problem = new Promise<ClientProblem | undefined>((r) => (closed = r));
    const link = await openLink({
      bridge,
      address: bridge.addresses[0]!,
      tryPrivate: false,
      connectTimeoutMs: 5000,
      events: { message: () => undefined, closed: (p) => closed(p) },
    });
    try {
      const got = await Promise.race([
        problem,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('link stayed open')), 5000)),
      ]);
      expect(got?.code).toBe('PEER_MISBEHAVING');
      await peer.closed;
    } finally {
      await link.close(true);
    }
  });
});

describe('a remote flooding a bridge whose local broker cannot keep up', () => {
  it('the bridge stops reading at 1,000 messages in flight: the remote is slowed by TCP, not buffered', async () => {
    const total = 200_000;
    let sent = 0;
    let blocked = false;
    const peer = await rawBroker(async (_write, socket) => {
      const message = publishOf('flood/x', 1000);
      for (; sent < total && !socket.destroyed; sent++) {
        if (socket.write(message)) continue;
        // The socket is full: the client stopped reading, or reads slowly. Full for 1.5 s: stopped.
        const drained = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 1500);
          socket.once('drain', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (!drained) {
          blocked = true;
          return;
        }
      }
    });
    const conf = parseMosquittoConf(
      [
        'listener 1883',
        'connection flood',
        `address 127.0.0.1:${peer.port}`,
        'topic # in 0',
        'try_private false',
        '',
      ].join('\n'),
    );
    // A stalled local broker: no publish ever completes.
    let published = 0;
    const local: LocalSide = {
      subscribe: () => () => undefined,
      publish: (message) => {
        if (message.topic === 'flood/x') published++;
        return new Promise<void>(() => undefined);
      },
      retained: async () => [],
    };
    const runner = new BridgeRunner(
      resolveBridge(conf, 0, '/tmp'),
      undefined,
      local,
      () => undefined,
      () => undefined,
    );
    runner.start();
    try {
      const deadline = Date.now() + 10_000;
      while (!blocked && sent < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(blocked).toBe(true);
      expect(sent).toBeLessThan(total);
      expect(published).toBe(1001);
      expect(runner.inboundBacklog).toEqual({ messages: 1001, bytes: 1001 * 1000 });
    } finally {
      await runner.stop();
    }
  });
});

describe('a broker that accepts and drops every connection', () => {
  it('a reconnecting session tries at most once per reconnect period', async () => {
    let connections = 0;
    const port = await freePort();
    const server = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.end(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const manager = new SessionManager();
    try {
      await manager
        .connect({ name: 'storm', url: `mqtt://127.0.0.1:${port}`, clientId: 'storm', reconnectPeriod: 1 })
        .catch((error) => {
          if (!(error instanceof ClientFailure)) throw error;
        });
      await new Promise((r) => setTimeout(r, 3500));
      // The first connection plus at most one attempt per second.
      expect(connections).toBeGreaterThanOrEqual(1);
      expect(connections).toBeLessThanOrEqual(5);
    } finally {
      await manager.closeAll();
    }
  });
});

describe('the bench fleet against a broker announcing a huge packet', () => {
  it('each bench client closes on the header (PEER_MISBEHAVING) and tells MQTT 5 brokers its bound', async () => {
    const peer = await rawBroker(announce(200 * 1024 * 1024));
    const report = await runBench({
      url: `mqtt://127.0.0.1:${peer.port}`,
      protocol: 5,
      clients: 2,
      connectRate: 100,
      publishRate: 0,
      qos: 0,
      duration: 1,
      payloadBytes: 64,
      topic: 'bench/{i}',
      identities: [],
      clientIdPrefix: 'bench',
      connectTimeoutMs: 20_000,
    });
    expect(report.failed).toBe(2);
    expect(report.failures).toEqual([
      {
        reason: expect.stringMatching(/^PEER_MISBEHAVING: the broker announced a 200 MiB MQTT packet/),
        count: 2,
      },
    ]);
    expect(peer.connects[0]).toMatchObject({ properties: { maximumPacketSize: BENCH_MAX_PACKET_BYTES } });
  });
});
