/** The distinguished names the workshop writes, as @peculiar/asn1-x509 Name objects. */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { OID } from './oids.js';

// countryName, serialNumber, dnQualifier are PrintableString (RFC 5280 appendix A); emailAddress and
// domainComponent IA5String; everything else UTF8String (RFC 5280 4.1.2.4).
const PRINTABLE_ONLY = new Set(['2.5.4.6', '2.5.4.5', '2.5.4.46']);
const IA5_ONLY = new Set([OID.emailAddress, '0.9.2342.19200300.100.1.25']);

function attributeValue(attributeOid: string, value: string): AttributeValue {
  if (PRINTABLE_ONLY.has(attributeOid)) return new AttributeValue({ printableString: value });
  if (IA5_ONLY.has(attributeOid)) return new AttributeValue({ ia5String: value });
  return new AttributeValue({ utf8String: value });
}

/** A Name from (oid, value) pairs, one attribute per RDN, in the order given. */
export function buildName(attributes: Array<[string, string]>): Name {
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
  return Buffer.from(AsnConvert.serialize(buildName(attributes)));
}

/** A Name holding only a common name, DER. */
export function commonNameOnly(cn: string): Buffer {
  return encodeName([[OID.commonName, cn]]);
}
