/**
 * X.501 distinguished names: encode, decode, and print exactly as OpenSSL's
 * `X509_NAME_print_ex(..., XN_FLAG_RFC2253)` does — the string Mosquitto uses for
 * `use_subject_as_username` and `openssl x509 -noout -subject -nameopt RFC2253` prints.
 */
import { TAG, children, expectTag, parseDer, readOid, readString } from './der.js';
import type { Der } from './der.js';
import { NAME_ATTRIBUTES, OID } from './oids.js';
import type { DistinguishedName, NameAttribute } from './types.js';

interface RawAttribute {
  oid: string;
  value: Der;
  rdn: number;
}

function rawAttributes(name: Der): RawAttribute[] {
  expectTag(name, TAG.SEQUENCE, 'name');
  const out: RawAttribute[] = [];
  children(name).forEach((rdn, index) => {
    expectTag(rdn, TAG.SET, 'relative distinguished name');
    for (const atv of children(rdn)) {
      const [type, value] = children(expectTag(atv, TAG.SEQUENCE, 'attribute'));
      if (!type || !value) throw new Error('attribute without type or value');
      out.push({ oid: readOid(type), value, rdn: index });
    }
  });
  return out;
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
function valueUnits(value: Der): number[] | undefined {
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
function rfc2253Value(value: Der, dumpAll: boolean): string {
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

/** Decode a Name (the DER of the SEQUENCE). */
export function decodeName(name: Der): DistinguishedName {
  const raw = rawAttributes(name);
  const attributes: NameAttribute[] = raw.map((a) => ({
    oid: a.oid,
    shortName: shortName(a.oid),
    longName: NAME_ATTRIBUTES[a.oid]?.long ?? a.oid,
    value: readString(a.value),
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

/** Decode a Name from its DER (the bytes as they appear in a certificate, CSR or CRL). */
export function nameFromDer(der: Buffer): DistinguishedName {
  return decodeName(parseDer(der));
}

/** The first common name ('' when none). */
export function commonNameOf(name: DistinguishedName): string {
  return name.attributes.find((a) => a.oid === OID.commonName)?.value ?? '';
}

export { commonNameOnly, encodeName } from './name-encoding.js';
