/**
 * X.501 Name as the RFC 2253 printer needs it, declared with @peculiar/asn1-schema: the same structure
 * as asn1-x509's `Name`, but each attribute value kept as its tag and exact content octets (asn1-x509
 * decodes DirectoryString to a JS string, which loses the bytes OpenSSL escapes one by one).
 */
import type * as asn1js from 'asn1js';
import {
  AsnArray,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  type IAsnConverter,
} from '@peculiar/asn1-schema';
import { bufferOf } from './asn1-decode.js';

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

// asn1-schema decorators are applied as plain calls: the test transform does not compile TS decorators.
export class RawAttribute {
  type = '';
  value: NameValue = { tag: 0, content: Buffer.alloc(0), raw: Buffer.alloc(0) };
}
AsnProp({ type: AsnPropTypes.ObjectIdentifier })(RawAttribute.prototype, 'type');
AsnProp({ type: AsnPropTypes.Any, converter: nameValueConverter })(RawAttribute.prototype, 'value');

export class RawRdn extends AsnArray<RawAttribute> {}
AsnType({ type: AsnTypeTypes.Set, itemType: RawAttribute })(RawRdn);

export class RawName extends AsnArray<RawRdn> {}
AsnType({ type: AsnTypeTypes.Sequence, itemType: RawRdn })(RawName);

/** The issuer field: its own class so that a failure inside it is reported as `issuer: …`. */
export class IssuerName extends RawName {}
AsnType({ type: AsnTypeTypes.Sequence, itemType: RawRdn })(IssuerName);

/** The subject field (see IssuerName). */
export class SubjectName extends RawName {}
AsnType({ type: AsnTypeTypes.Sequence, itemType: RawRdn })(SubjectName);
