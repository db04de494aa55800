import { connect as netConnect } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/**
 * Raw MQTT 5 packets for malformed-input tests: written byte by byte because mqtt-packet (rightly) will
 * not generate a duplicate property, a property where the spec forbids it or a bad subscription option.
 */

/** MQTT's Variable Byte Integer (remaining length, property lengths). */
export function varint(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

function utf8(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

/** Fixed header byte + remaining length + body. */
export function packet(first: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([first]), varint(body.length), body]);
}

/** A property list: its length, then the property bytes as given. */
export function props(bytes: number[]): Buffer {
  return Buffer.concat([varint(bytes.length), Buffer.from(bytes)]);
}

export function connect5(clientId: string, propertyBytes: number[] = []): Buffer {
  return packet(
    0x10,
    utf8('MQTT'),
    Buffer.from([5, 0x02, 0, 60]), // level 5, clean start, keep alive 60
    props(propertyBytes),
    utf8(clientId),
  );
}

export function publish5(
  topic: string,
  propertyBytes: number[],
  payload = 'x',
  qos: 0 | 1 | 2 = 0,
  messageId = 1,
): Buffer {
  return packet(
    0x30 | (qos << 1),
    utf8(topic),
    qos ? Buffer.from([messageId >> 8, messageId & 0xff]) : Buffer.alloc(0),
    props(propertyBytes),
    Buffer.from(payload),
  );
}

/** SUBSCRIBE with each filter followed by its raw options byte. */
export function subscribe5(
  messageId: number,
  propertyBytes: number[],
  filters: Array<[string, number]>,
): Buffer {
  return packet(
    0x82,
    Buffer.from([messageId >> 8, messageId & 0xff]),
    props(propertyBytes),
    ...filters.map(([filter, options]) => Buffer.concat([utf8(filter), Buffer.from([options])])),
  );
}

export function unsubscribe5(messageId: number, propertyBytes: number[], filters: string[]): Buffer {
  return packet(
    0xa2,
    Buffer.from([messageId >> 8, messageId & 0xff]),
    props(propertyBytes),
    ...filters.map(utf8),
  );
}

const PINGREQ = Buffer.from([0xc0, 0x00]);

function describePacket(p: Packet): string {
  const code = (p as { reasonCode?: number }).reasonCode;
  const granted = (p as { granted?: number[] }).granted;
  const reasons = (p as { reasonCodes?: number[] }).reasonCodes;
  const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
  switch (p.cmd) {
    case 'suback':
      return `SUBACK ${(granted ?? []).map(hex).join(',')}`;
    case 'unsuback':
      return `UNSUBACK ${(reasons ?? []).map(hex).join(',')}`;
    case 'pingresp':
      return 'PINGRESP';
    default:
      return `${p.cmd.toUpperCase()}${code !== undefined ? ` ${hex(code)}` : ''}`;
  }
}

/**
 * Connect with MQTT 5, send `bytes` after the CONNACK, then a PINGREQ: the broker's answer as one line,
 * e.g. `DISCONNECT 0x81, closed`, `closed`, `SUBACK 0x00 PINGRESP, open` (the PINGRESP proves the
 * connection is alive and still in step). `open` means no close within `ms`.
 */
export function afterConnect(
  port: number,
  bytes: Buffer | Buffer[],
  options: { connectProperties?: number[]; ms?: number; clientId?: string } = {},
): Promise<string> {
  const chunks = Array.isArray(bytes) ? bytes : [bytes];
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1', () =>
      socket.write(connect5(options.clientId ?? 'malformed', options.connectProperties)),
    );
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const seen: string[] = [];
    let connected = false;
    let done = false;
    const finish = (how: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(`${seen.join(' ')}${seen.length ? ', ' : ''}${how}`);
    };
    const timer = setTimeout(() => finish(connected ? 'open' : 'no CONNACK'), options.ms ?? 3000);
    parser.on('packet', (p: Packet) => {
      if (!connected && p.cmd === 'connack') {
        connected = true;
        for (const chunk of chunks) socket.write(chunk);
        // the PINGREQ a little later, so a broker that reads the packets one by one has answered the first
        setTimeout(() => socket.writable && socket.write(PINGREQ), 200);
        return;
      }
      seen.push(describePacket(p));
      if (p.cmd === 'pingresp') finish('open');
    });
    parser.on('error', (error: Error) => seen.push(`unparsable answer (${error.message})`));
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => finish('closed'));
  });
}
