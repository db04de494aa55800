import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientFailure,
  SessionManager,
  type MessageBatch,
  type SessionSnapshot,
} from '../../src-main/core/client/index.js';
import { freePort } from '../helpers/ports.js';

/**
 * The client against a real aedes broker with hooks that refuse things: MQTT 5 connects, a publish refused by authorizePublish (aedes disconnects), a refused subscription, a
 * SUBACK that never comes, a will, a session taken over, and a message flood (batched events).
 */
interface AedesLike {
  handle: (socket: Socket) => void;
  close: (cb?: () => void) => void;
  authorizePublish: (client: unknown, packet: { topic: string }, cb: (error?: Error | null) => void) => void;
  authorizeSubscribe: (
    client: unknown,
    sub: { topic: string },
    cb: (error: Error | null, sub: unknown) => void,
  ) => void;
}

let broker: AedesLike;
let server: Server;
let port = 0;
const sockets = new Set<Socket>();
const manager = new SessionManager({ timeouts: { operationMs: 1500, disconnectMs: 1000 } });

beforeAll(async () => {
  const { Aedes } = (await import('aedes')) as unknown as {
    Aedes: { createBroker: (o: object) => Promise<AedesLike> };
  };
  broker = await Aedes.createBroker({ drainTimeout: 2000 });
  broker.authorizePublish = (_client, packet, cb) =>
    cb(packet.topic.startsWith('forbidden/') ? new Error('not allowed') : null);
  broker.authorizeSubscribe = (_client, sub, cb) => {
    if (sub.topic === 'never/answer') return; // SUBACK never comes
    cb(null, sub.topic.startsWith('secret/') ? null : sub);
  };
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  await manager.closeAll();
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  await new Promise<void>((r) => broker.close(() => r()));
});

const profile = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  url: `mqtt://127.0.0.1:${port}`,
  clientId: name,
  connectTimeout: 5,
  ...extra,
});

