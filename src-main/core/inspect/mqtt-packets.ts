/**
 * The packets the probe sends (CONNECT, DISCONNECT) and the one it reads (CONNACK). MQTT 3.1.1 is written
 * by hand below (three fixed packets); MQTT 5, with its properties, goes through mqtt-packet.
 */
import mqttPacket from 'mqtt-packet';

export interface ConnectFields {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveSeconds?: number;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
}

function utf8Field(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 0xffff) throw new RangeError('MQTT string longer than 65535 bytes');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

export function encodeConnect(fields: ConnectFields): Buffer {
  if (fields.protocolVersion === 5) {
    return mqttPacket.generate(
      {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clean: true,
        clientId: fields.clientId,
        keepalive: fields.keepaliveSeconds ?? 30,
        ...(fields.username !== undefined ? { username: fields.username } : {}),
        ...(fields.password !== undefined ? { password: Buffer.from(fields.password, 'utf8') } : {}),
        // ask for the reason string and user properties on a refusal [MQTT-3.1.2-28]
        properties: { requestProblemInformation: true },
      },
      { protocolVersion: 5 },
    );
  }
  let flags = 0x02; // clean session
  const payload = [utf8Field(fields.clientId)];
  if (fields.username !== undefined) {
    flags |= 0x80;
    payload.push(utf8Field(fields.username));
  }
  if (fields.password !== undefined) {
    flags |= 0x40;
    payload.push(utf8Field(fields.password));
  }
  const keepalive = fields.keepaliveSeconds ?? 30;
  const variableHeader = Buffer.concat([
    utf8Field('MQTT'),
    Buffer.from([4, flags, keepalive >> 8, keepalive & 0xff]),
  ]);
  const body = Buffer.concat([variableHeader, ...payload]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

export const DISCONNECT = Buffer.from([0xe0, 0x00]);

export interface Connack {
  sessionPresent: boolean;
  /** The CONNACK's code: a 3.1.1 return code, or (MQTT 5) the reason code. */
  returnCode: number;
  /** Bytes the CONNACK took, when not the 4 of MQTT 3.1.1. */
  length?: number;
  /** MQTT 5: the Reason String the broker sent with it. */
  reasonString?: string;
  /** MQTT 5: the other properties of the CONNACK (names as mqtt-packet gives them). */
  properties?: Record<string, unknown>;
}

/** A CONNACK of MQTT 5 is at most this long here (a Reason String and a few properties): a bound on waiting. */
const MAX_CONNACK_V5 = 65_536;

/**
 * Read a CONNACK from the start of `bytes`: the packet, 'incomplete' (wait for more), or 'not-connack'.
 * MQTT 5's CONNACK carries properties, so its length comes from the remaining-length field.
 */
export function decodeConnack(
  bytes: Buffer,
  protocolVersion: 4 | 5 = 4,
): Connack | 'incomplete' | 'not-connack' {
  if (bytes.length === 0) return 'incomplete';
  if (bytes[0] !== 0x20) return 'not-connack';
  if (protocolVersion === 5) return decodeConnackV5(bytes);
  if (bytes.length < 2) return 'incomplete';
  if (bytes[1]! < 2) return 'not-connack';
  if (bytes.length < 4) return 'incomplete';
  return { sessionPresent: (bytes[2]! & 1) === 1, returnCode: bytes[3]! };
}

function decodeConnackV5(bytes: Buffer): Connack | 'incomplete' | 'not-connack' {
  let remaining = 0;
  let multiplier = 1;
  let index = 1;
  for (;;) {
    if (index >= bytes.length) return 'incomplete';
    const byte = bytes[index++]!;
    remaining += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
    if (index > 4) return 'not-connack';
  }
  if (remaining < 2 || remaining > MAX_CONNACK_V5) return 'not-connack';
  const length = index + remaining;
  if (bytes.length < length) return 'incomplete';
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  let packet: mqttPacket.IConnackPacket | undefined;
  let failed = false;
  parser.on('packet', (p: mqttPacket.Packet) => {
    if (p.cmd === 'connack') packet = p;
  });
  parser.on('error', () => (failed = true));
  parser.parse(bytes.subarray(0, length));
  if (failed || !packet) return 'not-connack';
  const { reasonString, ...rest } = packet.properties ?? {};
  return {
    sessionPresent: packet.sessionPresent,
    returnCode: packet.reasonCode ?? 0,
    length,
    ...(reasonString !== undefined ? { reasonString } : {}),
    ...(Object.keys(rest).length ? { properties: rest as Record<string, unknown> } : {}),
  };
}

export { connackCode, connackMeaning } from './connack-codes.js';
