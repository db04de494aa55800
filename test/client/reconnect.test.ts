import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { ApiEvents } from '../../src-main/api/contract/index.js';
import { startBroker, type RunningBroker } from '../../src-main/core/broker/index.js';
import { validateProfile, type SessionSnapshot } from '../../src-main/core/client/index.js';
import { parseMosquittoConf } from '../../src-main/core/conf/parse.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Automatic reconnect (profile field reconnectPeriod) through the api against our own broker: the
 * broker stops → 'reconnecting' with attempts counted; it starts again on the same port → 'connected'
 * with the subscription renewed (a message published to it arrives); a refused CONNECT — at first or
 * when the broker comes back refusing — never retries; the user's disconnect stops the retries.
 */
let service: ApiService;
let dir: string;
const brokers: RunningBroker[] = [];
const states: SessionSnapshot[] = [];

beforeAll(() => {
  dir = tempDir('mts-client-reconnect-');
  service = new ApiService({ workspaceDir: join(dir, 'ws'), surface: 'cli' });
  service.onEvent((topic, data) => {
    if (topic === 'client.state') states.push(data as SessionSnapshot);
  });
});

afterAll(async () => {
  await service?.dispose();
  for (const b of brokers) await b.stop();
});

async function ourBroker(port: number, anonymous = true): Promise<RunningBroker> {
  const conf = `listener ${port} 127.0.0.1\nallow_anonymous ${anonymous}\n`;
  const broker = await startBroker(parseMosquittoConf(conf, join(dir, 'mosquitto.conf')), {
    baseDir: dir,
    watchFiles: false,
  });
  brokers.push(broker);
  return broker;
}

