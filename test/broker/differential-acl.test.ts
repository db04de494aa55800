import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from './openssl-pki.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { collect, connectClient, sleep, startPair, type BrokerPair } from './differential.js';

/**
 * ACL enforcement, Debian's Mosquitto 2.0.11 against our broker with the same conf and acl_file:
 * SUBSCRIBE is granted, every delivery (retained ones too) is read-checked, a refused PUBLISH is dropped
 * (QoS 1 still acknowledged, connection kept, nothing retained), $SYS is not writable.
 */
const dir = sharedTempDir('mts-diff-acl-');
let pki: TestPki;
let pair: BrokerPair;

const ACL = [
  '# client1 is the certificate CN (use_identity_as_username)',
  'user client1',
  'topic readwrite devices/client1/#',
  'topic write sensors/#',
  'topic read public/#',
  'topic deny public/secret',
  'pattern readwrite shared/%u/#',
  'pattern read clients/%c/#',
  '',
].join('\n');

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
  writeFileSync(join(dir, 'acl'), ACL);
  pair = await startPair(dir, ([port]) =>
    [
      `acl_file ${dir}/acl`,
      `listener ${port}`,
      `cafile ${pki.path('ca.crt')}`,
      `certfile ${pki.path('server.crt')}`,
      `keyfile ${pki.path('server.key')}`,
      'require_certificate true',
      'use_identity_as_username true',
      '',
    ].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await pair?.stop();
});

function tlsOptions() {
  return {
    ca: readFileSync(pki.path('ca.crt')),
    cert: readFileSync(pki.path('client1.crt')),
    key: readFileSync(pki.path('client1.key')),
  };
}

function publish(client: MqttClient, topic: string, retain = false): Promise<string> {
  return new Promise((resolve) =>
    client.publish(topic, `payload of ${topic}`, { qos: 1, retain }, (error) =>
      resolve(error ? `error ${error.message}` : 'acked'),
    ),
  );
}

/** The same scenario against one broker; returns what the subscriber saw and what the publisher got back. */
async function scenario(port: number) {
  const url = `mqtts://localhost:${port}`;
  const publisher = await connectClient(url, { ...tlsOptions(), clientId: 'pub-1' });
  const retainedAcks = [
    await publish(publisher, 'sensors/retained', true),
    await publish(publisher, 'public/retained', true),
  ];
  const subscriber = await connectClient(url, { ...tlsOptions(), clientId: 'sub-1' });
  const received = collect(subscriber);
  const granted = await new Promise<number[]>((resolve, reject) =>
    subscriber.subscribe(['#', '$SYS/#'], { qos: 1 }, (error, grants) =>
      error ? reject(error) : resolve((grants ?? []).map((g) => g.qos)),
    ),
  );
  await sleep(300); // retained messages arrive right after SUBACK
  const topics = [
    'devices/client1/a', // readwrite → delivered
    'sensors/t', // write only → accepted, but not delivered (read check)
    'public/news', // read only → dropped at publish
    'public/secret', // deny → dropped
    'devices/client2/x', // not granted → dropped
    '$SYS/broker/forged', // $SYS is not writable
    'shared/client1/x', // pattern with %u → delivered
    'clients/sub-1/x', // read pattern with %c: the publisher (pub-1) may not write it → dropped
  ];
  const acks: string[] = [];
  for (const topic of topics) acks.push(await publish(publisher, topic));
  acks.push(await publish(publisher, 'devices/client1/last'));
  const deadline = Date.now() + 5000;
  while (!received.some((m) => m.topic === 'devices/client1/last') && Date.now() < deadline) await sleep(50);
  await sleep(200);
  const stillConnected = publisher.connected;
  publisher.end(true);
  subscriber.end(true);
  return {
    granted,
    retainedAcks,
    acks,
    stillConnected,
    received: received.map((m) => `${m.topic}${m.retain ? ' (retained)' : ''}`).sort(),
  };
}

describe('ACL enforcement (same acl_file on both brokers)', () => {
  it('delivers and drops exactly the same messages', async () => {
    const mosquitto = await scenario(pair.mosquitto.ports[0]);
    const ours = await scenario(pair.ours.ports[0]);
    expect(ours).toEqual(mosquitto);
    expect(ours.received).toEqual(['devices/client1/a', 'devices/client1/last', 'shared/client1/x']);
    expect(ours.granted).toEqual([1, 1]);
    expect(ours.acks.every((a) => a === 'acked')).toBe(true);
    expect(ours.stillConnected).toBe(true);
  }, 40_000);

  it('logs each refused publish with the deciding rule, and a refused delivery once', () => {
    const denials = pair.ours.events.filter((e) => e.kind === 'acl-denied');
    const secret = denials.find((e) => e.topic === 'public/secret');
    expect(secret?.access).toBe('write');
    expect(secret?.rule).toEqual({ file: `${dir}/acl`, line: 6, text: 'topic deny public/secret' });
    const sys = denials.find((e) => e.topic === '$SYS/broker/forged');
    expect(sys?.reason).toMatch(/\$SYS/);
    const read = denials.filter((e) => e.access === 'read' && e.topic === 'sensors/t');
    expect(read).toHaveLength(1);
    expect(read[0].clientId).toBe('sub-1');
    expect(read[0].username).toBe('client1');
    expect(denials.find((e) => e.topic === 'devices/client2/x')?.reason).toMatch(/default deny/);
  });

  it('read-checks each delivery of a shared subscription, for 3.1.1 and 5 members alike', async () => {
    const scenarioShared = async (port: number) => {
      const url = `mqtts://localhost:${port}`;
      const v5 = await connectClient(url, { ...tlsOptions(), clientId: 'share-v5', protocolVersion: 5 });
      const v3 = await connectClient(url, { ...tlsOptions(), clientId: 'share-v3' });
      const got: string[] = [];
      v5.on('message', (topic) => got.push(`v5 ${topic}`));
      v3.on('message', (topic) => got.push(`v3 ${topic}`));
      const granted: number[] = [];
      for (const client of [v5, v3])
        granted.push(
          ...(await new Promise<number[]>((resolve, reject) =>
            client.subscribe('$share/team/#', { qos: 1 }, (error, grants) =>
              error ? reject(error) : resolve((grants ?? []).map((g) => g.qos)),
            ),
          )),
        );
      const publisher = await connectClient(url, { ...tlsOptions(), clientId: 'share-pub' });
      const acks: string[] = [];
      for (const topic of [
        'devices/client1/1', // readable: to v5 (first member)
        'sensors/t', // write-only: v3's turn, refused on delivery, lost for the group
        'devices/client1/2', // v5 again
        '$share/team/devices/client1/3', // a publish to a $share topic
        'devices/client1/last',
      ])
        acks.push(await publish(publisher, topic));
      const deadline = Date.now() + 5000;
      while (!got.some((m) => m.endsWith('devices/client1/last')) && Date.now() < deadline) await sleep(50);
      await sleep(200);
      for (const client of [v5, v3, publisher]) client.end(true);
      return { granted, acks, got };
    };
    const mosquitto = await scenarioShared(pair.mosquitto.ports[0]);
    const ours = await scenarioShared(pair.ours.ports[0]);
    expect(ours).toEqual(mosquitto);
    // sensors/t took v3's turn and was refused on delivery; the $share/… publish reached no one
    expect(ours.got).toEqual(['v5 devices/client1/1', 'v5 devices/client1/2', 'v3 devices/client1/last']);
  }, 40_000);
});
