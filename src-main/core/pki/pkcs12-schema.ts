/**
 * The PKCS#12 and password-based-encryption structures @peculiar's packages lack or declare too
 * narrowly for BER files, declared with @peculiar/asn1-schema next to asn1-pfx's own (PFX, MacData,
 * AuthenticatedSafe, SafeContents, SafeBag, CertBag): PKCS#7 EncryptedData (RFC 2315, not in asn1-cms),
 * PBES2/PBKDF2 and PKCS#12 PBE parameters (RFC 8018, RFC 7292 — no @peculiar package has them), and
 * the octet fields that Windows and Java write as constructed (chunked) OCTET STRINGs, which asn1-schema's
 * OctetString reads as empty.
 */
import type * as asn1js from 'asn1js';
import type { IAsnConverter } from '@peculiar/asn1-schema';
import type { PFX } from '@peculiar/asn1-pfx';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { DecodeError, bufferOf } from './asn1-decode.js';
import { asn1Pfx, asn1Schema, asn1X509, asn1js as asn1jsLib, once } from './asn1-libs.js';

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
  toASN: (value) => new (asn1jsLib().OctetString)({ valueHex: value }),
};

/** An INTEGER as a JS number, Infinity when it has more than 6 octets (the bounds then refuse it). */
export function integerOf(bytes: ArrayBuffer): number {
  let data = bufferOf(bytes);
  if (data.length > 0 && data[0]! & 0x80) return -1; // negative (two's complement)
  while (data.length > 1 && data[0] === 0) data = data.subarray(1);
  if (data.length > 6) return Infinity;
  return data.length === 0 ? 0 : parseInt(data.toString('hex'), 16);
}

/** PFX with `macData` undefined when the file has none. */
export type Pfx = Omit<PFX, 'macData'> & { macData?: PFX['macData'] };

export interface EncryptedContentInfo {
  contentType: string;
  contentEncryptionAlgorithm: AlgorithmIdentifier;
  encryptedContent?: Buffer;
}

export interface EncryptedData {
  version: number;
  encryptedContentInfo: EncryptedContentInfo;
}

export interface EncryptedPrivateKeyInfo {
  encryptionAlgorithm: AlgorithmIdentifier;
  encryptedData: Buffer;
}

export interface PbeParameters {
  salt: Buffer;
  iterations: ArrayBuffer;
}

/** RFC 7914 scrypt-params. */
export interface ScryptParams {
  salt: Buffer;
  costParameter: ArrayBuffer;
  blockSize: ArrayBuffer;
  parallelizationParameter: ArrayBuffer;
  keyLength?: ArrayBuffer;
}

export interface PBKDF2Params {
  salt: Buffer;
  iterationCount: ArrayBuffer;
  keyLength?: ArrayBuffer;
  prf?: AlgorithmIdentifier;
}

export interface PBES2Params {
  keyDerivationFunc: AlgorithmIdentifier;
  encryptionScheme: AlgorithmIdentifier;
}

interface Shapes {
  Pfx: Pfx;
  EncryptedData: EncryptedData;
  EncryptedPrivateKeyInfo: EncryptedPrivateKeyInfo;
  PbeParameters: PbeParameters;
  PBKDF2Params: PBKDF2Params;
  PBES2Params: PBES2Params;
  ScryptParams: ScryptParams;
}

