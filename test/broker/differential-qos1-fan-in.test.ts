import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { connectClient } from './differential.js';
import { pairForFile } from './pair-for-file.js';
import { connectV5, end, onBoth, publish, subscribe, until } from './mqtt5-clients.js';

/**
 * Fan-in of QoS 1 under Mosquitto's default limits (20 in flight, 1000 queued), Debian's Mosquitto 2.0.11 as
 * the judge: 10 mqtt.js 3.1.1 publishers each send 300 QoS 1 messages at once (none waits for its PUBACK)
 * to one QoS 1 subscriber. Every message arrives, in order per publisher, on both brokers — for a 3.1.1
 * subscriber (bounded by max_inflight_messages) and a v5 one (bounded by its Receive Maximum).
 */
const PUBLISHERS = 10;
const PER_PUBLISHER = 300;
const WINDOW = 10;
const pair = pairForFile('mts-diff-qos1-fan-in-', ([port]) =>
  [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'max_inflight_messages 20',
    'max_queued_messages 1000',
    '',
  ].join('\n'),
);

async function fanIn(port: number, tag: string, version: 4 | 5, receiveMaximum?: number) {
  const url = `mqtt://127.0.0.1:${port}`;
  const rx: MqttClient =
    version === 5
      ? (await connectV5(port, { clientId: `rx-${tag}`, properties: { receiveMaximum } })).client
      : await connectClient(url, { clientId: `rx-${tag}` });
  const received: string[] = [];
  rx.on('message', (_topic, payload) => received.push(payload.toString()));
  await subscribe(rx, `fan/${version}/+`, { qos: 1 });
  const txs = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, p) =>
      connectClient(url, { clientId: `tx${p}-${version}-${tag}` }),
    ),
  );
  // each publisher keeps at most WINDOW messages unacknowledged (as bench/broker-compare.js does)
  await Promise.all(
    txs.map(async (tx, p) => {
      for (let i = 0; i < PER_PUBLISHER; i += WINDOW) {
        const batch = Array.from({ length: WINDOW }, (_, k) => i + k);
        await Promise.all(batch.map((n) => publish(tx, `fan/${version}/${p}`, `${p}:${n}`, { qos: 1 })));
      }
    }),
  );
  await until(() => received.length >= PUBLISHERS * PER_PUBLISHER, 6000);
  await Promise.all([...txs, rx].map(end));
  // per publisher: the indexes in the order they arrived
  const order = Array.from({ length: PUBLISHERS }, (_, p) =>
    received.filter((m) => m.startsWith(`${p}:`)).map((m) => Number(m.split(':')[1])),
  );
  return {
    total: received.length,
    inOrder: order.every((list) => list.every((n, i) => i === 0 || n > list[i - 1]!)),
  };
}

describe('QoS 1 fan-in from 10 publishers on both brokers', () => {
  const all = { total: PUBLISHERS * PER_PUBLISHER, inOrder: true };

  it('delivers every message to a 3.1.1 subscriber, in order per publisher', async () => {
    const [mosquitto, ours] = await onBoth(pair, (port, tag) => fanIn(port, tag, 4));
    expect(mosquitto).toEqual(all);
    expect(ours).toEqual(mosquitto);
  }, 20_000);

  it('delivers every message to a v5 subscriber with Receive Maximum 20, in order per publisher', async () => {
    const [mosquitto, ours] = await onBoth(pair, (port, tag) => fanIn(port, tag, 5, 20));
    expect(mosquitto).toEqual(all);
    expect(ours).toEqual(mosquitto);
  }, 20_000);
});
