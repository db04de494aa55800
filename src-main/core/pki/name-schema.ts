/**
 * X.501 Name as the RFC 2253 printer needs it, declared with @peculiar/asn1-schema: the same structure
 * as asn1-x509's `Name`, but each attribute value kept as its tag and exact content octets (asn1-x509
 * decodes DirectoryString to a JS string, which loses the bytes OpenSSL escapes one by one).
 */
import type * as asn1js from 'asn1js';
import type { AsnArray, IAsnConverter } from '@peculiar/asn1-schema';
import { bufferOf } from './asn1-decode.js';
import { asn1Schema, once } from './asn1-libs.js';

/** One attribute value: its identifier octet, content octets and whole encoding. */
export interface NameValue {
  /** The identifier octet (class, constructed bit, number); -1 for a high tag number. */
  tag: number;
  content: Buffer;
  raw: Buffer;
}

/** asn1js value → NameValue (the bytes as they are in the file). */
export const nameValueConverter: IAsnConverter<NameValue> = {
  fromASN(value: asn1js.AsnType): NameValue {
    const block = value as asn1js.BaseBlock;
    const id = block.idBlock;
    const raw = bufferOf(block.valueBeforeDecodeView);
    const headerLength = id.blockLength + block.lenBlock.blockLength;
    const tag =
      id.tagNumber < 31 ? ((id.tagClass - 1) << 6) | (id.isConstructed ? 0x20 : 0) | id.tagNumber : -1;
    return { tag, raw, content: raw.subarray(block.lenBlock.isIndefiniteForm ? raw.length : headerLength) };
  },
  toASN(): asn1js.AsnType {
    throw new Error('name values are read only here (name-encoding writes names)');
  },
};

export interface RawAttribute {
  type: string;
  value: NameValue;
}
export type RawRdn = AsnArray<RawAttribute>;
/** A decoded Name: its RDNs in order, each a set of attributes. */
export type RawName = AsnArray<RawRdn>;

/**
 * The schema classes, declared on first use (asn1-schema loads lazily, asn1-libs.ts). Decorators are
 * applied as plain calls: the test transform does not compile TS decorators.
 */
export const nameSchema = once(() => {
  const { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } = asn1Schema();
  class RawAttributeType implements RawAttribute {
    type = '';
    value: NameValue = { tag: 0, content: Buffer.alloc(0), raw: Buffer.alloc(0) };
  }
  AsnProp({ type: AsnPropTypes.ObjectIdentifier })(RawAttributeType.prototype, 'type');
  AsnProp({ type: AsnPropTypes.Any, converter: nameValueConverter })(RawAttributeType.prototype, 'value');
  class RawRdnType extends AsnArray<RawAttribute> {}
  AsnType({ type: AsnTypeTypes.Set, itemType: RawAttributeType })(RawRdnType);
  class RawNameType extends AsnArray<RawRdn> {}
  AsnType({ type: AsnTypeTypes.Sequence, itemType: RawRdnType })(RawNameType);
  /** The issuer field: its own class so that a failure inside it is reported as `issuer: …`. */
  class IssuerName extends RawNameType {}
  AsnType({ type: AsnTypeTypes.Sequence, itemType: RawRdnType })(IssuerName);
  /** The subject field (see IssuerName). */
  class SubjectName extends RawNameType {}
  AsnType({ type: AsnTypeTypes.Sequence, itemType: RawRdnType })(SubjectName);
  return {
    RawAttribute: RawAttributeType,
    RawRdn: RawRdnType,
    RawName: RawNameType,
    IssuerName,
    SubjectName,
  };
});
