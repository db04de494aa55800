import { connect as netConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectClient } from './differential.js';
import { pairForFile } from './pair-for-file.js';

/**
 * Malformed MQTT 5 CONNECTs, raw bytes, against Debian's Mosquitto 2.0.11 and our broker with the same conf:
 * both close the connection without a CONNACK, and ours keeps serving (a duplicate property crashed it
 * before patches/mqtt-packet+9.0.2+001: mqtt-packet turned the value into an array and aedes threw on it).
 */
const pair = pairForFile('mts-malformed-v5-');

/** A v5 CONNECT (clean start, keep-alive 60, client id "mal") with these property bytes. */
function connectWith(properties: number[]): Buffer {
  const id = Buffer.from('mal');
  const body = Buffer.concat([
    Buffer.from([0, 4]),
    Buffer.from('MQTT'),
    Buffer.from([5, 0x02, 0, 60, properties.length]),
    Buffer.from(properties),
    Buffer.from([0, id.length]),
    id,
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/** Send the bytes; what came back before the broker closed ('closed' alone when nothing did). */
function answer(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1', () => socket.write(bytes));
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`still open after 3 s, got ${data.toString('hex') || 'nothing'}`);
    }, 3000);
    socket.on('data', (chunk: Buffer) => (data = Buffer.concat([data, chunk])));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data.length ? `closed after ${data.toString('hex')}` : 'closed');
    });
  });
}

const CASES: Array<[string, number[]]> = [
  ['unknown property (0x7F)', [0x7f, 0x00, 0x01]],
  ['duplicate property (Session Expiry Interval twice)', [0x11, 0, 0, 0, 10, 0x11, 0, 0, 0, 20]],
  ['duplicate property (Receive Maximum twice)', [0x21, 0, 10, 0x21, 0, 20]],
  ['property not allowed in CONNECT (Topic Alias)', [0x23, 0x00, 0x01]],
  ['property longer than the property list', [0x11]],
];

describe('malformed MQTT 5 CONNECT', () => {
  it('both brokers close the connection without a CONNACK; ours keeps serving', async () => {
    for (const [name, properties] of CASES) {
      const bytes = connectWith(properties);
      const outcome = {
        name,
        mosquitto: await answer(pair.mosquitto.ports[0], bytes),
        ours: await answer(pair.ours.ports[0], bytes),
      };
      expect(outcome).toEqual({ name, mosquitto: 'closed', ours: 'closed' });
    }
    const client = await connectClient(`mqtt://127.0.0.1:${pair.ours.ports[0]}`, { protocolVersion: 5 });
    expect(client.connected).toBe(true);
    client.end(true);
    const refusals = pair.ours.events.filter((e) => e.kind === 'refused');
    expect(refusals.map((e) => e.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/Duplicate property: sessionExpiryInterval/)]),
    );
  }, 60_000);
});
