/**
 * Minimal DER (ASN.1 Distinguished Encoding Rules) encoder and strict reader. Certificates, CRLs,
 * CSRs and PKCS#12 are built and read with it, so every byte we write is under our control.
 */

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

// Universal tags.
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
} as const;

// ---------------------------------------------------------------------------------------------- encoder

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A TLV with the given single-byte tag. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

export function seq(...items: Buffer[]): Buffer {
  return tlv(TAG.SEQUENCE, Buffer.concat(items));
}

/** SET OF, with elements sorted as DER requires. */
export function setOf(...items: Buffer[]): Buffer {
  return tlv(TAG.SET, Buffer.concat([...items].sort(Buffer.compare)));
}

/** An INTEGER from unsigned big-endian bytes, a bigint or a number (non-negative). */
export function int(value: Buffer | bigint | number): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    bytes = value.subarray(start);
    if (bytes.length === 0) bytes = Buffer.from([0]);
  } else {
    let hex = BigInt(value).toString(16);
    if (hex.length % 2) hex = '0' + hex;
    bytes = Buffer.from(hex, 'hex');
  }
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.INTEGER, bytes);
}

export function bool(value: boolean): Buffer {
  return tlv(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0]));
}

export function nullValue(): Buffer {
  return Buffer.from([TAG.NULL, 0]);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map((p) => BigInt(p));
  if (parts.length < 2) throw new DerError(`bad OID ${dotted}`);
  const arcs = [parts[0]! * 40n + parts[1]!, ...parts.slice(2)];
  const bytes: number[] = [];
  for (const arc of arcs) {
    const chunk: number[] = [];
    let n = arc;
    do {
      chunk.unshift(Number(n & 0x7fn));
      n >>= 7n;
    } while (n > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    bytes.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(bytes));
}

export function octetString(content: Buffer): Buffer {
  return tlv(TAG.OCTET_STRING, content);
}

export function bitString(content: Buffer, unusedBits = 0): Buffer {
  return tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), content]));
}

export function utf8String(text: string): Buffer {
  return tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));
}

