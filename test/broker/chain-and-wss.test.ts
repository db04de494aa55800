import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/run.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { collect, connectClient, mqttjsOutcome, sleep, startPair, type BrokerPair } from './differential.js';

const dir = sharedTempDir('mts-chain-');
let pki: TestPki;
let pair: BrokerPair;

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
  // four listeners: leaf-only certfile (chain completed from cafile), full-chain certfile, wss with mTLS, ws
  pair = await startPair(
    dir,
    ([leafOnly, fullChain, wss, ws]) =>
      [
        'per_listener_settings true',
        `listener ${leafOnly}`,
        `cafile ${pki.path('ca.crt')}`,
        `certfile ${pki.path('server.crt')}`,
        `keyfile ${pki.path('server.key')}`,
        'allow_anonymous true',
        `listener ${fullChain}`,
        `certfile ${pki.path('server.chain.crt')}`,
        `keyfile ${pki.path('server.key')}`,
        'allow_anonymous true',
        `listener ${wss}`,
        'protocol websockets',
        `cafile ${pki.path('ca.crt')}`,
        `certfile ${pki.path('server.chain.crt')}`,
        `keyfile ${pki.path('server.key')}`,
        'require_certificate true',
        'use_identity_as_username true',
        `listener ${ws}`,
        'protocol websockets',
        'allow_anonymous true',
        '',
      ].join('\n'),
    4,
  );
}, 60_000);

afterAll(async () => {
  await pair?.stop();
});

/** Subjects of the certificates the server sent, as `openssl s_client -showcerts` prints them. */
async function sentChain(port: number): Promise<string[]> {
  const result = await run(
    'openssl',
    [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-servername',
      'localhost',
      '-showcerts',
      '-CAfile',
      pki.path('ca.crt'),
    ],
    { input: '', timeoutMs: 10_000 },
  );
  return [...result.stdout.matchAll(/^ *\d+ s:(.*)$/gm)].map((m) => m[1].trim());
}

describe('the chain the server sends', () => {
  it('is the full chain, as Mosquitto sends it, for a leaf-only and a full-chain certfile', async () => {
    const [mLeaf, oLeaf, mFull, oFull] = await Promise.all([
      sentChain(pair.mosquitto.ports[0]),
      sentChain(pair.ours.ports[0]),
      sentChain(pair.mosquitto.ports[1]),
      sentChain(pair.ours.ports[1]),
    ]);
    expect(oLeaf).toEqual(mLeaf);
    expect(oFull).toEqual(mFull);
    expect(oLeaf).toEqual(['CN = localhost', 'CN = Test Intermediate CA', 'CN = Test Root CA']);
    expect(oFull).toEqual(['CN = localhost', 'CN = Test Intermediate CA']);
  }, 30_000);
});

describe('websockets', () => {
  const tls = () => ({
    ca: readFileSync(pki.path('ca.crt')),
    cert: readFileSync(pki.path('client1.crt')),
    key: readFileSync(pki.path('client1.key')),
  });

  it('wss with a client certificate works with mqtt.js (username from the certificate), on both brokers', async () => {
    for (const port of [pair.mosquitto.ports[2], pair.ours.ports[2]]) {
      const url = `wss://localhost:${port}/mqtt`;
      const client = await connectClient(url, { ...tls(), clientId: `wss-${port}` });
      const received = collect(client);
      await new Promise<void>((resolve, reject) =>
        client.subscribe('wss/echo', { qos: 1 }, (e) => (e ? reject(e) : resolve())),
      );
      await new Promise<void>((resolve) =>
        client.publish('wss/echo', 'over websocket', { qos: 1 }, () => resolve()),
      );
      const deadline = Date.now() + 5000;
      while (received.length === 0 && Date.now() < deadline) await sleep(50);
      expect(received.map((m) => m.payload)).toEqual(['over websocket']);
      client.end(true);
    }
    const connected = pair.ours.events.find(
      (e) => e.kind === 'connected' && e.listener?.startsWith('wss://'),
    );
    expect(connected?.username).toBe('client1');
    expect(connected?.clientCertificate?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  }, 30_000);

  it('refuses a wss client without a certificate (Mosquitto in TLS, ours with CONNACK 5 and the reason)', async () => {
    const ca = readFileSync(pki.path('ca.crt'));
    expect(await mqttjsOutcome(`wss://localhost:${pair.mosquitto.ports[2]}/mqtt`, { ca })).toBe(
      'refused in TLS',
    );
    expect(await mqttjsOutcome(`wss://localhost:${pair.ours.ports[2]}/mqtt`, { ca })).toBe('connack 5');
    expect(
      pair.ours.events.some((e) => e.problem === 'CLIENT_CERT_REQUIRED' && e.listener?.startsWith('wss://')),
    ).toBe(true);
  }, 30_000);

  it('plain ws works on both', async () => {
    expect(await mqttjsOutcome(`ws://localhost:${pair.mosquitto.ports[3]}/mqtt`)).toBe('accepted');
    expect(await mqttjsOutcome(`ws://localhost:${pair.ours.ports[3]}/mqtt`)).toBe('accepted');
    expect(pair.ours.broker.listeners.map((l) => l.scheme)).toEqual(['mqtts', 'mqtts', 'wss', 'ws']);
  }, 30_000);
});
