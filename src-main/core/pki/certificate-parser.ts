/**
 * X.509 certificate decoding into the fields the workshop reasons about, with @peculiar/asn1-x509's
 * structures (RFC 5280). Errors are DecodeErrors in words; callers turn them into one-line UserErrors
 * naming the file.
 */
import type * as asn1js from 'asn1js';
import type { AlgorithmIdentifier, Extension, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { asn1Schema, asn1X509, once } from './asn1-libs.js';
import { DecodeError, bufferOf, decodeAs } from './asn1-decode.js';
import { decodeName } from './distinguished-name.js';
import { decodeExtension, type DecodedExtensions } from './extensions.js';
import { nameSchema, type RawName } from './name-schema.js';
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

interface CheckedTime {
  utcTime?: Date;
  generalTime?: Date;
}

interface TbsShape {
  version: number;
  serialNumber: ArrayBuffer;
  signature: AlgorithmIdentifier;
  issuer: RawName;
  issuerRaw?: Uint8Array;
  validity: { notBefore: CheckedTime; notAfter: CheckedTime };
  subject: RawName;
  subjectRaw?: Uint8Array;
  subjectPublicKeyInfo: SubjectPublicKeyInfo;
  subjectPublicKeyInfoRaw?: Uint8Array;
  extensions?: Extension[];
}

interface CertificateShape {
  tbsCertificate: TbsShape;
  tbsCertificateRaw?: Uint8Array;
  signatureAlgorithm: AlgorithmIdentifier;
  signatureValue: ArrayBuffer;
}

/**
 * RFC 5280's Certificate as asn1-x509 declares it, with the issuer and subject kept as raw names
 * (their exact bytes, for the RFC 2253 printer and name matching), the SPKI's and the TBS's own
 * encodings, and times that refuse what does not parse. Declared on first use (asn1-libs.ts).
 */
const certificateSchema = once(() => {
  const { AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } = asn1Schema();
  const { AlgorithmIdentifier, Extensions, SubjectPublicKeyInfo } = asn1X509();
  const { IssuerName, SubjectName } = nameSchema();
  class CheckedTime {}
  AsnProp({ type: AsnPropTypes.UTCTime, converter: checkedTime('UTCTime') })(
    CheckedTime.prototype,
    'utcTime',
  );
  AsnProp({ type: AsnPropTypes.GeneralizedTime, converter: checkedTime('GeneralizedTime') })(
    CheckedTime.prototype,
    'generalTime',
  );
  AsnType({ type: AsnTypeTypes.Choice })(CheckedTime);
  class Validity {
    notBefore = new CheckedTime();
    notAfter = new CheckedTime();
  }
  AsnProp({ type: CheckedTime })(Validity.prototype, 'notBefore');
  AsnProp({ type: CheckedTime })(Validity.prototype, 'notAfter');
  class TbsCertificateFields {
    version = 0;
    serialNumber = new ArrayBuffer(0);
    signature = new AlgorithmIdentifier();
    issuer = new IssuerName();
    validity = new Validity();
    subject = new SubjectName();
    subjectPublicKeyInfo = new SubjectPublicKeyInfo();
  }
  const tbs = TbsCertificateFields.prototype;
  AsnProp({ type: AsnPropTypes.Integer, context: 0, defaultValue: 0 })(tbs, 'version');
  AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(tbs, 'serialNumber');
  AsnProp({ type: AlgorithmIdentifier })(tbs, 'signature');
  AsnProp({ type: IssuerName, raw: true })(tbs, 'issuer');
  AsnProp({ type: Validity })(tbs, 'validity');
  AsnProp({ type: SubjectName, raw: true })(tbs, 'subject');
  AsnProp({ type: SubjectPublicKeyInfo, raw: true })(tbs, 'subjectPublicKeyInfo');
  AsnProp({ type: AsnPropTypes.BitString, context: 1, implicit: true, optional: true })(
    tbs,
    'issuerUniqueID',
  );
  AsnProp({ type: AsnPropTypes.BitString, context: 2, implicit: true, optional: true })(
    tbs,
    'subjectUniqueID',
  );
  AsnProp({ type: Extensions, context: 3, optional: true })(tbs, 'extensions');
  class CertificateFields {
    tbsCertificate = new TbsCertificateFields();
    signatureAlgorithm = new AlgorithmIdentifier();
    signatureValue = new ArrayBuffer(0);
  }
  const cert = CertificateFields.prototype;
  AsnProp({ type: TbsCertificateFields, raw: true })(cert, 'tbsCertificate');
  AsnProp({ type: AlgorithmIdentifier })(cert, 'signatureAlgorithm');
  AsnProp({ type: AsnPropTypes.BitString })(cert, 'signatureValue');
  return { CertificateFields: CertificateFields as unknown as new () => CertificateShape };
});

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

/** The typed view of a certificate's (or CSR's) extensions. */
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
  const cert = decodeAs(der, certificateSchema().CertificateFields, 'certificate');
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
