/**
 * X.509 certificate decoding into the fields the workshop reasons about, with @peculiar/asn1-x509's
 * structures (RFC 5280). Errors are DecodeErrors in words; callers turn them into one-line UserErrors
 * naming the file.
 */
import * as asn1js from 'asn1js';
import {
  AsnIntegerArrayBufferConverter,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
} from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Extension, Extensions, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { DecodeError, bufferOf, decodeAs } from './asn1-decode.js';
import { decodeName } from './distinguished-name.js';
import { decodeExtension, type DecodedExtensions } from './extensions.js';
import { IssuerName, SubjectName } from './name-schema.js';
import type { DistinguishedName } from './types.js';
import { describeSpkiInfo, type SpkiFacts } from './keys.js';

export interface RawExtension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

export interface ParsedCertificate {
  der: Buffer;
  /** The TBSCertificate TLV (what the signature covers). */
  tbs: Buffer;
  version: number;
  serial: Buffer;
  signatureOid: string;
  /** The signature algorithm inside the TBS (must equal the outer one). */
  tbsSignatureOid: string;
  issuerDer: Buffer;
  subjectDer: Buffer;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  spki: Buffer;
  /** The subjectPublicKey BIT STRING content (without the unused-bits byte). */
  publicKeyBits: Buffer;
  signature: Buffer;
  extensions: RawExtension[];
  ext: DecodedExtensions;
  /** The public key's algorithm, size and type (read while parsing, so a damaged key is caught here). */
  publicKey: SpkiFacts;
}

/** UTCTime / GeneralizedTime, refusing a time string asn1js could not read (it would give 1899). */
const checkedTime = (kind: 'UTCTime' | 'GeneralizedTime') => ({
  fromASN(value: asn1js.AsnType): Date {
    const time = value as asn1js.UTCTime;
    const date = time.error ? new Date(NaN) : time.toDate();
    if (Number.isNaN(date.getTime())) {
      const text = Buffer.from(time.valueBlock.valueHexView).toString('latin1');
      throw new DecodeError(`validity: bad ${kind} ${JSON.stringify(text.slice(0, 40))}`);
    }
    return date;
  },
  toASN(): asn1js.AsnType {
    throw new Error('read only');
  },
});

export class CheckedTime {
  utcTime?: Date;
  generalTime?: Date;
}
AsnProp({ type: AsnPropTypes.UTCTime, converter: checkedTime('UTCTime') })(CheckedTime.prototype, 'utcTime');
AsnProp({ type: AsnPropTypes.GeneralizedTime, converter: checkedTime('GeneralizedTime') })(
  CheckedTime.prototype,
  'generalTime',
);
AsnType({ type: AsnTypeTypes.Choice })(CheckedTime);

export class Validity {
  notBefore = new CheckedTime();
  notAfter = new CheckedTime();
}
AsnProp({ type: CheckedTime })(Validity.prototype, 'notBefore');
AsnProp({ type: CheckedTime })(Validity.prototype, 'notAfter');

/**
 * RFC 5280's TBSCertificate as asn1-x509 declares it, with the issuer and subject kept as raw names
 * (their exact bytes, for the RFC 2253 printer and name matching) and the SPKI's own encoding.
 */
export class TbsCertificateFields {
  version = 0;
  serialNumber = new ArrayBuffer(0);
  signature = new AlgorithmIdentifier();
  issuer = new IssuerName();
  issuerRaw?: Uint8Array;
  validity = new Validity();
  subject = new SubjectName();
  subjectRaw?: Uint8Array;
  subjectPublicKeyInfo = new SubjectPublicKeyInfo();
  subjectPublicKeyInfoRaw?: Uint8Array;
  issuerUniqueID?: ArrayBuffer;
  subjectUniqueID?: ArrayBuffer;
  extensions?: Extensions;
}
AsnProp({ type: AsnPropTypes.Integer, context: 0, defaultValue: 0 })(
  TbsCertificateFields.prototype,
  'version',
);
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(
  TbsCertificateFields.prototype,
  'serialNumber',
);
AsnProp({ type: AlgorithmIdentifier })(TbsCertificateFields.prototype, 'signature');
AsnProp({ type: IssuerName, raw: true })(TbsCertificateFields.prototype, 'issuer');
AsnProp({ type: Validity })(TbsCertificateFields.prototype, 'validity');
AsnProp({ type: SubjectName, raw: true })(TbsCertificateFields.prototype, 'subject');
AsnProp({ type: SubjectPublicKeyInfo, raw: true })(TbsCertificateFields.prototype, 'subjectPublicKeyInfo');
AsnProp({ type: AsnPropTypes.BitString, context: 1, implicit: true, optional: true })(
  TbsCertificateFields.prototype,
  'issuerUniqueID',
);
AsnProp({ type: AsnPropTypes.BitString, context: 2, implicit: true, optional: true })(
  TbsCertificateFields.prototype,
  'subjectUniqueID',
);
AsnProp({ type: Extensions, context: 3, optional: true })(TbsCertificateFields.prototype, 'extensions');

