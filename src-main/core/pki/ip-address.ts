/** IP address text ↔ the bytes of an iPAddress GeneralName (4 or 16 octets); RFC 5952 text form. */
import { isIP } from 'node:net';

/** The 4 or 16 bytes of an address; throws a message naming the text when it is not an address. */
export function ipBytes(address: string): Buffer {
  const version = isIP(address);
  if (version === 4) return Buffer.from(address.split('.').map(Number));
  if (version === 6) {
    let text = address;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
      const b = v4[1]!.split('.').map(Number);
      text =
        text.slice(0, -v4[1]!.length) +
        ((b[0]! << 8) | b[1]!).toString(16) +
        ':' +
        ((b[2]! << 8) | b[3]!).toString(16);
    }
    const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
    const headParts = head ? head.split(':') : [];
    const tailParts = tail ? tail.split(':') : [];
    const fill = tail === undefined ? [] : new Array(8 - headParts.length - tailParts.length).fill('0');
    const groups = [...headParts, ...fill, ...tailParts];
    const out = Buffer.alloc(16);
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
    return out;
  }
  throw new Error(`"${address}" is not an IP address`);
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return '#' + Buffer.from(bytes).toString('hex');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(view.readUInt16BE(i));
  // Longest run of zeros (length ≥ 2) becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':');
}
