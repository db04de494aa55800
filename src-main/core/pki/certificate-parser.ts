/**
 * Strict X.509 certificate decoding into the fields the workshop reasons about. Errors are
 * DerErrors; callers turn them into one-line UserErrors naming the file.
 */
import {
  DerError,
  TAG,
  children,
  expectTag,
  parseDer,
  readBitString,
  readBoolean,
  readIntegerBytes,
  readOid,
  readSmallInt,
  readTime,
} from './der.js';
import type { Der } from './der.js';
import { decodeName } from './distinguished-name.js';
import { decodeExtension, type DecodedExtensions } from './extensions.js';
import type { DistinguishedName } from './types.js';
import { describeSpki, type SpkiFacts } from './keys.js';

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

export function parseExtensions(list: Der): RawExtension[] {
  const out: RawExtension[] = [];
  const seen = new Set<string>();
  for (const extension of children(expectTag(list, TAG.SEQUENCE, 'extensions'))) {
    const parts = children(expectTag(extension, TAG.SEQUENCE, 'extension'));
    const extOid = readOid(parts[0]!);
    let critical = false;
    let valueNode = parts[1];
    if (valueNode?.tag === TAG.BOOLEAN) {
      critical = readBoolean(valueNode);
      valueNode = parts[2];
    }
    const value = expectTag(valueNode, TAG.OCTET_STRING, `extension ${extOid} value`).content;
    if (seen.has(extOid)) throw new DerError(`extension ${extOid} appears twice`);
    seen.add(extOid);
    out.push({ oid: extOid, critical, value });
  }
  return out;
}

export function decodeExtensions(extensions: RawExtension[]): DecodedExtensions {
  const ext: DecodedExtensions = {};
  for (const extension of extensions)
    decodeExtension(extension.oid, extension.value, extension.critical, ext);
  return ext;
}

/** Parse certificate DER. Throws DerError on anything malformed. */
export function parseCertificateDer(der: Buffer): ParsedCertificate {
  const root = expectTag(parseDer(der), TAG.SEQUENCE, 'certificate');
  const [tbsNode, sigAlgNode, sigNode] = children(root);
  const tbs = expectTag(tbsNode, TAG.SEQUENCE, 'tbsCertificate');
  const signatureOid = readOid(children(expectTag(sigAlgNode, TAG.SEQUENCE, 'signatureAlgorithm'))[0]!);
  const signature = readBitString(expectTag(sigNode, TAG.BIT_STRING, 'signature')).bytes;
  const fields = children(tbs);
  let i = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    version = readSmallInt(children(fields[0])[0]!) + 1;
    i++;
  }
  const serial = readIntegerBytes(expectTag(fields[i++], TAG.INTEGER, 'serialNumber'));
  const tbsSignatureOid = readOid(children(expectTag(fields[i++], TAG.SEQUENCE, 'signature'))[0]!);
  const issuerNode = expectTag(fields[i++], TAG.SEQUENCE, 'issuer');
  const validity = children(expectTag(fields[i++], TAG.SEQUENCE, 'validity'));
  const subjectNode = expectTag(fields[i++], TAG.SEQUENCE, 'subject');
  const spkiNode = expectTag(fields[i++], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const spkiParts = children(spkiNode);
  const publicKeyBits = readBitString(expectTag(spkiParts[1], TAG.BIT_STRING, 'subjectPublicKey')).bytes;
  let extensions: RawExtension[] = [];
  for (; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.tag === 0xa3) extensions = parseExtensions(children(field)[0]!);
    else if (field.tag !== 0x81 && field.tag !== 0x82 && field.tag !== 0xa1 && field.tag !== 0xa2) {
      throw new DerError(`unexpected field 0x${field.tag.toString(16)} in tbsCertificate`);
    }
  }
  return {
    der,
    tbs: tbs.raw,
    version,
    serial,
    signatureOid,
    tbsSignatureOid,
    issuerDer: issuerNode.raw,
    subjectDer: subjectNode.raw,
    issuer: decodeName(issuerNode),
    subject: decodeName(subjectNode),
    notBefore: readTime(validity[0]!),
    notAfter: readTime(validity[1]!),
    spki: spkiNode.raw,
    publicKeyBits,
    signature,
    extensions,
    ext: decodeExtensions(extensions),
    publicKey: describeSpki(spkiNode.raw),
  };
}