function nextState(id: string, state: string, timeoutMs = 5000): Promise<SessionSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id} did not become ${state}`)), timeoutMs);
    const on = (s: SessionSnapshot) => {
      if (s.id !== id || s.state !== state) return;
      clearTimeout(timer);
      manager.off('state', on);
      resolve(s);
    };
    manager.on('state', on);
  });
}

describe('against aedes', () => {
  it('connects with MQTT 5 (aedes 2 speaks it)', async () => {
    const s = await manager.connect(profile('v5', { protocol: '5.0' }));
    expect(s.state).toBe('connected');
    await manager.remove(s.id);
  });

  it('a publish refused by the broker (aedes disconnects) is explained as a lost connection', async () => {
    const s = await manager.connect(profile('publisher'));
    const closed = nextState(s.id, 'disconnected');
    await manager.publish(s.id, { topic: 'forbidden/x', payload: 'x', qos: 1 }).catch(() => undefined);
    const snapshot = await closed;
    expect(snapshot.problem?.message).toMatch(/closed by the broker/);
    expect(snapshot.problem?.fix).toMatch(/ACL/);
    // it can connect again
    await manager.reconnect(s.id);
    await manager.remove(s.id);
  });

  it('reports a refused subscription per filter, and a SUBACK that never comes as a timeout', async () => {
    const s = await manager.connect(profile('subscriber'));
    const results = await manager.subscribe(s.id, [
      { filter: 'open/#', qos: 1 },
      { filter: 'secret/#', qos: 1 },
    ]);
    expect(results[0]).toMatchObject({ filter: 'open/#', granted: true, code: 1 });
    expect(results[1]).toMatchObject({ filter: 'secret/#', granted: false, code: 128 });
    expect(results[1]!.reason).toMatch(/refused this filter/);
    expect(
      manager
        .get(s.id)
        .snapshot()
        .subscriptions.map((x) => x.filter),
    ).toEqual(['open/#']);
    const error = await manager
      .subscribe(s.id, [{ filter: 'never/answer', qos: 0 }])
      .catch((e: unknown) => e);
    expect((error as ClientFailure).problem.code).toBe('TIMEOUT');
    expect((error as ClientFailure).message).toMatch(/subscribing to never\/answer/);
    await expect(manager.subscribe(s.id, [{ filter: 'a/#/b', qos: 0 }])).rejects.toThrow(
      /filters\[0\]\.filter/,
    );
    await expect(manager.subscribe(s.id, [{ filter: 'a', qos: 0, noLocal: true }])).rejects.toThrow(/MQTT 5/);
    await expect(
      manager.publish(s.id, { topic: 'a', payload: 'x', properties: { contentType: 't' } }),
    ).rejects.toThrow(/MQTT 5 properties/);
    await manager.remove(s.id);
  });

  it('publishes the last will when a client drops, and explains a session taken over', async () => {
    const watcher = await manager.connect(profile('watcher'));
    await manager.subscribe(watcher.id, [{ filter: 'status/#', qos: 1 }]);
    const willed = await manager.connect(
      profile('willed', { will: { topic: 'status/willed', payload: 'offline', qos: 1, retain: false } }),
    );
    const got = new Promise<MessageBatch>((resolve) =>
      manager.on('messages', (b) => b.sessionId === watcher.id && resolve(b)),
    );
    // A second connection with the same client id takes the session over; the broker drops the first.
    const dropped = nextState(willed.id, 'disconnected');
    const twin = await manager.connect(profile('willed-twin', { clientId: 'willed' }));
    const snapshot = await dropped;
    expect(snapshot.problem?.fix).toMatch(/same client id/);
    const batch = await got;
    expect(batch.messages[0]).toMatchObject({ topic: 'status/willed' });
    expect(batch.messages[0]!.payload.toString()).toBe('offline');
    await manager.remove(twin.id);
    await manager.remove(willed.id);
    await manager.remove(watcher.id);
  });

  it('renews subscriptions after a reconnect with a clean session', async () => {
    const s = await manager.connect(profile('renew'));
    await manager.subscribe(s.id, [{ filter: 'renew/#', qos: 0 }]);
    await manager.disconnect(s.id);
    await manager.reconnect(s.id);
    const other = await manager.connect(profile('renew-pub'));
    const got = new Promise<MessageBatch>((resolve) =>
      manager.on('messages', (b) => b.sessionId === s.id && resolve(b)),
    );
    // the renewal SUBSCRIBE is sent right after CONNACK; publish until it is in place
    const timer = setInterval(() => void manager.publish(other.id, { topic: 'renew/1', payload: 'x' }), 100);
    const batch = await got.finally(() => clearInterval(timer));
    expect(batch.messages[0]!.topic).toBe('renew/1');
    await manager.remove(s.id);
    await manager.remove(other.id);
  });

  it('batches a flood of messages into few events and keeps the log bounded', async () => {
    const sub = await manager.connect(profile('flood-sub', { logSize: 500 }));
    await manager.subscribe(sub.id, [{ filter: 'flood/#', qos: 0 }]);
    const pub = await manager.connect(profile('flood-pub'));
    let events = 0;
    let delivered = 0;
    let skipped = 0;
    const onBatch = (b: MessageBatch) => {
      if (b.sessionId !== sub.id) return;
      events++;
      delivered += b.messages.length;
      skipped += b.skipped;
    };
    manager.on('messages', onBatch);
    const total = 3000;
    for (let i = 0; i < total; i += 100) {
      const burst: Array<Promise<unknown>> = [];
      for (let j = i; j < i + 100; j++)
        burst.push(manager.publish(pub.id, { topic: `flood/${j % 10}`, payload: String(j) }));
      await Promise.all(burst);
    }
    const deadline = Date.now() + 10_000;
    while (manager.get(sub.id).log.received < total && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    manager.flush();
    manager.off('messages', onBatch);
    const log = manager.get(sub.id).log;
    expect(log.received).toBe(total);
    expect(log.size).toBe(500);
    expect(delivered + skipped).toBe(total);
    expect(events).toBeLessThan(total / 10);
    expect(log.query({ newestFirst: true, limit: 1 }).messages[0]!.payload.toString()).toBe(
      String(total - 1),
    );
    await manager.remove(sub.id);
    await manager.remove(pub.id);
  });
});
