/** The distinguished names the workshop writes, as @peculiar/asn1-x509 Name objects. */
import type { AttributeValue, Name } from '@peculiar/asn1-x509';
import { asn1Schema, asn1X509 } from './asn1-libs.js';
import { nameSchema, type NameValue, type RawName } from './name-schema.js';
import { OID } from './oids.js';

// countryName, serialNumber, dnQualifier are PrintableString (RFC 5280 appendix A); emailAddress and
// domainComponent IA5String; everything else UTF8String (RFC 5280 4.1.2.4).
const PRINTABLE_ONLY = new Set(['2.5.4.6', '2.5.4.5', '2.5.4.46']);
const IA5_ONLY = new Set([OID.emailAddress, '0.9.2342.19200300.100.1.25']);

// Universal tags of those three string types.
const PRINTABLE_STRING = 0x13;
const IA5_STRING = 0x16;
const UTF8_STRING = 0x0c;

function attributeValue(attributeOid: string, value: string): AttributeValue {
  const { AttributeValue } = asn1X509();
  if (PRINTABLE_ONLY.has(attributeOid)) return new AttributeValue({ printableString: value });
  if (IA5_ONLY.has(attributeOid)) return new AttributeValue({ ia5String: value });
  return new AttributeValue({ utf8String: value });
}

/**
 * The value as the name reader sees it in the DER we write: asn1js writes a UTF8String as UTF-8 and the
 * 8-bit string types one octet per character (the low byte). Its whole encoding only when asked (the
 * RFC 2253 printer dumps it as #hex for an attribute type it does not know).
 */
function valueView(attributeOid: string, value: string): NameValue {
  const tag = PRINTABLE_ONLY.has(attributeOid)
    ? PRINTABLE_STRING
    : IA5_ONLY.has(attributeOid)
      ? IA5_STRING
      : UTF8_STRING;
  let raw: Buffer | undefined;
  return {
    tag,
    content: Buffer.from(value, tag === UTF8_STRING ? 'utf8' : 'latin1'),
    get raw() {
      return (raw ??= Buffer.from(asn1Schema().AsnConvert.serialize(attributeValue(attributeOid, value))));
    },
  };
}

/**
 * A Name from (oid, value) pairs and its decoded view (what `decodeName` prints from), so the summary of a
 * name we are writing is printed from the values we encode instead of parsing our own DER back.
 */
export function encodedName(attributes: Array<[string, string]>): { name: Name; view: RawName } {
  const { RawName, RawRdn } = nameSchema();
  const view = new RawName();
  for (const [type, value] of attributes) {
    const rdn = new RawRdn();
    rdn.push({ type, value: valueView(type, value) });
    view.push(rdn);
  }
  return { name: buildName(attributes), view };
}

/** A Name from (oid, value) pairs, one attribute per RDN, in the order given. */
export function buildName(attributes: Array<[string, string]>): Name {
  const { AttributeTypeAndValue, Name, RelativeDistinguishedName } = asn1X509(); // loaded on first use
  return new Name(
    attributes.map(
      ([type, value]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type, value: attributeValue(type, value) }),
        ]),
    ),
  );
}

/** The DER of a Name built from (oid, value) pairs. */
export function encodeName(attributes: Array<[string, string]>): Buffer {
  return Buffer.from(asn1Schema().AsnConvert.serialize(buildName(attributes)));
}

/** A Name holding only a common name, DER. */
export function commonNameOnly(cn: string): Buffer {
  return encodeName([[OID.commonName, cn]]);
}
