/** The two MQTT 3.1.1 packets the probe sends (CONNECT, DISCONNECT) and the one it reads (CONNACK). */

export interface ConnectFields {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveSeconds?: number;
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
  returnCode: number;
}

/** Read a CONNACK from the start of `bytes`: the packet, 'incomplete' (wait for more), or 'not-connack'. */
export function decodeConnack(bytes: Buffer): Connack | 'incomplete' | 'not-connack' {
  if (bytes.length === 0) return 'incomplete';
  if (bytes[0] !== 0x20) return 'not-connack';
  if (bytes.length < 2) return 'incomplete';
  if (bytes[1]! < 2) return 'not-connack';
  if (bytes.length < 4) return 'incomplete';
  return { sessionPresent: (bytes[2]! & 1) === 1, returnCode: bytes[3]! };
}

const RETURN_CODES: Record<number, string> = {
  0: 'connection accepted',
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

export function connackMeaning(returnCode: number): string {
  return RETURN_CODES[returnCode] ?? `return code ${returnCode}`;
}
