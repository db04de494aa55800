import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMosquittoConf } from '../../src-main/core/conf/index.js';
import { startBroker, type BrokerEvent, type RunningBroker } from '../../src-main/core/broker/index.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';
import { connectClient, distinctPorts, sleep } from './differential.js';

/**
 * Bridges, judged by Debian's Mosquitto 2.0.11: a central Mosquitto with mutual TLS, and a site that runs
 * the same conf first as Mosquitto, then as our broker. What arrives where, with which QoS and retain
 * flag, and what the notification topic shows at the central broker must be the same.
 */

interface Seen {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

function record(client: MqttClient): Seen[] {
  const seen: Seen[] = [];
  client.on('message', (topic, payload, packet) =>
    seen.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }),
  );
  return seen;
}

async function until(what: string, check: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const subscribe = (client: MqttClient, filter: string, qos: 0 | 1 | 2 = 2) =>
  new Promise<void>((resolve, reject) =>
    client.subscribe(filter, { qos }, (e) => (e ? reject(e) : resolve())),
  );

const publish = (client: MqttClient, topic: string, payload: string, qos: 0 | 1 | 2, retain = false) =>
  new Promise<void>((resolve, reject) =>
    client.publish(topic, payload, { qos, retain }, (e) => (e ? reject(e) : resolve())),
  );

let pki: TestPki;
let dir: string;

beforeAll(async () => {
  dir = sharedTempDir('mts-bridge-');
  pki = await makeTestPki(join(dir, 'pki'));
}, 60_000);

function centralConf(tlsPort: number, plainPort: number): string {
  return [
    'allow_anonymous true',
    `listener ${tlsPort} 127.0.0.1`,
    `cafile ${pki.path('ca.crt')}`,
    `certfile ${pki.path('server.chain.crt')}`,
    `keyfile ${pki.path('server.key')}`,
    'require_certificate true',
    'use_identity_as_username true',
    `listener ${plainPort} 127.0.0.1`,
    'log_dest stderr',
    'log_type all',
    '',
  ].join('\n');
}

function siteConf(sitePort: number, centralTls: number, clientId: string, cert = 'client1'): string {
  return [
    'allow_anonymous true',
    `listener ${sitePort} 127.0.0.1`,
    'log_dest stderr',
    'log_type all',
    'connection central',
    `address localhost:${centralTls}`,
    `bridge_cafile ${pki.path('ca.crt')}`,
    `bridge_certfile ${pki.path(`${cert}.crt`)}`,
    `bridge_keyfile ${pki.path(`${cert}.key`)}`,
    `remote_clientid ${clientId}`,
    'cleansession false',
    'restart_timeout 1',
    'keepalive_interval 5',
    'topic sensors/# out 1 site/ factory/',
    'topic cmd/# in 2 site/ factory/',
    'topic both/# both 1',
    'topic "" out 0 local/alarm remote/alarm',
    '',
  ].join('\n');
}

interface Site {
  port: number;
  stop(): Promise<void>;
  log(): string;
}

async function startSite(kind: 'mosquitto' | 'ours', conf: string, port: number, sub: string): Promise<Site> {
  mkdirSync(sub, { recursive: true });
  if (kind === 'mosquitto') {
    const m: RunningMosquitto = await startMosquitto(sub, conf, port);
    return { port, stop: () => m.stop(), log: () => m.log() };
  }
  const events: BrokerEvent[] = [];
  const broker: RunningBroker = await startBroker(parseMosquittoConf(conf, join(sub, 'site.conf')), {
    baseDir: sub,
    onEvent: (e) => events.push(e),
  });
  return { port, stop: () => broker.stop(), log: () => events.map((e) => e.message).join('\n') };
}

interface Observation {
  atCentral: Seen[];
  atSite: Seen[];
  notifications: Seen[];
  afterRestart: Seen[];
  notificationsAfterRestart: Seen[];
}

/** Run the whole scenario with the site as Mosquitto or as our broker; return what was seen. */
async function scenario(kind: 'mosquitto' | 'ours'): Promise<Observation> {
  const [centralTls, centralPlain, sitePort] = await distinctPorts(3);
  const clientId = `site-${kind}`;
  const sub = join(dir, kind);
  mkdirSync(sub, { recursive: true });
  let central = await startMosquitto(join(sub), centralConf(centralTls, centralPlain), centralTls);
  const clients: MqttClient[] = [];
  let site: Site | undefined;
  try {
    const watcher = await connectClient(`mqtt://127.0.0.1:${centralPlain}`);
    clients.push(watcher);
    const notifications = record(watcher);
    await subscribe(watcher, '$SYS/broker/connection/#', 1);
    const centralObserver = await connectClient(`mqtt://127.0.0.1:${centralPlain}`);
    clients.push(centralObserver);
    const atCentral = record(centralObserver);
    await subscribe(centralObserver, 'factory/#');
    await subscribe(centralObserver, 'both/#');
    await subscribe(centralObserver, 'remote/#');

    site = await startSite(kind, siteConf(sitePort, centralTls, clientId), sitePort, join(sub, 'site'));
    await until(`${kind} site's bridge to connect`, () => notifications.some((n) => n.payload === '1'));
    const siteClient = await connectClient(`mqtt://127.0.0.1:${sitePort}`);
    clients.push(siteClient);
    const atSite = record(siteClient);
    await subscribe(siteClient, 'site/#');
    await subscribe(siteClient, 'both/#');
    await sleep(300); // the remote subscriptions of the bridge are in place

    // out, with prefixes: QoS capped by the topic line
    await publish(siteClient, 'site/sensors/t1', 'q2-out', 2);
    await publish(siteClient, 'site/sensors/t2', 'q0-out', 0);
    await publish(siteClient, 'site/sensors/r', 'retained-out', 1, true);
    await publish(siteClient, 'local/alarm', 'alarm', 1);
    await publish(siteClient, 'elsewhere/x', 'not bridged', 1);
    // in, with prefixes
    await publish(centralObserver, 'factory/cmd/go', 'q2-in', 2);
    await publish(centralObserver, 'factory/cmd/slow', 'q1-in', 1);
    await publish(centralObserver, 'factory/sensors/back', 'out-only line: not in', 1);
    // both ways: no loop
    await publish(siteClient, 'both/from-site', 'b1', 1);
    await publish(centralObserver, 'both/from-central', 'b2', 1);
    await until('the messages to cross', () => atCentral.length >= 6 && atSite.length >= 6);
    await sleep(700); // duplicates, if any, arrive

    // central stopped: QoS 1 messages queue at the site (cleansession false) and arrive after the restart
    await central.stop();
    await sleep(500);
    await publish(siteClient, 'site/sensors/queued1', 'while down 1', 1);
    await publish(siteClient, 'site/sensors/queued2', 'while down 2', 1);
    await publish(siteClient, 'site/sensors/queued0', 'qos0 while down', 0);
    await sleep(300);
    central = await startMosquitto(join(sub), centralConf(centralTls, centralPlain), centralTls);
    const watcher2 = await connectClient(`mqtt://127.0.0.1:${centralPlain}`);
    clients.push(watcher2);
    const notificationsAfterRestart = record(watcher2);
    await subscribe(watcher2, '$SYS/broker/connection/#', 1);
    const observer2 = await connectClient(`mqtt://127.0.0.1:${centralPlain}`);
    clients.push(observer2);
    const afterRestart = record(observer2);
    await subscribe(observer2, 'factory/#');
    await until(
      `${kind} site to reconnect`,
      () => notificationsAfterRestart.some((n) => n.payload === '1'),
      10_000,
    );
    await until(
      'the queued messages',
      () => afterRestart.filter((m) => m.topic.includes('queued')).length >= 2,
    );
    await sleep(500);
    return {
      atCentral: sortSeen(atCentral),
      atSite: sortSeen(atSite),
      notifications: notifications.map((n) => ({ ...n, topic: n.topic.replace(clientId, 'ID') })),
      afterRestart: sortSeen(afterRestart),
      notificationsAfterRestart: notificationsAfterRestart.map((n) => ({
        ...n,
        topic: n.topic.replace(clientId, 'ID'),
      })),
    };
  } finally {
    for (const c of clients) c.end(true);
    await site?.stop();
    await central.stop();
  }
}

const sortSeen = (seen: Seen[]) =>
  [...seen].sort((a, b) => `${a.topic} ${a.payload}`.localeCompare(`${b.topic} ${b.payload}`));

describe('bridges against Debian Mosquitto 2.0.11 (central with mutual TLS)', () => {
  let mosquittoSite: Observation;
  let ourSite: Observation;
  beforeAll(async () => {
    mosquittoSite = await scenario('mosquitto');
    ourSite = await scenario('ours');
    if (process.env.BRIDGE_DEBUG) console.log(JSON.stringify({ mosquittoSite, ourSite }, null, 1));
  }, 90_000);
  afterAll(() => undefined);

  it('messages out, in and both ways arrive the same, with prefixes, QoS and retain flags', () => {
    expect(mosquittoSite.atCentral.length).toBeGreaterThan(0);
    expect(ourSite.atCentral).toEqual(mosquittoSite.atCentral);
    expect(ourSite.atSite).toEqual(mosquittoSite.atSite);
  });

  it('the notification topic at the central broker shows the same values', () => {
    expect(mosquittoSite.notifications.length).toBeGreaterThan(0);
    expect(ourSite.notifications).toEqual(mosquittoSite.notifications);
    expect(ourSite.notificationsAfterRestart).toEqual(mosquittoSite.notificationsAfterRestart);
  });

  it('after the central broker restarts, both sites reconnect and the QoS 1 messages queued meanwhile arrive the same', () => {
    expect(mosquittoSite.afterRestart.some((m) => m.payload === 'while down 1')).toBe(true);
    expect(ourSite.afterRestart).toEqual(mosquittoSite.afterRestart);
  });
});

describe('a bridge certificate from a CA the central broker does not trust', () => {
  it('fails on Mosquitto and on ours, and ours explains it', async () => {
    const [centralTls, centralPlain, mosquittoSitePort, ourSitePort] = await distinctPorts(4);
    const sub = join(dir, 'unknown-ca');
    mkdirSync(sub, { recursive: true });
    const central = await startMosquitto(sub, centralConf(centralTls, centralPlain), centralTls);
    const clients: MqttClient[] = [];
    const sites: Site[] = [];
    try {
      const watcher = await connectClient(`mqtt://127.0.0.1:${centralPlain}`);
      clients.push(watcher);
      const notifications = record(watcher);
      await subscribe(watcher, '$SYS/broker/connection/#', 1);
      const conf = (port: number, id: string) =>
        siteConf(port, centralTls, id, 'stranger').replace(
          'restart_timeout 1',
          'restart_timeout 1\nlog_type all',
        );
      sites.push(
        await startSite(
          'mosquitto',
          conf(mosquittoSitePort, 'stranger-m'),
          mosquittoSitePort,
          join(sub, 'm'),
        ),
      );
      const events: BrokerEvent[] = [];
      const ours = await startBroker(
        parseMosquittoConf(conf(ourSitePort, 'stranger-o'), join(sub, 'ours.conf')),
        {
          baseDir: sub,
          onEvent: (e) => events.push(e),
        },
      );
      sites.push({ port: ourSitePort, stop: () => ours.stop(), log: () => '' });
      await until(
        'both sites to try twice',
        () =>
          events.filter((e) => e.kind === 'bridge' && e.level === 'error').length >= 2 &&
          (sites[0]!.log().match(/Connecting bridge/g) ?? []).length >= 2,
      );
      // Neither bridge ever came up at the central broker.
      expect(notifications.filter((n) => n.payload === '1')).toEqual([]);
      expect(central.log()).toMatch(/OpenSSL Error|certificate verify failed|unknown ca/i);
      const status = ours.bridges()[0]!;
      expect(status.state).not.toBe('connected');
      expect(status.lastError?.code).toBe('CLIENT_CERT_REJECTED');
      expect(status.lastError?.message).toMatch(/rejected our client certificate \(TLS alert "unknown ca"\)/);
      expect(status.lastError?.fix).toMatch(/issued by a CA in the broker's cafile/);
      const logged = events.find((e) => e.kind === 'bridge' && e.level === 'error')!;
      expect(logged.message).toMatch(
        /bridge central cannot connect to localhost:\d+: .*unknown ca.*next attempt in 1 s/,
      );
    } finally {
      for (const c of clients) c.end(true);
      for (const s of sites) await s.stop();
      await central.stop();
    }
  }, 30_000);
});