export class CertificateFields {
  tbsCertificate = new TbsCertificateFields();
  tbsCertificateRaw?: Uint8Array;
  signatureAlgorithm = new AlgorithmIdentifier();
  signatureValue = new ArrayBuffer(0);
}
AsnProp({ type: TbsCertificateFields, raw: true })(CertificateFields.prototype, 'tbsCertificate');
AsnProp({ type: AlgorithmIdentifier })(CertificateFields.prototype, 'signatureAlgorithm');
AsnProp({ type: AsnPropTypes.BitString })(CertificateFields.prototype, 'signatureValue');

/** The extensions as (oid, critical, value); an extension twice is refused, as OpenSSL does. */
export function rawExtensions(list: readonly Extension[] | undefined): RawExtension[] {
  const out: RawExtension[] = [];
  const seen = new Set<string>();
  for (const extension of list ?? []) {
    if (seen.has(extension.extnID)) throw new DecodeError(`extension ${extension.extnID} appears twice`);
    seen.add(extension.extnID);
    out.push({
      oid: extension.extnID,
      critical: extension.critical,
      value: bufferOf(extension.extnValue.buffer),
    });
  }
  return out;
}

/**
 * The extensions of a der.ts node (csr.ts and crl.ts still read with der.ts; they move to asn1-x509's
 * own structures on the writer side and then stop calling this).
 */
export function parseExtensions(list: { raw: Buffer }): RawExtension[] {
  return rawExtensions(decodeAs(list.raw, Extensions, 'extensions'));
}

export function decodeExtensions(extensions: RawExtension[]): DecodedExtensions {
  const ext: DecodedExtensions = {};
  for (const extension of extensions)
    decodeExtension(extension.oid, extension.value, extension.critical, ext);
  return ext;
}

/** An INTEGER's bytes as an unsigned big-endian number with leading zero octets removed (keeps one). */
export function unsignedBytes(data: ArrayBuffer | Uint8Array): Buffer {
  let bytes = bufferOf(data);
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return bytes;
}

function required(raw: Uint8Array | undefined, what: string): Buffer {
  if (!raw) throw new DecodeError(`${what} is missing`);
  return Buffer.from(raw);
}

/** Parse certificate DER. Throws a DecodeError (in words, naming the part) on anything malformed. */
export function parseCertificateDer(der: Buffer): ParsedCertificate {
  const cert = decodeAs(der, CertificateFields, 'certificate');
  const tbs = cert.tbsCertificate;
  const version = tbs.version + 1;
  if (version > 3) throw new DecodeError(`version ${version} is not an X.509 version (1 to 3)`);
  const time = (t: CheckedTime, what: string): Date => {
    const date = t.utcTime ?? t.generalTime;
    if (!date) throw new DecodeError(`validity: ${what} is not a time`);
    return date;
  };
  const spki = required(tbs.subjectPublicKeyInfoRaw, 'subjectPublicKeyInfo');
  const extensions = rawExtensions(tbs.extensions);
  return {
    der,
    tbs: required(cert.tbsCertificateRaw, 'tbsCertificate'),
    version,
    serial: unsignedBytes(tbs.serialNumber),
    signatureOid: cert.signatureAlgorithm.algorithm,
    tbsSignatureOid: tbs.signature.algorithm,
    issuerDer: required(tbs.issuerRaw, 'issuer'),
    subjectDer: required(tbs.subjectRaw, 'subject'),
    issuer: decodeName(tbs.issuer),
    subject: decodeName(tbs.subject),
    notBefore: time(tbs.validity.notBefore, 'notBefore'),
    notAfter: time(tbs.validity.notAfter, 'notAfter'),
    spki,
    publicKeyBits: bufferOf(tbs.subjectPublicKeyInfo.subjectPublicKey),
    signature: bufferOf(cert.signatureValue),
    extensions,
    ext: decodeExtensions(extensions),
    publicKey: describeSpkiInfo(tbs.subjectPublicKeyInfo, spki),
  };
}
