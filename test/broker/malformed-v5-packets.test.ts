import { describe, expect, it } from 'vitest';
import { connectClient } from './differential.js';
import { pairForFile } from './pair-for-file.js';
import { afterConnect, packet, publish5, subscribe5, unsubscribe5 } from './malformed-session.js';

/**
 * Malformed MQTT 5 packets AFTER a successful CONNECT, raw bytes, against Debian's Mosquitto 2.0.11 and our
 * broker with the same conf. Each case: what each broker answers (e.g. `DISCONNECT 0x81, closed`), then a
 * PINGREQ proves a connection that stayed open is still in step. Where ours differs from Mosquitto the
 * case says why (the spec over a Mosquitto quirk); every case then checks that ours keeps serving.
 *
 * Fixed here (each case failed before its patch): patches/aedes+…+020 (a DISCONNECT with 0x81 Malformed
 * Packet / 0x82 Protocol Error before the close, as Mosquitto; aedes just closed), mqtt-packet+…+020
 * (a property not allowed in that packet was accepted), +021 (SUBSCRIBE/UNSUBSCRIBE without a topic
 * filter was accepted), +022 (Packet Identifier 0 was accepted).
 */
const pair = pairForFile('mts-malformed-v5-packets-');

const OPEN = 'PINGRESP, open';
const MALFORMED = 'DISCONNECT 0x81, closed';
const PROTOCOL = 'DISCONNECT 0x82, closed';

interface Case {
  name: string;
  bytes: Buffer;
  mosquitto: string;
  /** Ours, when it differs from Mosquitto: the outcome and why. */
  ours?: [string, string];
}

const DUPLICATE_WHY =
  'a duplicate property is a Protocol Error; Mosquitto closes without a word, we send the DISCONNECT the spec asks for (4.13: SHOULD)';

