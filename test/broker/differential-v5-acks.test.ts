import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { hashPassword } from '../../src-main/core/conf/index.js';
import { readableByMosquitto } from '../helpers/mosquitto.js';
import { connectClient, sleep } from './differential.js';
import { pairForFile } from './pair-for-file.js';

/**
 * MQTT 5 reason codes on PUBACK, PUBREC and SUBACK, Debian's Mosquitto 2.0.11 against our broker with the
 * same password and ACL files, driven by mqtt.js v5: an ACL-refused publish is answered 0x87 Not authorized
 * (QoS 1 and 2) and the connection stays open; SUBSCRIBE is granted whatever the ACL says.
 */
const pair = pairForFile(
  'mts-diff-v5-acks-',
  ([port], dir) =>
    [`listener ${port} 127.0.0.1`, `password_file ${dir}/passwd`, `acl_file ${dir}/acl`, ''].join('\n'),
  {
    prepare: (dir) => {
      writeFileSync(join(dir, 'passwd'), `alice:${hashPassword('wonderland')}\n`);
      writeFileSync(join(dir, 'acl'), 'user alice\ntopic readwrite ok/#\ntopic read ro/#\n');
      readableByMosquitto(dir);
    },
  },
);

/** Every ack the client receives, as `cmd reasonCode` (e.g. `puback 135`), and its reason strings. */
function acks(client: MqttClient): { codes: string[]; reasonStrings: string[] } {
  const seen = { codes: [] as string[], reasonStrings: [] as string[] };
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp') {
      seen.codes.push(`${packet.cmd} ${packet.reasonCode ?? 0}`);
      if (packet.properties?.reasonString) seen.reasonStrings.push(packet.properties.reasonString);
    }
    if (packet.cmd === 'suback') seen.codes.push(`suback ${packet.granted.join(',')}`);
  });
  return seen;
}

async function scenario(port: number) {
  const client = await connectClient(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 5,
    username: 'alice',
    password: 'wonderland',
  });
  const seen = acks(client);
  const received: string[] = [];
  client.on('message', (topic) => received.push(topic));
  const publish = (topic: string, qos: 0 | 1 | 2) =>
    new Promise<string>((resolve) =>
      client.publish(topic, 'x', { qos }, (error) => resolve(error ? error.message : 'ok')),
    );
  await new Promise((resolve) => client.subscribe(['ok/a', 'ro/b', 'no/c'], { qos: 1 }, resolve));
  const results = [
    await publish('ok/a', 1),
    await publish('ro/b', 1),
    await publish('ro/b', 2),
    await publish('no/c', 0),
    await publish('ok/a', 2),
  ];
  await sleep(200);
  const connected = client.connected;
  client.end(true);
  return {
    results,
    codes: seen.codes,
    received: received.sort(),
    connected,
    reasonStrings: seen.reasonStrings,
  };
}

describe('MQTT 5 acks', () => {
  it('PUBACK/PUBREC 0x87 for a refused publish, SUBACK granted, connection kept — as Mosquitto', async () => {
    const mosquitto = await scenario(pair.mosquitto.ports[0]);
    const ours = await scenario(pair.ours.ports[0]);
    expect(ours.codes).toEqual(mosquitto.codes);
    expect(ours.results).toEqual(mosquitto.results);
    expect(ours.received).toEqual(mosquitto.received);
    expect(ours.connected).toBe(true);
    expect(mosquitto).toMatchObject({
      codes: ['suback 1,1,1', 'puback 0', 'puback 135', 'pubrec 135', 'pubrec 0', 'pubcomp 0'],
      received: ['ok/a', 'ok/a'],
      connected: true,
    });
    expect(ours.reasonStrings).toEqual([
      expect.stringMatching(/^not allowed to publish to 'ro\/b': /),
      expect.stringMatching(/^not allowed to publish to 'ro\/b': /),
    ]);
    const denied = pair.ours.events.filter((e) => e.kind === 'acl-denied' && e.access === 'write');
    expect(denied.map((e) => e.reasonCode)).toEqual([0x87, 0x87, undefined]);
    expect(denied[0].message).toMatch(/PUBACK 0x87 Not authorized/);
    expect(
      pair.ours.events.some((e) => e.kind === 'disconnected' && /not allowed/.test(e.reason ?? '')),
    ).toBe(false);
  }, 30_000);
});