/** The classes, declared on first use (asn1-libs.ts); asn1-schema decorators applied as calls. */
export const pkcs12Schema = once(() => {
  const { AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } = asn1Schema();
  const { AlgorithmIdentifier } = asn1X509();
  const { PFX } = asn1Pfx();

  /** asn1-pfx's PFX fills in an empty MacData when the file has none: here it stays undefined. */
  class Pfx extends PFX {
    constructor() {
      super();
      this.macData = undefined as unknown as PFX['macData'];
    }
  }
  AsnType({ type: AsnTypeTypes.Sequence })(Pfx);

  /** RFC 2315 EncryptedContentInfo, the content octets primitive or constructed. */
  class EncryptedContentInfo {
    contentType = '';
    contentEncryptionAlgorithm = new AlgorithmIdentifier();
  }
  const eci = EncryptedContentInfo.prototype;
  AsnProp({ type: AsnPropTypes.ObjectIdentifier })(eci, 'contentType');
  AsnProp({ type: AlgorithmIdentifier })(eci, 'contentEncryptionAlgorithm');
  AsnProp({ type: AsnPropTypes.Any, optional: true, converter: octetsConverter })(eci, 'encryptedContent');

  /** RFC 2315 EncryptedData (a PKCS#12 encrypted safe). */
  class EncryptedData {
    version = 0;
    encryptedContentInfo = new EncryptedContentInfo();
  }
  AsnProp({ type: AsnPropTypes.Integer })(EncryptedData.prototype, 'version');
  AsnProp({ type: EncryptedContentInfo })(EncryptedData.prototype, 'encryptedContentInfo');

  /** RFC 5208 EncryptedPrivateKeyInfo (asn1-pkcs8's, with the octets possibly constructed). */
  class EncryptedPrivateKeyInfo {
    encryptionAlgorithm = new AlgorithmIdentifier();
    encryptedData = Buffer.alloc(0);
  }
  AsnProp({ type: AlgorithmIdentifier })(EncryptedPrivateKeyInfo.prototype, 'encryptionAlgorithm');
  AsnProp({ type: AsnPropTypes.Any, converter: octetsConverter })(
    EncryptedPrivateKeyInfo.prototype,
    'encryptedData',
  );

  /** RFC 7292 pkcs-12PbeParams. */
  class PbeParameters {
    salt = Buffer.alloc(0);
    iterations = new ArrayBuffer(0);
  }
  AsnProp({ type: AsnPropTypes.Any, converter: octetsConverter })(PbeParameters.prototype, 'salt');
  AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(
    PbeParameters.prototype,
    'iterations',
  );

  /** RFC 8018 PBKDF2-params (salt `specified` only: `otherSource` was never used). */
  class PBKDF2Params {
    salt = Buffer.alloc(0);
    iterationCount = new ArrayBuffer(0);
  }
  const kdf = PBKDF2Params.prototype;
  AsnProp({ type: AsnPropTypes.Any, converter: octetsConverter })(kdf, 'salt');
  AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(kdf, 'iterationCount');
  AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter, optional: true })(
    kdf,
    'keyLength',
  );
  AsnProp({ type: AlgorithmIdentifier, optional: true })(kdf, 'prf');

  /** RFC 7914 scrypt-params (no @peculiar package has them). */
  class ScryptParams {
    salt = Buffer.alloc(0);
    costParameter = new ArrayBuffer(0);
    blockSize = new ArrayBuffer(0);
    parallelizationParameter = new ArrayBuffer(0);
  }
  const scrypt = ScryptParams.prototype;
  AsnProp({ type: AsnPropTypes.Any, converter: octetsConverter })(scrypt, 'salt');
  for (const field of ['costParameter', 'blockSize', 'parallelizationParameter'] as const) {
    AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(scrypt, field);
  }
  AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter, optional: true })(
    scrypt,
    'keyLength',
  );

  /** RFC 8018 PBES2-params. */
  class PBES2Params {
    keyDerivationFunc = new AlgorithmIdentifier();
    encryptionScheme = new AlgorithmIdentifier();
  }
  AsnProp({ type: AlgorithmIdentifier })(PBES2Params.prototype, 'keyDerivationFunc');
  AsnProp({ type: AlgorithmIdentifier })(PBES2Params.prototype, 'encryptionScheme');

  return {
    Pfx: Pfx as unknown as new () => Shapes['Pfx'],
    EncryptedData: EncryptedData as unknown as new () => Shapes['EncryptedData'],
    EncryptedPrivateKeyInfo:
      EncryptedPrivateKeyInfo as unknown as new () => Shapes['EncryptedPrivateKeyInfo'],
    PbeParameters: PbeParameters as unknown as new () => Shapes['PbeParameters'],
    PBKDF2Params: PBKDF2Params as unknown as new () => Shapes['PBKDF2Params'],
    PBES2Params: PBES2Params as unknown as new () => Shapes['PBES2Params'],
    ScryptParams: ScryptParams as unknown as new () => Shapes['ScryptParams'],
  };
});
