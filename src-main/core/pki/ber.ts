/**
 * BER → definite-length encoding, for PKCS#12 files from Windows, Java and other tools that use
 * indefinite lengths and constructed OCTET STRINGs. The result reads with the strict DER reader;
 * content octets are unchanged, so MACs computed over them still verify.
 */
import { DerError, tlv } from './der.js';

const CONSTRUCTED_STRINGS = new Set([0x23, 0x24, 0x2c, 0x33, 0x34, 0x36]);

function readHeader(buf: Buffer, offset: number): { tag: number; length: number | null; headerEnd: number } {
  if (offset + 2 > buf.length) throw new DerError(`truncated at byte ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number at byte ${offset}`);
  let pos = offset + 1;
  const first = buf[pos++]!;
  if (first === 0x80) return { tag, length: null, headerEnd: pos };
  if (!(first & 0x80)) return { tag, length: first, headerEnd: pos };
  const count = first & 0x7f;
  if (count > 4 || pos + count > buf.length) throw new DerError(`bad length at byte ${pos - 1}`);
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
  return { tag, length, headerEnd: pos };
}

/** Normalise one element at `offset`; returns the re-encoded element and the offset after it. */
function normalise(buf: Buffer, offset: number, depth: number): { out: Buffer; next: number } {
  if (depth > 64) throw new DerError('nesting too deep');
  const { tag, length, headerEnd } = readHeader(buf, offset);
  const constructed = (tag & 0x20) !== 0;
  if (!constructed) {
    if (length === null) throw new DerError(`indefinite length on a primitive value at byte ${offset}`);
    const end = headerEnd + length;
    if (end > buf.length) throw new DerError(`truncated: a value at byte ${offset} runs past the end`);
    return { out: tlv(tag, buf.subarray(headerEnd, end)), next: end };
  }
  const parts: Buffer[] = [];
  let pos = headerEnd;
  const end = length === null ? buf.length : headerEnd + length;
  if (end > buf.length) throw new DerError(`truncated: a value at byte ${offset} runs past the end`);
  for (;;) {
    if (length === null) {
      if (pos + 2 > buf.length) throw new DerError('truncated: missing end-of-contents');
      if (buf[pos] === 0 && buf[pos + 1] === 0) {
        pos += 2;
        break;
      }
    } else if (pos >= end) break;
    const child = normalise(buf, pos, depth + 1);
    parts.push(child.out);
    pos = child.next;
  }
  if (CONSTRUCTED_STRINGS.has(tag)) {
    // A constructed string is the concatenation of its primitive pieces.
    const content = Buffer.concat(parts.map((p) => p.subarray(readHeader(p, 0).headerEnd)));
    return { out: tlv(tag & ~0x20, content), next: pos };
  }
  return { out: tlv(tag, Buffer.concat(parts)), next: pos };
}

export function berToDer(buf: Buffer): Buffer {
  const { out, next } = normalise(buf, 0, 0);
  if (next !== buf.length) throw new DerError(`${buf.length - next} unexpected bytes after the value`);
  return out;
}
