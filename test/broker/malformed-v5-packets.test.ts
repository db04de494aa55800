import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedTempDir } from '../helpers/tmp.js';
import { connectClient, startPair, type BrokerPair } from './differential.js';
import { afterConnect, packet, publish5, subscribe5, unsubscribe5 } from './malformed-session.js';

const dir = sharedTempDir('mts-malformed-v5-packets-');
let pair: BrokerPair;

beforeAll(async () => {
  pair = await startPair(dir, ([port]) => [`listener ${port} 127.0.0.1`, 'allow_anonymous true', ''].join('\n'));
}, 30_000);

afterAll(async () => {
  await pair?.stop();
});

const CASES: Array<[string, Buffer | Buffer[]]> = [
  ['PUBLISH fine (control)', publish5('a/b', [])],
  ['PUBLISH QoS 1 fine (control)', publish5('a/b', [], 'x', 1)],
  ['PUBLISH unknown property 0x7F', publish5('a/b', [0x7f, 0x00, 0x01])],
  ['PUBLISH duplicate payload format indicator', publish5('a/b', [0x01, 0x00, 0x01, 0x00])],
  ['PUBLISH duplicate message expiry', publish5('a/b', [0x02, 0, 0, 0, 10, 0x02, 0, 0, 0, 20])],
  ['PUBLISH duplicate topic alias', publish5('a/b', [0x23, 0, 1, 0x23, 0, 2])],
  ['PUBLISH duplicate content type', publish5('a/b', [0x03, 0, 1, 0x61, 0x03, 0, 1, 0x62])],
  ['PUBLISH QoS 1 duplicate message expiry', publish5('a/b', [0x02, 0, 0, 0, 10, 0x02, 0, 0, 0, 20], 'x', 1)],
  ['PUBLISH session expiry (not allowed)', publish5('a/b', [0x11, 0, 0, 0, 10])],
  ['PUBLISH subscription identifier from client', publish5('a/b', [0x0b, 0x01])],
  ['PUBLISH receive maximum (not allowed)', publish5('a/b', [0x21, 0, 10])],
  ['PUBLISH topic alias 0', publish5('a/b', [0x23, 0, 0])],
  ['PUBLISH topic alias above maximum', publish5('a/b', [0x23, 0, 11])],
  ['PUBLISH payload format 1 with invalid UTF-8, QoS 1', publish5('a/b', [0x01, 0x01], '\xff\xfe', 1)],
  ['PUBLISH payload format 2', publish5('a/b', [0x01, 0x02])],
  ['PUBLISH property list longer than packet', publish5('a/b', [0x02, 0, 0])],
  ['PUBLISH empty topic without alias', publish5('', [])],
  ['PUBLISH QoS 3', packet(0x36, Buffer.from([0, 1, 0x61, 0, 1, 0]), Buffer.from('x'))],
  ['PUBLISH wildcard topic', publish5('a/+', [])],
  ['SUBSCRIBE fine (control)', subscribe5(1, [], [['a/b', 0x01]])],
  ['SUBSCRIBE reserved option bits', subscribe5(1, [], [['a/b', 0xc1]])],
  ['SUBSCRIBE retain handling 3', subscribe5(1, [], [['a/b', 0x31]])],
  ['SUBSCRIBE QoS 3', subscribe5(1, [], [['a/b', 0x03]])],
  ['SUBSCRIBE duplicate subscription identifier', subscribe5(1, [0x0b, 0x01, 0x0b, 0x02], [['a/b', 0x01]])],
  ['SUBSCRIBE subscription identifier 0', subscribe5(1, [0x0b, 0x00], [['a/b', 0x01]])],
  ['SUBSCRIBE unknown property', subscribe5(1, [0x7f, 0, 1], [['a/b', 0x01]])],
  ['SUBSCRIBE not allowed property (message expiry)', subscribe5(1, [0x02, 0, 0, 0, 1], [['a/b', 0x01]])],
  ['SUBSCRIBE no filters', subscribe5(1, [], [])],
  ['SUBSCRIBE message id 0', subscribe5(0, [], [['a/b', 0x01]])],
  ['SUBSCRIBE wrong fixed-header flags', packet(0x80, Buffer.from([0, 1, 0, 0, 3, 0x61, 0x2f, 0x62, 1]))],
  ['UNSUBSCRIBE fine (control)', unsubscribe5(2, [], ['a/b'])],
  ['UNSUBSCRIBE subscription identifier (not allowed)', unsubscribe5(2, [0x0b, 0x01], ['a/b'])],
  ['UNSUBSCRIBE message expiry (not allowed)', unsubscribe5(2, [0x02, 0, 0, 0, 1], ['a/b'])],
  ['UNSUBSCRIBE unknown property', unsubscribe5(2, [0x7f, 0, 1], ['a/b'])],
  ['UNSUBSCRIBE no filters', unsubscribe5(2, [], [])],
  ['remaining length of 5 bytes', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])],
  ['reserved packet type 0', Buffer.from([0x00, 0x00])],
  ['second CONNECT', Buffer.from([0x10, 0x0d, 0, 4, 0x4d, 0x51, 0x54, 0x54, 5, 2, 0, 60, 0, 0, 0])],
  ['AUTH packet', Buffer.from([0xf0, 0x00])],
  ['DISCONNECT unknown property', packet(0xe0, Buffer.from([0x00]), Buffer.from([3, 0x7f, 0, 1]))],
  ['DISCONNECT session expiry after 0', packet(0xe0, Buffer.from([0x00]), Buffer.from([5, 0x11, 0, 0, 0, 10]))],
];

describe('probe', () => {
  it('prints', async () => {
    for (const [name, bytes] of CASES) {
      const m = await afterConnect(pair.mosquitto.ports[0], bytes);
      const o = await afterConnect(pair.ours.ports[0], bytes);
      console.log(`${m === o ? 'SAME' : 'DIFF'} | ${name} | mosquitto: ${m} | ours: ${o}`);
    }
    const client = await connectClient(`mqtt://127.0.0.1:${pair.ours.ports[0]}`, { protocolVersion: 5 });
    expect(client.connected).toBe(true);
    client.end(true);
  }, 300_000);
});
