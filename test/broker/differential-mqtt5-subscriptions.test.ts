import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/run.js';
import { connectClient } from './differential.js';
import { pairForFile } from './pair-for-file.js';
import { connectV5, end, onBoth, publish, sleep, subscribe, until, type Seen } from './mqtt5-clients.js';

/**
 * MQTT 5 subscriptions, Debian's Mosquitto 2.0.11 as the judge (same conf, same clients on both brokers at
 * once): message properties forwarded intact, subscription options, granted QoS and subscription
 * identifiers of overlapping subscriptions, shared subscriptions for 3.1.1 and 5 clients.
 */
const pair = pairForFile('mts-diff-mqtt5-subs-', ([port]) => `listener ${port}\nallow_anonymous true\n`);

const brief = (list: Seen[]) => list.map((m) => `${m.topic} ${m.payload} q${m.qos}${m.retain ? ' r' : ''}`);

describe('MQTT 5 subscriptions on both brokers', () => {
  it('forwards user properties, payload format, content type, response topic and correlation data intact', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port) => {
      const rx = await connectV5(port, { clientId: 'props-rx' });
      await subscribe(rx.client, 'props/#', { qos: 1 });
      const tx = await connectV5(port, { clientId: 'props-tx' });
      await publish(tx.client, 'props/all', Buffer.from('{"a":1}'), {
        qos: 1,
        properties: {
          payloadFormatIndicator: true,
          contentType: 'application/json',
          responseTopic: 'props/reply',
          correlationData: Buffer.from([0, 1, 2, 255]),
          userProperties: { first: 'one', repeated: ['x', 'y'], ünï: 'cödé' },
        },
      });
      await publish(tx.client, 'props/none', 'plain', { qos: 0 });
      await until(() => rx.seen.length >= 2);
      await Promise.all([end(rx.client), end(tx.client)]);
      return rx.seen;
    });
    expect(ours).toEqual(mosquitto);
    expect(ours[0].properties?.userProperties).toEqual({ first: 'one', repeated: ['x', 'y'], ünï: 'cödé' });
  });

  it('honours no local, retain as published and retain handling 0/1/2', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port) => {
      const tx = await connectV5(port, { clientId: 'opts-tx' });
      await publish(tx.client, 'opts/kept', 'retained', { qos: 1, retain: true });
      const me = await connectV5(port, { clientId: 'opts-me' });
      const granted = [
        ...(await subscribe(me.client, 'opts/local/#', { qos: 1, nl: true })),
        ...(await subscribe(me.client, 'opts/rap/#', { qos: 1, rap: true })),
        ...(await subscribe(me.client, 'opts/norap/#', { qos: 1 })),
      ];
      await publish(me.client, 'opts/local/mine', 'own', { qos: 1 });
      await publish(tx.client, 'opts/local/theirs', 'other', { qos: 1 });
      await publish(tx.client, 'opts/rap/r', 'kept flag', { qos: 1, retain: true });
      await publish(tx.client, 'opts/norap/r', 'cleared flag', { qos: 1, retain: true });
      await until(() => me.seen.length >= 3);
      await sleep(200);
      const live = brief(me.seen);
      // retain handling: 0 sends retained on every SUBSCRIBE, 1 only on a new subscription, 2 never
      const rh = await connectV5(port, { clientId: 'opts-rh' });
      const counts: Record<string, number[]> = {};
      for (const [handling, filter] of [
        [0, 'opts/kept'],
        [1, 'opts/+'],
        [2, 'opts/#'],
      ] as const) {
        counts[`rh${handling}`] = [];
        for (let i = 0; i < 2; i++) {
          const before = rh.seen.length;
          await subscribe(rh.client, filter, { qos: 1, rh: handling });
          await sleep(200);
          counts[`rh${handling}`].push(
            rh.seen.filter((m, n) => n >= before && m.topic === 'opts/kept').length,
          );
        }
      }
      await Promise.all([end(me.client), end(rh.client)]);
      for (const topic of ['opts/kept', 'opts/rap/r', 'opts/norap/r'])
        await publish(tx.client, topic, '', { qos: 1, retain: true });
      await end(tx.client);
      return { granted, live, counts };
    });
    expect(ours).toEqual(mosquitto);
    expect(ours.counts).toEqual({ rh0: [1, 1], rh1: [1, 0], rh2: [0, 0] });
  });

  it('delivers one copy per matching subscription, each with its QoS and subscription identifier', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port) => {
      const rx = await connectV5(port, { clientId: 'overlap-rx' });
      await subscribe(rx.client, 'overlap/#', { qos: 0, properties: { subscriptionIdentifier: 7 } });
      await subscribe(rx.client, 'overlap/+', { qos: 1, properties: { subscriptionIdentifier: 8 } });
      await subscribe(rx.client, 'overlap/a', { qos: 2 });
      await subscribe(rx.client, 'downgrade/+', { qos: 1 });
      const tx = await connectV5(port, { clientId: 'overlap-tx' });
      await publish(tx.client, 'overlap/a', 'three', { qos: 2 });
      await publish(tx.client, 'overlap/b', 'two', { qos: 2 });
      await publish(tx.client, 'downgrade/x', 'granted 1', { qos: 2 });
      await until(() => rx.seen.length >= 6);
      await sleep(200);
      await Promise.all([end(rx.client), end(tx.client)]);
      const order = (a: Seen, b: Seen) => JSON.stringify(a).localeCompare(JSON.stringify(b));
      return [...rx.seen].sort(order);
    });
    expect(ours).toEqual(mosquitto);
    expect(ours).toHaveLength(6);
  });

  it('serves $share/GROUP/FILTER round-robin to 3.1.1 and 5 members alike, each group getting every message', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port) => {
      const url = `mqtt://127.0.0.1:${port}`;
      const tx = await connectV5(port, { clientId: 'share-tx' });
      await publish(tx.client, 'work/retained', 'old', { qos: 1, retain: true });
      const received = (client: MqttClient) => {
        const list: string[] = [];
        client.on('message', (topic, payload, packet) => list.push(`${topic} ${payload} q${packet.qos}`));
        return list;
      };
      const v5a = await connectV5(port, { clientId: 'share-v5a' });
      const v5aSeen = received(v5a.client);
      const grantedA = await subscribe(v5a.client, '$share/workers/work/#', { qos: 1 });
      const v3 = await connectClient(url, { clientId: 'share-v3' });
      const v3Seen = received(v3);
      const grantedB = await subscribe(v3, '$share/workers/work/#', { qos: 2 });
      const other = await connectV5(port, { clientId: 'share-other' });
      const otherSeen = received(other.client);
      await subscribe(other.client, '$share/audit/work/+', { qos: 0 });
      for (let i = 0; i < 4; i++) await publish(tx.client, `work/${i}`, `job${i}`, { qos: 1 });
      await until(() => v5aSeen.length + v3Seen.length >= 4 && otherSeen.length >= 4);
      await sleep(200);
      // a member that leaves the group gets nothing more; the other gets everything
      await new Promise((resolve) => v5a.client.unsubscribe('$share/workers/work/#', resolve));
      await publish(tx.client, 'work/after', 'alone', { qos: 1 });
      await until(() => v3Seen.length >= 3);
      await sleep(200);
      await publish(tx.client, 'work/retained', '', { qos: 1, retain: true });
      await Promise.all([end(v5a.client), end(other.client), end(tx.client)]);
      v3.end(true);
      return {
        granted: [...grantedA, ...grantedB],
        sharedAvailable: v5a.connack.properties?.sharedSubscriptionAvailable,
        v5a: v5aSeen,
        v3: v3Seen,
        other: otherSeen,
      };
    });
    expect(ours).toEqual(mosquitto);
    // each new member gets the retained message; then 4 jobs in turn, the one left alone, the retained clear
    expect(ours.v5a).toEqual(['work/retained old q1', 'work/0 job0 q1', 'work/2 job2 q1']);
    expect(ours.v3.length + ours.v5a.length).toBe(8);
    expect(ours.other).toHaveLength(7);
  });

  it('serves a shared subscription to mosquitto_sub -V mqttv5 as to mqtt.js', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port) => {
      const sub = run(
        'mosquitto_sub',
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-V',
          'mqttv5',
          '-q',
          '1',
          '-t',
          '$share/cli/cli/#',
          '-C',
          '2',
          '-v',
          '-W',
          '8',
        ],
        { timeoutMs: 10_000 },
      );
      const mate = await connectV5(port, { clientId: 'cli-mate' });
      await sleep(600); // mosquitto_sub is subscribed, then the mate joins the group second
      await subscribe(mate.client, '$share/cli/cli/#', { qos: 1 });
      const pub = await run(
        'mosquitto_pub',
        ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv5', '-q', '1', '-t', 'cli/x', '-l'],
        { input: 'one\ntwo\nthree\nfour\n' },
      );
      const result = await sub;
      await until(() => mate.seen.length >= 2);
      await end(mate.client);
      return {
        pub: pub.code,
        sub: result.code,
        subOut: result.stdout.trim().split('\n'),
        mate: brief(mate.seen),
      };
    });
    expect(ours).toEqual(mosquitto);
    expect(ours.subOut).toEqual(['cli/x one', 'cli/x three']);
  });
});
