/**
 * The PKCS#12 and password-based-encryption structures @peculiar's packages lack or declare too
 * narrowly for BER files, declared with @peculiar/asn1-schema next to asn1-pfx's own (PFX, MacData,
 * AuthenticatedSafe, SafeContents, SafeBag, CertBag): PKCS#7 EncryptedData (RFC 2315, not in asn1-cms),
 * PBES2/PBKDF2 and PKCS#12 PBE parameters (RFC 8018, RFC 7292 — no @peculiar package has them), and
 * the octet fields that Windows and Java write as constructed (chunked) OCTET STRINGs, which asn1-schema's
 * OctetString reads as empty.
 */
import * as asn1js from 'asn1js';
import {
  AsnIntegerArrayBufferConverter,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  type IAsnConverter,
} from '@peculiar/asn1-schema';
import { PFX } from '@peculiar/asn1-pfx';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { DecodeError, bufferOf } from './asn1-decode.js';

/** The octets of an OCTET STRING (or of an IMPLICIT-tagged one), primitive or constructed (BER). */
export function octetsOf(value: asn1js.AsnType): Buffer {
  const block = value as asn1js.BaseBlock & { valueBlock: { value?: asn1js.AsnType[] } };
  const universalOctets = block.idBlock.tagClass === 1 && block.idBlock.tagNumber === 4;
  const implicit = block.idBlock.tagClass === 3;
  if (!universalOctets && !implicit) throw new DecodeError('expected an OCTET STRING');
  if (!block.idBlock.isConstructed) {
    return Buffer.from((value as asn1js.OctetString).valueBlock.valueHexView);
  }
  // A constructed string is its pieces one after the other (X.690 8.7.3); pieces may nest.
  return Buffer.concat((block.valueBlock.value ?? []).map((piece) => octetsOf(piece)));
}

/** An Any field read as octets (primitive or constructed). */
export const octetsConverter: IAsnConverter<Buffer> = {
  fromASN: (value) => octetsOf(value),
  toASN: (value) => new asn1js.OctetString({ valueHex: value }),
};

/** An INTEGER as a JS number, Infinity when it has more than 6 octets (the bounds then refuse it). */
export function integerOf(bytes: ArrayBuffer): number {
  let data = bufferOf(bytes);
  if (data.length > 0 && data[0]! & 0x80) return -1; // negative (two's complement)
  while (data.length > 1 && data[0] === 0) data = data.subarray(1);
  if (data.length > 6) return Infinity;
  return data.length === 0 ? 0 : parseInt(data.toString('hex'), 16);
}

/** PFX with `macData` absent when the file has none (asn1-pfx's class fills in an empty one). */
export class Pfx extends PFX {
  constructor() {
    super();
    this.macData = undefined as unknown as PFX['macData'];
  }
}
AsnType({ type: AsnTypeTypes.Sequence })(Pfx);

/** RFC 2315 EncryptedContentInfo, the content octets primitive or constructed. */
export class EncryptedContentInfo {
  contentType = '';
  contentEncryptionAlgorithm = new AlgorithmIdentifier();
  encryptedContent?: Buffer;
}
AsnProp({ type: AsnPropTypes.ObjectIdentifier })(EncryptedContentInfo.prototype, 'contentType');
AsnProp({ type: AlgorithmIdentifier })(EncryptedContentInfo.prototype, 'contentEncryptionAlgorithm');
AsnProp({ type: AsnPropTypes.Any, optional: true, converter: octetsConverter })(
  EncryptedContentInfo.prototype,
  'encryptedContent',
);

/** RFC 2315 EncryptedData (a PKCS#12 encrypted safe). */
export class EncryptedData {
  version = 0;
  encryptedContentInfo = new EncryptedContentInfo();
}
AsnProp({ type: AsnPropTypes.Integer })(EncryptedData.prototype, 'version');
AsnProp({ type: EncryptedContentInfo })(EncryptedData.prototype, 'encryptedContentInfo');

/** RFC 5208 EncryptedPrivateKeyInfo (asn1-pkcs8's, with the octets possibly constructed). */
export class EncryptedPrivateKeyInfo {
  encryptionAlgorithm = new AlgorithmIdentifier();
  encryptedData = Buffer.alloc(0);
}
AsnProp({ type: AlgorithmIdentifier })(EncryptedPrivateKeyInfo.prototype, 'encryptionAlgorithm');
AsnProp({ type: AsnPropTypes.Any, converter: octetsConverter })(
  EncryptedPrivateKeyInfo.prototype,
  'encryptedData',
);

/** RFC 7292 pkcs-12PbeParams. */
export class PbeParameters {
  salt = Buffer.alloc(0);
  iterations = new ArrayBuffer(0);
}
AsnProp({ type: AsnPropTypes.Any, converter: octetsConverter })(PbeParameters.prototype, 'salt');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(
  PbeParameters.prototype,
  'iterations',
);

/** RFC 8018 PBKDF2-params (salt `specified` only: `otherSource` was never used). */
export class PBKDF2Params {
  salt = Buffer.alloc(0);
  iterationCount = new ArrayBuffer(0);
  keyLength?: ArrayBuffer;
  prf?: AlgorithmIdentifier;
}
AsnProp({ type: AsnPropTypes.Any, converter: octetsConverter })(PBKDF2Params.prototype, 'salt');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(
  PBKDF2Params.prototype,
  'iterationCount',
);
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter, optional: true })(
  PBKDF2Params.prototype,
  'keyLength',
);
AsnProp({ type: AlgorithmIdentifier, optional: true })(PBKDF2Params.prototype, 'prf');

/** RFC 8018 PBES2-params. */
export class PBES2Params {
  keyDerivationFunc = new AlgorithmIdentifier();
  encryptionScheme = new AlgorithmIdentifier();
}
AsnProp({ type: AlgorithmIdentifier })(PBES2Params.prototype, 'keyDerivationFunc');
AsnProp({ type: AlgorithmIdentifier })(PBES2Params.prototype, 'encryptionScheme');
