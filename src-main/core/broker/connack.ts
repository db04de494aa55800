import type { Duplex } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { connackReasonCode } from './reason-codes.js';

/**
 * The CONNACK that refuses a CONNECT, in the client's protocol: MQTT 3.1/3.1.1 get the return code; MQTT 5
 * gets the matching reason code (connackReasonCode) and, when `reasonString` is given, our plain-words reason
 * as the Reason String property — dropped when it would make the packet larger than the client's Maximum
 * Packet Size [MQTT-3.1.2-25].
 */
export function refusalConnack(
  protocolVersion: number,
  returnCode: number,
  reasonString?: string,
  clientMaximumPacketSize?: number,
): Buffer {
  if (protocolVersion !== 5) {
    return mqttPacket.generate(
      { cmd: 'connack', returnCode, sessionPresent: false },
      { protocolVersion: protocolVersion === 3 ? 3 : 4 },
    );
  }
  const reasonCode = connackReasonCode(returnCode);
  const bare = (): Buffer =>
    mqttPacket.generate({ cmd: 'connack', reasonCode, sessionPresent: false }, { protocolVersion: 5 });
  if (!reasonString) return bare();
  const packet = mqttPacket.generate(
    { cmd: 'connack', reasonCode, sessionPresent: false, properties: { reasonString } },
    { protocolVersion: 5 },
  );
  if (clientMaximumPacketSize !== undefined && packet.length > clientMaximumPacketSize) return bare();
  return packet;
}

/** Write the refusal and call back once it is on the wire (or the socket failed). */
export function sendRefusal(conn: Duplex, connack: Buffer, done: () => void): void {
  if (conn.destroyed || !conn.writable) {
    done();
    return;
  }
  conn.write(connack, () => done());
}
