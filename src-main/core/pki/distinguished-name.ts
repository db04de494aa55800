/**
 * X.501 distinguished names: encode, decode, and print exactly as OpenSSL's
 * `X509_NAME_print_ex(..., XN_FLAG_RFC2253)` does — the string Mosquitto uses for
 * `use_subject_as_username` and `openssl x509 -noout -subject -nameopt RFC2253` prints.
 */
import { decodeAs } from './asn1-decode.js';
import { nameSchema, type NameValue, type RawName } from './name-schema.js';
import { NAME_ATTRIBUTES, OID } from './oids.js';
import type { DistinguishedName, NameAttribute } from './types.js';

/** Universal tags of the values a name attribute holds: the printer picks OpenSSL's character width per tag (tag2nbyte), which no library exposes. */
const TAG = {
  UTF8_STRING: 0x0c,
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

interface RawAttribute {
  oid: string;
  value: NameValue;
  rdn: number;
}

function rawAttributes(name: RawName): RawAttribute[] {
  const out: RawAttribute[] = [];
  name.forEach((rdn, index) => {
    for (const atv of rdn) out.push({ oid: atv.type, value: atv.value, rdn: index });
  });
  return out;
}

/** A directory string's text (UTF8, Printable, IA5, T61 as Latin-1, BMP, Universal); else `#hex`. */
function valueText(value: NameValue): string {
  const bytes = value.content;
  switch (value.tag) {
    case TAG.UTF8_STRING:
      return bytes.toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.NUMERIC_STRING:
    case TAG.VISIBLE_STRING:
    case TAG.T61_STRING:
      return bytes.toString('latin1');
    case TAG.BMP_STRING: {
      let out = '';
      for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode(bytes.readUInt16BE(i));
      return out;
    }
    case TAG.UNIVERSAL_STRING: {
      let out = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) {
        const point = bytes.readUInt32BE(i);
        out += point <= 0x10ffff ? String.fromCodePoint(point) : '\uFFFD';
      }
      return out;
    }
    default:
      return '#' + value.raw.toString('hex');
  }
}

// OpenSSL crypto/asn1/charmap.h, the bits used with XN_FLAG_RFC2253.
const ESC_2253 = 1;
const ESC_CTRL = 2;
const FIRST_ESC = 0x20;
const LAST_ESC = 0x40;

function charType(c: number): number {
  if (c < 0x20 || c === 0x7f) return ESC_CTRL;
  switch (c) {
    case 0x20: // space: first or last
      return FIRST_ESC | LAST_ESC;
    case 0x23: // '#': first only
      return FIRST_ESC;
    case 0x22: // "
    case 0x2b: // +
    case 0x2c: // ,
    case 0x3b: // ;
    case 0x3c: // <
    case 0x3e: // >
    case 0x5c: // backslash
      return ESC_2253;
    default:
      return 0;
  }
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** do_esc_char() for one byte with ESC_2253 | ESC_CTRL | ESC_MSB. */
function escapeByte(c: number, position: number): string {
  if (c > 0x7f) return '\\' + hex2(c);
  const type = charType(c) & (ESC_2253 | ESC_CTRL | position);
  if (type & (ESC_2253 | FIRST_ESC | LAST_ESC)) return '\\' + String.fromCharCode(c);
  if (type & ESC_CTRL) return '\\' + hex2(c);
  return String.fromCharCode(c);
}

/** Code points of a string value as OpenSSL's do_buf() walks them (tag2nbyte widths). */
function valueUnits(value: NameValue): number[] | undefined {
  const bytes = value.content;
  switch (value.tag) {
    case TAG.UTF8_STRING: // with UTF8_CONVERT, UTF-8 is walked byte by byte
    case TAG.NUMERIC_STRING:
    case TAG.PRINTABLE_STRING:
    case TAG.T61_STRING:
    case TAG.IA5_STRING:
    case TAG.UTC_TIME:
    case TAG.GENERALIZED_TIME:
    case TAG.VISIBLE_STRING:
      return [...bytes];
    case TAG.BMP_STRING: {
      if (bytes.length % 2) return undefined;
      const out: number[] = [];
      for (let i = 0; i < bytes.length; i += 2) out.push(bytes.readUInt16BE(i));
      return out;
    }
    case TAG.UNIVERSAL_STRING: {
      if (bytes.length % 4) return undefined;
      const out: number[] = [];
      for (let i = 0; i < bytes.length; i += 4) out.push(bytes.readUInt32BE(i));
      return out;
    }
    default:
      return undefined;
  }
}

function utf8Bytes(codePoint: number): number[] {
  if (codePoint < 0x80) return [codePoint];
  return [...Buffer.from(String.fromCodePoint(codePoint), 'utf8')];
}

/** One attribute value printed as with ASN1_STRFLGS_RFC2253. */
function rfc2253Value(value: NameValue, dumpAll: boolean): string {
  const units = dumpAll ? undefined : valueUnits(value);
  if (!units) return '#' + value.raw.toString('hex').toUpperCase();
  const isUtf8 = value.tag === TAG.UTF8_STRING;
  let out = '';
  units.forEach((unit, index) => {
    let position = 0;
    if (index === 0) position = FIRST_ESC;
    if (index === units.length - 1) position = LAST_ESC; // OpenSSL overwrites FIRST with LAST
    const bytes = isUtf8 ? [unit] : utf8Bytes(unit);
    for (const b of bytes) out += escapeByte(b, bytes.length === 1 ? position : 0);
  });
  return out;
}

function shortName(attributeOid: string): string {
  return NAME_ATTRIBUTES[attributeOid]?.short ?? attributeOid;
}

/**
 * Decode a Name: its DER (a Buffer, or a value with its `raw` bytes), or a RawName already decoded
 * with the structure around it. Throws a DecodeError naming the part.
 */
export function decodeName(name: Buffer | { raw: Buffer } | RawName, what = 'name'): DistinguishedName {
  const decoded = Array.isArray(name)
    ? name
    : decodeAs(Buffer.isBuffer(name) ? name : name.raw, nameSchema().RawName, what);
  const raw = rawAttributes(decoded);
  const attributes: NameAttribute[] = raw.map((a) => ({
    oid: a.oid,
    shortName: shortName(a.oid),
    longName: NAME_ATTRIBUTES[a.oid]?.long ?? a.oid,
    value: valueText(a.value),
    rdn: a.rdn,
  }));
  let rfc2253 = '';
  let previousRdn = -1;
  for (let i = raw.length - 1; i >= 0; i--) {
    const a = raw[i]!;
    if (previousRdn !== -1) rfc2253 += previousRdn === a.rdn ? '+' : ',';
    previousRdn = a.rdn;
    const known = a.oid in NAME_ATTRIBUTES;
    rfc2253 += shortName(a.oid) + '=' + rfc2253Value(a.value, !known);
  }
  const oneline = attributes
    .map(
      (a, i) =>
        (i > 0 ? (attributes[i - 1]!.rdn === a.rdn ? ' + ' : ', ') : '') + `${a.shortName} = ${a.value}`,
    )
    .join('');
  return { rfc2253, oneline, attributes };
}

/** The first common name ('' when none). */
export function commonNameOf(name: DistinguishedName): string {
  return name.attributes.find((a) => a.oid === OID.commonName)?.value ?? '';
}

export { commonNameOnly, encodeName } from './name-encoding.js';
