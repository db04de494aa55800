import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/run.js';
import { pairForFile } from './pair-for-file.js';
import { onBoth } from './mqtt5-clients.js';
import { rawClient, type RawClient } from './raw-mqtt.js';

/**
 * What a SUBSCRIBE with a refused or invalid topic filter gets, Debian's Mosquitto 2.0.11 as the judge (same
 * conf, both brokers at once), for MQTT 5 and 3.1.1 clients: invalid filters (`a/#/b`, `a+`, empty),
 * `$share` edge cases, no local on a shared subscription, out-of-range subscription options.
 */
const pair = pairForFile('mts-diff-suback-');

async function connectRaw(port: number, version: 4 | 5, clientId: string): Promise<RawClient> {
  const raw = await rawClient(port, version);
  raw.send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: version,
    clean: true,
    clientId,
    keepalive: 60,
    ...(version === 5 ? { properties: {} } : {}),
  } as Packet);
  await raw.next((p) => p.cmd === 'connack');
  return raw;
}

interface Subscription {
  topic: string;
  qos: number;
  nl?: boolean;
  rh?: number;
}

/** Send one SUBSCRIBE and describe the answer: `suback 0,128`, `disconnect 0x82` or `closed`. */
async function answer(
  port: number,
  version: 4 | 5,
  clientId: string,
  subscriptions: Subscription[],
  properties?: Record<string, unknown>,
): Promise<string> {
  const raw = await connectRaw(port, version, clientId);
  raw.send({
    cmd: 'subscribe',
    messageId: 7,
    subscriptions,
    ...(properties ? { properties } : {}),
  } as Packet);
  const deadline = Date.now() + 1500;
  const isReply = (p: Packet) => p.cmd === 'suback' || p.cmd === 'disconnect';
  while (!raw.packets.some(isReply) && !raw.closed() && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const reply = raw.packets.find(isReply) as
    (Packet & { granted?: number[]; reasonCode?: number }) | undefined;
  let text: string;
  if (reply?.cmd === 'suback') text = `suback ${reply.granted!.join(',')}`;
  else if (reply?.cmd === 'disconnect') text = `disconnect 0x${(reply.reasonCode ?? 0).toString(16)}`;
  else text = raw.closed() ? 'closed' : 'no answer';
  raw.close();
  return text;
}

const FILTERS: Array<[string, Subscription[], Record<string, unknown>?]> = [
  ['valid', [{ topic: 'ok/+', qos: 1 }]],
  ['# not last', [{ topic: 'a/#/b', qos: 1 }]],
  ['# inside a level', [{ topic: 'a/b#', qos: 1 }]],
  ['+ inside a level', [{ topic: 'a+/b', qos: 1 }]],
  ['+ after a character', [{ topic: 'a+', qos: 1 }]],
  ['+ before a character', [{ topic: '+a', qos: 1 }]],
  ['# after a character', [{ topic: 'a#', qos: 1 }]],
  [
    '# alone and + alone',
    [
      { topic: '#', qos: 0 },
      { topic: '+', qos: 0 },
      { topic: '+/+/#', qos: 0 },
    ],
  ],
  ['empty filter', [{ topic: '', qos: 1 }]],
  [
    'one invalid among valid',
    [
      { topic: 'ok/1', qos: 1 },
      { topic: 'a/#/b', qos: 1 },
      { topic: 'ok/2', qos: 0 },
    ],
  ],
  ['$share valid', [{ topic: '$share/g/s/+', qos: 1 }]],
  ['$share without filter', [{ topic: '$share/g', qos: 1 }]],
  ['$share with empty filter', [{ topic: '$share/g/', qos: 1 }]],
  ['$share with empty group', [{ topic: '$share//s', qos: 1 }]],
  ['$share with + in the group', [{ topic: '$share/g+/s', qos: 1 }]],
  ['$share with # in the group', [{ topic: '$share/#/s', qos: 1 }]],
  ['$share with an invalid filter', [{ topic: '$share/g/a/#/b', qos: 1 }]],
  ['$share with no local', [{ topic: '$share/g/s', qos: 1, nl: true }]],
  ['$sharefoo (not shared)', [{ topic: '$sharefoo/a', qos: 1 }]],
  ['subscription identifier 0', [{ topic: 'ok/si', qos: 1 }], { subscriptionIdentifier: 0 }],
];

describe('SUBACK for refused and invalid topic filters', () => {
  it('answers as Mosquitto does, MQTT 5 and 3.1.1', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port, tag) => {
      const out: Record<string, string> = {};
      let n = 0;
      for (const version of [5, 4] as const) {
        for (const [name, subscriptions, properties] of FILTERS) {
          if (version === 4 && (properties || subscriptions.some((s) => s.nl))) continue;
          out[`v${version} ${name}`] = await answer(
            port,
            version,
            `suback-${tag}-${++n}`,
            subscriptions,
            version === 5 ? properties : undefined,
          );
        }
      }
      return out;
    });
    // Where Mosquitto 2.0.11 grants what MQTT 5 calls invalid, ours keeps the spec (and says so in README):
    // a shared subscription needs a non-empty ShareName followed by "/" and a non-empty filter
    // [MQTT-4.8.2-1, 4.8.2-2]; No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4]; so is a
    // Subscription Identifier of 0 [MQTT-3.8.2.1.2] (Mosquitto: 0x81 Malformed Packet).
    const specOverMosquitto: Record<string, [mosquitto: string, ours: string]> = {
      'v5 $share without filter': ['suback 1', 'disconnect 0x81'],
      'v5 $share with empty filter': ['suback 1', 'disconnect 0x81'],
      'v5 $share with empty group': ['suback 1', 'disconnect 0x81'],
      'v5 $share with no local': ['suback 1', 'disconnect 0x82'],
      'v5 subscription identifier 0': ['disconnect 0x81', 'disconnect 0x82'],
      'v4 $share without filter': ['suback 1', 'closed'],
      'v4 $share with empty filter': ['suback 1', 'closed'],
      'v4 $share with empty group': ['suback 1', 'closed'],
    };
    const expectedOurs = { ...mosquitto };
    for (const [name, [theirs, spec]] of Object.entries(specOverMosquitto)) {
      expect(mosquitto[name], name).toBe(theirs);
      expectedOurs[name] = spec;
    }
    expect(ours).toEqual(expectedOurs);
    // Mosquitto answers an invalid filter with no SUBACK failure code: a v5 client gets DISCONNECT 0x81
    // Malformed Packet, a 3.1.1 client a closed connection — for one bad filter among good ones too
    for (const name of ['# not last', '+ inside a level', '# after a character', 'one invalid among valid']) {
      expect(mosquitto[`v5 ${name}`], name).toBe('disconnect 0x81');
      expect(mosquitto[`v4 ${name}`], name).toBe('closed');
    }
    expect(mosquitto['v5 # alone and + alone']).toBe('suback 0,0,0');
  }, 60_000);

  it('mosquitto_sub -V mqttv5: a shared and a wildcard filter granted on both', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port) => {
      const result = await run(
        'mosquitto_sub',
        ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv5', '-W', '1', '-d', '-q', '1'].concat([
          '-t',
          '$share/g/s',
          '-t',
          'ok/#',
        ]),
        { timeoutMs: 10_000 },
      );
      return /Subscribed \(mid: \d+\): ([\d, ]+)/.exec(result.stdout)?.[1];
    });
    expect(ours).toEqual(mosquitto);
    expect(mosquitto).toBe('1, 1');
  }, 30_000);
});
