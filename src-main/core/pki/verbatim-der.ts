/**
 * Already-encoded DER placed inside an @peculiar/asn1-schema structure unchanged: a key's
 * SubjectPublicKeyInfo as node:crypto wrote it, a Name copied from a CA certificate or a CSR (RFC 5280
 * wants the issuer field to be the issuer's subject as it is), a TBSCertificate we just signed.
 * asn1-schema calls `toASN()` on any value that has `toASN`/`fromASN`; asn1js's `RawData` carries
 * bytes but only writes them when asked alone, so the subclass also writes into an enclosing block.
 */
import * as asn1js from 'asn1js';

class RawElement extends asn1js.RawData {
  override toBER(sizeOnly?: boolean, writer?: { write(buffer: ArrayBuffer): void }): ArrayBuffer {
    const bytes = super.toBER(sizeOnly);
    if (!writer) return bytes;
    writer.write(bytes);
    return new ArrayBuffer(0);
  }
}

export interface Verbatim {
  toASN(): asn1js.AsnType;
  fromASN(): never;
}

/** A value asn1-schema serialises as exactly `der`. */
export function verbatim(der: Uint8Array): Verbatim {
  return {
    toASN: () => new RawElement({ data: der }) as unknown as asn1js.AsnType,
    fromASN: () => {
      throw new Error('verbatim DER is write-only');
    },
  };
}

/** An instance of `Type` (so it fits its field's type) that serialises as exactly `der`. */
export function verbatimAs<T extends object>(Type: new () => T, der: Uint8Array): T {
  return Object.assign(Object.create(Type.prototype) as T, verbatim(der));
}

/**
 * An asn1-x509 object with exactly these fields. The classes' constructors first fill every field with
 * a default object (a TBSCertificate builds a whole empty certificate) that the caller then replaces;
 * asn1-schema's serializer only reads the fields, so a batch skips that work.
 */
export function withFields<T extends object>(Type: new () => T, fields: Partial<T>): T {
  return Object.assign(Object.create(Type.prototype) as T, fields);
}

/** An ArrayBuffer holding exactly these bytes (asn1-schema's BIT STRING / INTEGER inputs). */
export function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** INTEGER content (asn1-schema's serialNumber input) of an unsigned big-endian number, as asn1js encodes it. */
export function unsignedIntegerContent(bytes: Buffer): ArrayBuffer {
  // A first octet 0x01–0x7f is already the minimal content of a positive INTEGER (X.690 8.3.2): random
  // serials are made so; anything else goes through asn1js.
  if (bytes[0] !== undefined && bytes[0] >= 0x01 && bytes[0] <= 0x7f) return arrayBufferOf(bytes);
  const integer = asn1js.Integer.fromBigInt(BigInt('0x' + (bytes.toString('hex') || '0')));
  return arrayBufferOf(integer.valueBlock.valueHexView);
}