const CASES: Case[] = [
  { name: 'PUBLISH well-formed (control)', bytes: publish5('a/b', []), mosquitto: OPEN },
  {
    name: 'PUBLISH QoS 1 well-formed (control)',
    bytes: publish5('a/b', [], 'x', 1),
    mosquitto: `PUBACK 0x10 ${OPEN}`,
  },
  { name: 'PUBLISH unknown property 0x7F', bytes: publish5('a/b', [0x7f, 0x00, 0x01]), mosquitto: MALFORMED },
  {
    name: 'PUBLISH Payload Format Indicator twice',
    bytes: publish5('a/b', [0x01, 0x00, 0x01, 0x00]),
    mosquitto: 'closed',
    ours: [MALFORMED, DUPLICATE_WHY],
  },
  {
    name: 'PUBLISH QoS 1 Message Expiry Interval twice',
    bytes: publish5('a/b', [0x02, 0, 0, 0, 10, 0x02, 0, 0, 0, 20], 'x', 1),
    mosquitto: 'closed',
    ours: [MALFORMED, DUPLICATE_WHY],
  },
  {
    name: 'PUBLISH Topic Alias twice',
    bytes: publish5('a/b', [0x23, 0, 1, 0x23, 0, 2]),
    mosquitto: 'closed',
    ours: [MALFORMED, DUPLICATE_WHY],
  },
  {
    name: 'PUBLISH Session Expiry Interval (not allowed in PUBLISH)',
    bytes: publish5('a/b', [0x11, 0, 0, 0, 10]),
    mosquitto: MALFORMED,
  },
  {
    name: 'PUBLISH Receive Maximum (not allowed in PUBLISH)',
    bytes: publish5('a/b', [0x21, 0, 10]),
    mosquitto: MALFORMED,
  },
  {
    name: 'PUBLISH Subscription Identifier from the client (ignored by both)',
    bytes: publish5('a/b', [0x0b, 0x01]),
    mosquitto: OPEN,
  },
  {
    name: 'PUBLISH Topic Alias 0',
    bytes: publish5('a/b', [0x23, 0, 0]),
    mosquitto: MALFORMED,
    ours: ['DISCONNECT 0x94, closed', 'the spec names 0x94 Topic Alias invalid for alias 0 (3.3.2.3.4)'],
  },
  {
    name: 'PUBLISH Topic Alias above the maximum (10)',
    bytes: publish5('a/b', [0x23, 0, 11]),
    mosquitto: 'DISCONNECT 0x94, closed',
  },
  {
    name: 'PUBLISH property list longer than the packet',
    bytes: publish5('a/b', [0x02, 0, 0]),
    mosquitto: MALFORMED,
  },
  { name: 'PUBLISH empty topic without alias', bytes: publish5('', []), mosquitto: PROTOCOL },
  {
    name: 'PUBLISH QoS 3',
    bytes: packet(0x36, Buffer.from([0, 1, 0x61, 0, 1, 0]), Buffer.from('x')),
    mosquitto: MALFORMED,
  },
  { name: 'PUBLISH wildcard in the topic', bytes: publish5('a/+', []), mosquitto: PROTOCOL },
  {
    name: 'PUBLISH QoS 1 Packet Identifier 0',
    bytes: publish5('a/b', [], 'x', 1, 0),
    mosquitto: PROTOCOL,
    ours: [MALFORMED, 'mqtt-packet refuses the packet while decoding it (both close with a reason)'],
  },
  {
    name: 'PUBLISH wildcard in the Response Topic',
    bytes: publish5('a/b', [0x08, 0, 1, 0x23]),
    mosquitto: OPEN,
    ours: [
      PROTOCOL,
      'a Response Topic must not contain wildcards [MQTT-3.3.2-14]; Mosquitto 2.0.11 forwards it',
    ],
  },
  {
    name: 'SUBSCRIBE well-formed (control)',
    bytes: subscribe5(1, [], [['a/b', 0x01]]),
    mosquitto: `SUBACK 0x01 ${OPEN}`,
  },
  {
    name: 'SUBSCRIBE reserved bits in the subscription options',
    bytes: subscribe5(1, [], [['a/b', 0xc1]]),
    mosquitto: MALFORMED,
  },
  { name: 'SUBSCRIBE Retain Handling 3', bytes: subscribe5(1, [], [['a/b', 0x31]]), mosquitto: MALFORMED },
  { name: 'SUBSCRIBE QoS 3', bytes: subscribe5(1, [], [['a/b', 0x03]]), mosquitto: MALFORMED },
  {
    name: 'SUBSCRIBE Subscription Identifier twice',
    bytes: subscribe5(1, [0x0b, 0x01, 0x0b, 0x02], [['a/b', 0x01]]),
    mosquitto: 'closed',
    ours: [MALFORMED, DUPLICATE_WHY],
  },
  {
    name: 'SUBSCRIBE Subscription Identifier 0',
    bytes: subscribe5(1, [0x0b, 0x00], [['a/b', 0x01]]),
    mosquitto: MALFORMED,
    ours: [PROTOCOL, 'the spec calls identifier 0 a Protocol Error (3.8.2.1.2)'],
  },
  {
    name: 'SUBSCRIBE unknown property',
    bytes: subscribe5(1, [0x7f, 0, 1], [['a/b', 0x01]]),
    mosquitto: MALFORMED,
  },
  {
    name: 'SUBSCRIBE Message Expiry Interval (not allowed in SUBSCRIBE)',
    bytes: subscribe5(1, [0x02, 0, 0, 0, 1], [['a/b', 0x01]]),
    mosquitto: MALFORMED,
  },
  { name: 'SUBSCRIBE without a topic filter', bytes: subscribe5(1, [], []), mosquitto: MALFORMED },
  { name: 'SUBSCRIBE Packet Identifier 0', bytes: subscribe5(0, [], [['a/b', 0x01]]), mosquitto: MALFORMED },
  {
    name: 'SUBSCRIBE with fixed-header flags 0000',
    bytes: packet(0x80, Buffer.from([0, 1, 0, 0, 3, 0x61, 0x2f, 0x62, 1])),
    mosquitto: MALFORMED,
  },
  {
    name: 'UNSUBSCRIBE well-formed (control)',
    bytes: unsubscribe5(2, [], ['a/b']),
    mosquitto: `UNSUBACK  ${OPEN}`,
  },
  {
    name: 'UNSUBSCRIBE Subscription Identifier (not allowed in UNSUBSCRIBE)',
    bytes: unsubscribe5(2, [0x0b, 0x01], ['a/b']),
    mosquitto: MALFORMED,
  },
  {
    name: 'UNSUBSCRIBE Message Expiry Interval (not allowed in UNSUBSCRIBE)',
    bytes: unsubscribe5(2, [0x02, 0, 0, 0, 1], ['a/b']),
    mosquitto: MALFORMED,
  },
  {
    name: 'UNSUBSCRIBE unknown property',
    bytes: unsubscribe5(2, [0x7f, 0, 1], ['a/b']),
    mosquitto: MALFORMED,
  },
  { name: 'UNSUBSCRIBE without a topic filter', bytes: unsubscribe5(2, [], []), mosquitto: MALFORMED },
  {
    name: 'remaining length in 5 bytes (over the 4-byte maximum)',
    bytes: Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
    mosquitto: 'closed',
    ours: [MALFORMED, 'an oversize Remaining Length is a Malformed Packet; we say so before closing'],
  },
  {
    name: 'reserved packet type 0',
    bytes: Buffer.from([0x00, 0x00]),
    mosquitto: PROTOCOL,
    ours: [MALFORMED, 'mqtt-packet refuses the packet while decoding it (both close with a reason)'],
  },
  {
    name: 'a second CONNECT',
    bytes: Buffer.from([0x10, 0x0d, 0, 4, 0x4d, 0x51, 0x54, 0x54, 5, 2, 0, 60, 0, 0, 0]),
    mosquitto: 'closed',
  },
  {
    name: 'AUTH without enhanced authentication',
    bytes: Buffer.from([0xf0, 0x00]),
    mosquitto: 'closed',
    ours: [
      MALFORMED,
      'an AUTH when no authentication method was agreed is a Protocol Error; both close (mqtt-packet refuses this empty AUTH while decoding it)',
    ],
  },
  {
    name: 'DISCONNECT with an unknown property',
    bytes: packet(0xe0, Buffer.from([0x00]), Buffer.from([3, 0x7f, 0, 1])),
    mosquitto: 'closed',
    ours: [MALFORMED, 'both close; we name the reason'],
  },
  {
    name: 'DISCONNECT setting a Session Expiry Interval after CONNECT said 0',
    bytes: packet(0xe0, Buffer.from([0x00]), Buffer.from([5, 0x11, 0, 0, 0, 10])),
    mosquitto: PROTOCOL,
  },
];

describe('malformed MQTT 5 packets after CONNECT', () => {
  it('each broker answers as recorded (Mosquitto as the judge); ours keeps serving', async () => {
    const seen = [];
    const expected = [];
    for (const c of CASES) {
      const mosquitto = await afterConnect(pair.mosquitto.ports[0], c.bytes);
      const ours = await afterConnect(pair.ours.ports[0], c.bytes);
      seen.push({ name: c.name, mosquitto, ours });
      expected.push({ name: c.name, mosquitto: c.mosquitto, ours: c.ours?.[0] ?? c.mosquitto });
    }
    expect(seen).toEqual(expected);
    // every differing case states its reason
    for (const c of CASES) if (c.ours) expect(c.ours[1].length).toBeGreaterThan(10);
    const client = await connectClient(`mqtt://127.0.0.1:${pair.ours.ports[0]}`, { protocolVersion: 5 });
    expect(client.connected).toBe(true);
    client.end(true);
  }, 120_000);
});
