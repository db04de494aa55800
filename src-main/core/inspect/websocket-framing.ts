/** The client side of a WebSocket (RFC 6455) just big enough to carry one MQTT CONNECT and read the CONNACK. */
import { createHash, randomBytes } from 'node:crypto';
import { MAX_FRAME_BYTES, PeerMisbehaving, formatBytes } from './peer-limits.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function upgradeRequest(host: string, port: number, path: string): { request: Buffer; key: string } {
  const key = randomBytes(16).toString('base64');
  const hostHeader = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const request = [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostHeader}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Protocol: mqtt',
    '',
    '',
  ].join('\r\n');
  return { request: Buffer.from(request, 'latin1'), key };
}

export interface UpgradeResponse {
  status: number;
  statusLine: string;
  accepted: boolean;
  protocol: string | null;
}

/** Parse the HTTP response to the upgrade once its header block is complete. */
export function parseUpgradeResponse(
  bytes: Buffer,
  key: string,
): { value: UpgradeResponse; consumed: number } | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) {
    if (bytes.length > 16384) throw new Error('HTTP response header too long');
    if (bytes.length >= 5 && !bytes.subarray(0, 5).equals(Buffer.from('HTTP/'))) {
      throw new Error('the server did not answer with HTTP');
    }
    return null;
  }
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = lines[0] ?? '';
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const expected = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  return {
    value: {
      status,
      statusLine,
      accepted: status === 101 && headers.get('sec-websocket-accept') === expected,
      protocol: headers.get('sec-websocket-protocol') ?? null,
    },
    consumed: end + 4,
  };
}

/** A masked binary frame (clients must mask). */
export function binaryFrame(payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x82, 0x80 | length])
      : Buffer.from([0x82, 0x80 | 126, length >> 8, length & 0xff]);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}

/** Read one server frame: its opcode and payload, or null when incomplete. */
export function readFrame(
  bytes: Buffer,
): { value: { opcode: number; payload: Buffer }; consumed: number } | null {
  if (bytes.length < 2) return null;
  const opcode = bytes[0]! & 0x0f;
  const masked = (bytes[1]! & 0x80) !== 0;
  let length = bytes[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return null;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return null;
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  if (length > MAX_FRAME_BYTES) {
    throw new PeerMisbehaving(
      `the server announced a WebSocket frame of ${length} bytes (more than ${formatBytes(MAX_FRAME_BYTES)} is refused)`,
    );
  }
  const maskKey = masked ? bytes.subarray(offset, offset + 4) : null;
  if (masked) offset += 4;
  if (bytes.length < offset + length) return null;
  const payload = Buffer.from(bytes.subarray(offset, offset + length));
  if (maskKey) for (let i = 0; i < payload.length; i++) payload[i]! ^= maskKey[i % 4]!;
  return { value: { opcode, payload }, consumed: offset + length };
}
