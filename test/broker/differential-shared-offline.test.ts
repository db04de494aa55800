import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { connectClient } from './differential.js';
import { pairForFile } from './pair-for-file.js';
import { connectV5, end, onBoth, publish, sleep, subscribe, until, type Seen } from './mqtt5-clients.js';

/**
 * A disconnected persistent member of a shared subscription group, Debian's Mosquitto 2.0.11 as the judge
 * (same conf, same clients on both brokers at once): the member keeps its turn in the group while away,
 * the QoS 1 messages that fall to it are queued for it and delivered when it comes back; when its session
 * ends, the group goes on without it.
 */
const pair = pairForFile('mts-diff-shared-offline-');

const payloads = (list: Seen[]) => list.map((m) => `${m.payload} q${m.qos}`);

describe('offline members of a shared subscription group', () => {
  it('keeps a disconnected persistent member in the rotation and queues its messages', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port, tag) => {
      const away = { clientId: `away-${tag}`, clean: false, properties: { sessionExpiryInterval: 300 } };
      const first = await connectV5(port, away);
      await subscribe(first.client, '$share/g/work/+', { qos: 1 });
      const stay = await connectV5(port, { clientId: `stay-${tag}` });
      await subscribe(stay.client, '$share/g/work/+', { qos: 1 });
      await end(first.client);
      await sleep(100);
      const tx = await connectV5(port, { clientId: `shared-tx-${tag}` });
      for (let i = 0; i < 4; i++) await publish(tx.client, 'work/a', `m${i}`, { qos: 1 });
      await publish(tx.client, 'work/a', 'zero-1', { qos: 0 });
      await publish(tx.client, 'work/a', 'zero-2', { qos: 0 });
      await sleep(300);
      const whileAway = payloads(stay.seen);
      const back = await connectV5(port, away);
      await until(() => back.seen.length >= 2, 2000);
      await sleep(200);
      const queued = payloads(back.seen);
      // both online again: the rotation goes on
      for (let i = 4; i < 8; i++) await publish(tx.client, 'work/a', `m${i}`, { qos: 1 });
      await sleep(300);
      const afterReturn = {
        back: payloads(back.seen).slice(queued.length),
        stay: payloads(stay.seen).slice(whileAway.length),
      };
      await Promise.all([end(back.client), end(stay.client), end(tx.client)]);
      return { whileAway, queued, afterReturn, sessionPresent: back.connack.sessionPresent };
    });
    expect(ours).toEqual(mosquitto);
    // round robin in subscription order: the absent member's QoS 1 turns are queued, its QoS 0 turn is lost
    expect(mosquitto).toEqual({
      whileAway: ['m1 q1', 'm3 q1', 'zero-2 q0'],
      queued: ['m0 q1', 'm2 q1'],
      afterReturn: { back: ['m4 q1', 'm6 q1'], stay: ['m5 q1', 'm7 q1'] },
      sessionPresent: true,
    });
  });

  it('keeps a disconnected 3.1.1 member (clean session false) the same way', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port, tag) => {
      const url = `mqtt://127.0.0.1:${port}`;
      const options = { clientId: `v3-away-${tag}`, clean: false };
      const first = await connectClient(url, options);
      await new Promise((resolve) => first.subscribe('$share/g3/job/+', { qos: 1 }, resolve));
      const stay = await connectV5(port, { clientId: `v3-stay-${tag}` });
      await subscribe(stay.client, '$share/g3/job/+', { qos: 1 });
      await new Promise((resolve) => first.end(false, {}, resolve));
      await sleep(100);
      const tx = await connectV5(port, { clientId: `v3-tx-${tag}` });
      for (let i = 0; i < 4; i++) await publish(tx.client, 'job/a', `m${i}`, { qos: 1 });
      await sleep(300);
      const received: string[] = [];
      // listening from the start: queued messages can come in the same read as the CONNACK
      const back = mqtt.connect(url, { ...options, protocolVersion: 4, reconnectPeriod: 0 });
      back.on('message', (_t, payload) => received.push(payload.toString()));
      await until(() => received.length >= 2, 2000);
      await sleep(200);
      back.end(true);
      await Promise.all([end(stay.client), end(tx.client)]);
      return { stay: payloads(stay.seen), back: received };
    });
    expect(ours).toEqual(mosquitto);
    expect(mosquitto).toEqual({ stay: ['m1 q1', 'm3 q1'], back: ['m0', 'm2'] });
  });

  it('leaves the group when the session expires', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port, tag) => {
      const brief = { clientId: `brief-${tag}`, clean: false, properties: { sessionExpiryInterval: 1 } };
      const first = await connectV5(port, brief);
      await subscribe(first.client, '$share/e/exp/+', { qos: 1 });
      const stay = await connectV5(port, { clientId: `exp-stay-${tag}` });
      await subscribe(stay.client, '$share/e/exp/+', { qos: 1 });
      await end(first.client);
      await sleep(2500);
      const tx = await connectV5(port, { clientId: `exp-tx-${tag}` });
      for (let i = 0; i < 4; i++) await publish(tx.client, 'exp/a', `m${i}`, { qos: 1 });
      await sleep(300);
      await Promise.all([end(stay.client), end(tx.client)]);
      return payloads(stay.seen);
    });
    expect(ours).toEqual(mosquitto);
    expect(mosquitto).toEqual(['m0 q1', 'm1 q1', 'm2 q1', 'm3 q1']);
  });
});