/** The next state event of a connection that matches, within a deadline. */
function stateWhere(
  id: string,
  match: (s: SessionSnapshot) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<SessionSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${id} did not become ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = service.onEvent((topic, data) => {
      const s = data as SessionSnapshot;
      if (topic !== 'client.state' || s.id !== id || !match(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

function messageEvent(id: string, timeoutMs = 5000): Promise<ApiEvents['client.messages']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no messages for ${id} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = service.onEvent((topic, data) => {
      const batch = data as ApiEvents['client.messages'];
      if (topic === 'client.messages' && batch.id === id) {
        clearTimeout(timer);
        off();
        resolve(batch);
      }
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const profile = (name: string, port: number, reconnectPeriod: number) => ({
  name,
  url: `mqtt://127.0.0.1:${port}`,
  clientId: name,
  connectTimeout: 3,
  reconnectPeriod,
});

async function connect(p: Record<string, unknown>): Promise<SessionSnapshot> {
  return (await service.invoke('client.connect', { profile: p })) as SessionSnapshot;
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isUserError(error)) return `${error.location.field}: ${error.message}`;
    throw error;
  }
  return undefined;
}

describe('automatic reconnect', () => {
  it('is off by default and checked like the other fields', async () => {
    const base = { name: 'p', url: 'mqtt://localhost:1883' };
    expect(validateProfile(base).reconnectPeriod).toBe(0);
    expect(validateProfile({ ...base, reconnectPeriod: '5' }).reconnectPeriod).toBe(5);
    for (const bad of [-1, 1.5, 3601, 'soon', true]) {
      expect(fieldOf(() => validateProfile({ ...base, reconnectPeriod: bad }))).toMatch(
        /^reconnectPeriod: profile field "reconnectPeriod": must be a whole number from 0 to 3600/,
      );
    }
    await expect(
      service.invoke('client.saveProfile', { profile: { ...base, reconnectPeriod: -3 } }),
    ).rejects.toThrow(/reconnectPeriod/);
    const saved = await service.invoke('client.saveProfile', { profile: { ...base, reconnectPeriod: 7 } });
    expect(saved).toMatchObject({ reconnectPeriod: 7 });
    expect(await service.invoke('client.profiles', {})).toMatchObject([{ name: 'p', reconnectPeriod: 7 }]);
  });

  it('after the broker stops: reconnecting with attempts; back on the same port: connected, subscription renewed', async () => {
    const port = await freePort();
    let broker = await ourBroker(port);
    const sub = await connect(profile('watcher', port, 1));
    expect(sub.state).toBe('connected');
    await service.invoke('client.subscribe', { id: sub.id, filters: [{ filter: 'plant/#', qos: 1 }] });

    const dropped = stateWhere(sub.id, (s) => s.state === 'reconnecting', 'reconnecting');
    const retried = stateWhere(
      sub.id,
      (s) => s.state === 'reconnecting' && (s.reconnect?.attempt ?? 0) >= 2,
      'reconnecting at attempt 2',
    );
    await broker.stop();
    const first = await dropped;
    expect(first.reconnect).toMatchObject({ attempt: 0, periodSeconds: 1 });
    expect(first.problem?.code).toBe('CONNECTION_REFUSED');
    // Attempts against the stopped broker fail (nothing listens) and keep the retries going.
    const second = await retried;
    expect(second.problem?.message).toMatch(/nothing accepts connections/);
    const listed = (await service.invoke('client.sessions', {})) as SessionSnapshot[];
    expect(listed.find((x) => x.id === sub.id)).toMatchObject({ state: 'reconnecting' });
    // The api's Reconnect does not start a second series while one runs.
    expect(await service.invoke('client.reconnect', { id: sub.id })).toMatchObject({ state: 'reconnecting' });

    const back = stateWhere(sub.id, (s) => s.state === 'connected', 'connected again');
    // The new broker knows nothing of the old session: the client renews the subscription (its
    // SUBACK is the next state event after 'connected').
    let connectedEvents = 0;
    const renewed = stateWhere(
      sub.id,
      (s) => s.state === 'connected' && ++connectedEvents === 2,
      'connected with the subscription renewed',
    );
    broker = await ourBroker(port);
    const again = await back;
    expect(again.problem).toBeUndefined();
    expect(again.reconnect).toBeUndefined();
    expect(again.sessionPresent).toBe(false);
    expect((await renewed).subscriptions).toMatchObject([{ filter: 'plant/#', qos: 1, granted: true }]);
    const pub = await connect(profile('sender', port, 0));
    expect(pub.state).toBe('connected');
    const arriving = messageEvent(sub.id);
    await service.invoke('client.publish', { id: pub.id, topic: 'plant/pump', payload: 'on', qos: 1 });
    const batch = await arriving;
    expect(batch.messages[0]).toMatchObject({
      topic: 'plant/pump',
      payload: Buffer.from('on').toString('base64'),
    });
    for (const s of [sub, pub]) await service.invoke('client.close', { id: s.id });
    await broker.stop();
  });

  it('a refused CONNECT does not retry, neither at first nor when the broker comes back refusing', async () => {
    const port = await freePort();
    let broker = await ourBroker(port, false);
    const refused = await connect(profile('stranger', port, 1));
    expect(refused.state).toBe('failed');
    expect(refused.problem?.code).toBe('MQTT_NOT_AUTHORIZED');
    await sleep(2500);
    expect(states.filter((s) => s.id === refused.id).map((s) => s.state)).not.toContain('reconnecting');
    expect(
      ((await service.invoke('client.sessions', {})) as SessionSnapshot[]).find((s) => s.id === refused.id),
    ).toMatchObject({ state: 'failed' });
    await service.invoke('client.close', { id: refused.id });
    await broker.stop();

    // Dropped while connected, then the broker returns with anonymous clients refused: retries end there.
    broker = await ourBroker(port, true);
    const s = await connect(profile('dropped', port, 1));
    expect(s.state).toBe('connected');
    const dropped = stateWhere(s.id, (x) => x.state === 'reconnecting', 'reconnecting');
    await broker.stop();
    await dropped;
    const failed = stateWhere(s.id, (x) => x.state === 'failed', 'failed');
    broker = await ourBroker(port, false);
    const end = await failed;
    expect(end.problem?.code).toBe('MQTT_NOT_AUTHORIZED');
    const count = states.filter((x) => x.id === s.id).length;
    await sleep(2500);
    expect(states.filter((x) => x.id === s.id).length).toBe(count);
    await service.invoke('client.close', { id: s.id });
    await broker.stop();
  });

  it("the user's disconnect or close stops the retries", async () => {
    const port = await freePort();
    const broker = await ourBroker(port);
    const s = await connect(profile('quitter', port, 1));
    const c = await connect(profile('closer', port, 1));
    const dropped = Promise.all(
      [s, c].map((x) => stateWhere(x.id, (y) => y.state === 'reconnecting', 'reconnecting')),
    );
    await broker.stop();
    await dropped;
    expect(await service.invoke('client.disconnect', { id: s.id })).toMatchObject({ state: 'disconnected' });
    expect(await service.invoke('client.close', { id: c.id })).toEqual({ closed: c.id });
    const count = states.filter((x) => x.id === s.id || x.id === c.id).length;
    await sleep(2500);
    // No attempt ran after either: no state event at all.
    expect(states.filter((x) => x.id === s.id || x.id === c.id).length).toBe(count);
    const listed = (await service.invoke('client.sessions', {})) as SessionSnapshot[];
    expect(listed.find((x) => x.id === c.id)).toBeUndefined();
    const after = listed.find((x) => x.id === s.id);
    expect(after).toMatchObject({ state: 'disconnected' });
    expect(after?.problem).toBeUndefined();
    // Reconnect by hand still works once the broker is back.
    const again = await ourBroker(port);
    expect(await service.invoke('client.reconnect', { id: s.id })).toMatchObject({ state: 'connected' });
    await service.invoke('client.close', { id: s.id });
    await again.stop();
  });
});
