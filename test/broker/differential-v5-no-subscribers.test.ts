import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { readableByMosquitto } from '../helpers/mosquitto.js';
import { run } from '../helpers/run.js';
import { connectClient } from './differential.js';
import { pairForFile } from './pair-for-file.js';
import { connectV5, drop, end, onBoth, publish, sleep, subscribe } from './mqtt5-clients.js';

/**
 * PUBACK 0x10 "No matching subscribers", Debian's Mosquitto 2.0.11 as the judge (same conf and ACL file on
 * both brokers, driven at once): an MQTT 5 QoS 1 publish that no subscription matches is acknowledged 0x10,
 * retained or not; QoS 2's PUBREC stays 0x00. Any matching subscription counts — another client's, the
 * publisher's own no-local one, one the ACL will not let read, a disconnected persistent session's, a shared
 * one. A 3.1.1 client gets a plain PUBACK.
 */
const pair = pairForFile(
  'mts-diff-v5-nosub-',
  ([port], dir) =>
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `acl_file ${dir}/acl`, ''].join('\n'),
  {
    prepare: (dir) => {
      // anonymous clients may write everywhere and read the two-level topics: not deny/x/a
      writeFileSync(join(dir, 'acl'), 'pattern write #\ntopic read +/+\n');
      readableByMosquitto(dir);
    },
  },
);

/** The reason code of every PUBACK/PUBREC the client receives, as `puback 16`. */
function ackCodes(client: MqttClient): string[] {
  const codes: string[] = [];
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'puback' || packet.cmd === 'pubrec')
      codes.push(`${packet.cmd} ${'reasonCode' in packet ? (packet.reasonCode ?? 0) : '-'}`);
  });
  return codes;
}

describe('PUBACK 0x10 No matching subscribers', () => {
  it('answers a v5 QoS 1 publish nobody subscribed to with 0x10, as Mosquitto', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port, tag) => {
      const tx = await connectV5(port, { clientId: `nosub-tx-${tag}` });
      const rx = await connectV5(port, { clientId: `nosub-rx-${tag}` });
      const codes = ackCodes(tx.client);
      const outcome: Record<string, string> = {};
      const step = async (name: string, action: () => Promise<unknown>) => {
        codes.length = 0;
        await action();
        await sleep(50);
        outcome[name] = codes.join(',');
      };
      await step('no subscriber', () => publish(tx.client, 'none/a', 'x', { qos: 1 }));
      await step('no subscriber, retained', () =>
        publish(tx.client, 'none/r', 'x', { qos: 1, retain: true }),
      );
      await step('no subscriber, QoS 2', () => publish(tx.client, 'none/b', 'x', { qos: 2 }));
      await step('no subscriber, QoS 0', () => publish(tx.client, 'none/c', 'x', { qos: 0 }));
      await subscribe(rx.client, 'wild/#', { qos: 1 });
      await step('wildcard subscriber', () => publish(tx.client, 'wild/1', 'x', { qos: 1 }));
      await subscribe(rx.client, 'low/a', { qos: 0 });
      await step('QoS 0 subscriber', () => publish(tx.client, 'low/a', 'x', { qos: 1 }));
      await subscribe(tx.client, 'self/a', { qos: 1, nl: true });
      await step('own no-local subscription', () => publish(tx.client, 'self/a', 'x', { qos: 1 }));
      await subscribe(rx.client, 'deny/x/a', { qos: 1 });
      await step('subscriber the ACL will not let read', () =>
        publish(tx.client, 'deny/x/a', 'x', { qos: 1 }),
      );
      await subscribe(rx.client, `$share/g/shared/a`, { qos: 1 });
      await step('shared subscription', () => publish(tx.client, 'shared/a', 'x', { qos: 1 }));
      const away = await connectV5(port, {
        clientId: `nosub-away-${tag}`,
        clean: false,
        properties: { sessionExpiryInterval: 300 },
      });
      await subscribe(away.client, 'away/a', { qos: 1 });
      drop(away.client);
      const gone = await connectV5(port, { clientId: `nosub-gone-${tag}` });
      await subscribe(gone.client, 'gone/a', { qos: 1 });
      await end(gone.client);
      await sleep(100);
      await step('disconnected persistent session', () => publish(tx.client, 'away/a', 'x', { qos: 1 }));
      await step('clean subscriber left', () => publish(tx.client, 'gone/a', 'x', { qos: 1 }));
      await new Promise((resolve) => rx.client.unsubscribe('wild/#', resolve));
      await step('after UNSUBSCRIBE', () => publish(tx.client, 'wild/2', 'x', { qos: 1 }));
      const v3 = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: `nosub-v3-${tag}` });
      const v3codes = ackCodes(v3);
      await new Promise((resolve) => v3.publish('none/v3', 'x', { qos: 1 }, resolve));
      outcome['3.1.1 client, no subscriber'] = v3codes.join(',');
      v3.end(true);
      await Promise.all([end(tx.client), end(rx.client)]);
      return outcome;
    });
    expect(ours).toEqual(mosquitto);
    expect(mosquitto).toEqual({
      'no subscriber': 'puback 16',
      'no subscriber, retained': 'puback 16',
      'no subscriber, QoS 2': 'pubrec 0',
      'no subscriber, QoS 0': '',
      'wildcard subscriber': 'puback 0',
      'QoS 0 subscriber': 'puback 0',
      'own no-local subscription': 'puback 0',
      'subscriber the ACL will not let read': 'puback 0',
      'shared subscription': 'puback 0',
      'disconnected persistent session': 'puback 0',
      'clean subscriber left': 'puback 16',
      'after UNSUBSCRIBE': 'puback 16',
      '3.1.1 client, no subscriber': 'puback -',
    });
  }, 30_000);

  it('tells mosquitto_pub -V mqttv5 the same (its debug output shows the PUBACK reason code)', async () => {
    const [mosquitto, ours] = await onBoth(pair, async (port) => {
      const result = await run(
        'mosquitto_pub',
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-V',
          'mqttv5',
          '-q',
          '1',
          '-r',
          '-t',
          'none/cli',
          '-m',
          'x',
          '-d',
        ],
        { timeoutMs: 10_000 },
      );
      return { code: result.code, puback: /received PUBACK \(Mid: \d+, RC:(\d+)\)/.exec(result.stdout)?.[1] };
    });
    expect(ours).toEqual(mosquitto);
    expect(mosquitto).toEqual({ code: 0, puback: '16' });
  }, 30_000);
});