export function printableString(text: string): Buffer {
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

export function ia5String(text: string): Buffer {
  return tlv(TAG.IA5_STRING, Buffer.from(text, 'latin1'));
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** MMDDhhmmssZ of a UTC date: what UTCTime and GeneralizedTime write after the year. */
function afterYear(date: Date): string {
  return (
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    'Z'
  );
}

/** UTCTime for years 1950–2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) {
    return tlv(TAG.UTC_TIME, Buffer.from(two(year % 100) + afterYear(date), 'latin1'));
  }
  return generalizedTime(date);
}

export function generalizedTime(date: Date): Buffer {
  const text = String(date.getUTCFullYear()).padStart(4, '0') + afterYear(date);
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(text, 'latin1'));
}

/** Context-specific constructed tag [n] wrapping already-encoded content (EXPLICIT). */
export function explicit(n: number, ...inner: Buffer[]): Buffer {
  return tlv(0xa0 | n, Buffer.concat(inner));
}

/** Context-specific primitive tag [n] with raw content (IMPLICIT of a primitive type). */
export function implicitPrimitive(n: number, content: Buffer): Buffer {
  return tlv(0x80 | n, content);
}

/** Context-specific constructed tag [n] with raw content (IMPLICIT of a constructed type). */
export function implicitConstructed(n: number, content: Buffer): Buffer {
  return tlv(0xa0 | n, content);
}

// ----------------------------------------------------------------------------------------------- reader

export interface Der {
  /** The identifier octet (single-byte tags only; high tag numbers are refused). */
  tag: number;
  constructed: boolean;
  /** 0 universal, 1 application, 2 context-specific, 3 private. */
  cls: number;
  /** Tag number within its class. */
  num: number;
  /** The whole TLV. */
  raw: Buffer;
  /** The value octets. */
  content: Buffer;
}

/** Read one TLV at `offset`; returns it and the offset after it. Strict: definite lengths only. */
export function readTlv(buf: Buffer, offset = 0): { node: Der; next: number } {
  if (offset >= buf.length) throw new DerError(`truncated: expected a value at byte ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number at byte ${offset}`);
  let pos = offset + 1;
  if (pos >= buf.length) throw new DerError(`truncated: no length at byte ${pos}`);
  let length = buf[pos++]!;
  if (length === 0x80) throw new DerError(`indefinite length at byte ${pos - 1} (BER, not DER)`);
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count > 4) throw new DerError(`length too large at byte ${pos - 1}`);
    if (pos + count > buf.length) throw new DerError(`truncated length at byte ${pos}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
  }
  const end = pos + length;
  if (end > buf.length) {
    throw new DerError(
      `truncated: a value at byte ${offset} needs ${length} bytes, only ${buf.length - pos} left`,
    );
  }
  return {
    node: {
      tag,
      constructed: (tag & 0x20) !== 0,
      cls: tag >> 6,
      num: tag & 0x1f,
      raw: buf.subarray(offset, end),
      content: buf.subarray(pos, end),
    },
    next: end,
  };
}

/** Parse a buffer that must hold exactly one TLV. */
export function parseDer(buf: Buffer): Der {
  const { node, next } = readTlv(buf, 0);
  if (next !== buf.length) throw new DerError(`${buf.length - next} unexpected bytes after the DER value`);
  return node;
}

/** The TLVs inside a constructed value. */
export function children(node: Der): Der[] {
  if (!node.constructed)
    throw new DerError(`expected a constructed value, found tag 0x${node.tag.toString(16)}`);
  const out: Der[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const { node: child, next } = readTlv(node.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

export function expectTag(node: Der | undefined, tag: number, what: string): Der {
  if (!node) throw new DerError(`missing ${what}`);
  if (node.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  }
  return node;
}

export function readOid(node: Der): string {
  expectTag(node, TAG.OID, 'object identifier');
  const bytes = node.content;
  if (bytes.length === 0) throw new DerError('empty OID');
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) {
    value = (value << 7n) | BigInt(bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) {
      arcs.push(value);
      value = 0n;
    } else if (i === bytes.length - 1) throw new DerError('truncated OID');
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].map(String).join('.');
}

/** INTEGER value as unsigned big-endian bytes with leading zero octets removed (keeps one). */
export function readIntegerBytes(node: Der): Buffer {
  expectTag(node, TAG.INTEGER, 'integer');
  let bytes = node.content;
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return bytes;
}

export function readSmallInt(node: Der): number {
  expectTag(node, TAG.INTEGER, 'integer');
  if (node.content.length > 6) throw new DerError('integer too large');
  let n = 0;
  for (const b of node.content) n = n * 256 + b;
  if (node.content.length > 0 && node.content[0]! & 0x80) n -= 2 ** (8 * node.content.length);
  return n;
}

export function readBoolean(node: Der): boolean {
  expectTag(node, TAG.BOOLEAN, 'boolean');
  return node.content.length > 0 && node.content[0] !== 0;
}

export function readBitString(node: Der): { bytes: Buffer; unused: number } {
  expectTag(node, TAG.BIT_STRING, 'bit string');
  if (node.content.length === 0) throw new DerError('empty bit string');
  return { unused: node.content[0]!, bytes: node.content.subarray(1) };
}

export function readTime(node: Der): Date {
  const text = node.content.toString('latin1');
  let match: RegExpMatchArray | null;
  if (node.tag === TAG.UTC_TIME) {
    match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(text);
    if (!match) throw new DerError(`bad UTCTime ${JSON.stringify(text)}`);
    const yy = Number(match[1]);
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return new Date(
      Date.UTC(
        year,
        Number(match[2]) - 1,
        Number(match[3]),
        Number(match[4]),
        Number(match[5]),
        Number(match[6] ?? 0),
      ),
    );
  }
  if (node.tag === TAG.GENERALIZED_TIME) {
    match = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(text);
    if (!match) throw new DerError(`bad GeneralizedTime ${JSON.stringify(text)}`);
    return new Date(
      Date.UTC(
        Number(match[1]),
        Number(match[2]) - 1,
        Number(match[3]),
        Number(match[4]),
        Number(match[5]),
        Number(match[6]),
      ),
    );
  }
  throw new DerError(`expected a time, found tag 0x${node.tag.toString(16)}`);
}

/** Decode a directory string (UTF8, Printable, IA5, T61 as Latin-1, BMP, Universal). */
export function readString(node: Der): string {
  switch (node.tag) {
    case TAG.UTF8_STRING:
      return node.content.toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.NUMERIC_STRING:
    case TAG.VISIBLE_STRING:
    case TAG.T61_STRING:
      return node.content.toString('latin1');
    case TAG.BMP_STRING: {
      let out = '';
      for (let i = 0; i + 1 < node.content.length; i += 2)
        out += String.fromCharCode(node.content.readUInt16BE(i));
      return out;
    }
    case TAG.UNIVERSAL_STRING: {
      let out = '';
      for (let i = 0; i + 3 < node.content.length; i += 4)
        out += String.fromCodePoint(node.content.readUInt32BE(i));
      return out;
    }
    default:
      return '#' + node.raw.toString('hex');
  }
}
