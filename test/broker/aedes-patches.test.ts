import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBareAedes, type BareAedes } from '../helpers/bare-aedes.js';
import { rawConnect5 } from './raw-mqtt.js';

/**
 * Patches of aedes (patches/) whose defect our broker's own settings never show, tested on a bare aedes with
 * the hook that shows it. (The others are tested against Mosquitto in differential-mqtt5-*.test.ts.)
 */
let bare: BareAedes;
let port: number;

beforeAll(async () => {
  bare = await startBareAedes({
    // a refused publish: aedes answers an MQTT 5 client with PUBACK 0x87 and this message as Reason String
    authorizePublish(_client, packet, callback) {
      callback(
        packet.topic === 'refused' ? new Error('not allowed to publish to this topic, says the hook') : null,
      );
    },
  });
  port = bare.port;
});

afterAll(() => bare.close());

describe('aedes patches', () => {
  it("leaves the Reason String out of an ack that would exceed the client's Maximum Packet Size (#1125)", async () => {
    const roomy = await rawConnect5(port, 'roomy', { maximumPacketSize: 1000 });
    const tight = await rawConnect5(port, 'tight', { maximumPacketSize: 20 });
    const answers = [];
    for (const { raw } of [roomy, tight]) {
      raw.send({
        cmd: 'publish',
        topic: 'refused',
        payload: 'x',
        qos: 1,
        messageId: 7,
        dup: false,
        retain: false,
      });
      const ack = (await raw.next((p) => p.cmd === 'puback')) as
        (Packet & { reasonCode?: number; properties?: { reasonString?: string } }) | undefined;
      answers.push({
        reasonCode: ack?.reasonCode,
        reasonString: ack?.properties?.reasonString,
        open: !raw.closed(),
      });
      raw.close();
    }
    expect(answers).toEqual([
      { reasonCode: 0x87, reasonString: 'not allowed to publish to this topic, says the hook', open: true },
      { reasonCode: 0x87, reasonString: undefined, open: true },
    ]);
  });
});
