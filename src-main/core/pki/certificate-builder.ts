/**
 * Build and sign X.509 v3 certificates: roots (self-signed), intermediates and leaves (signed by
 * their issuer — never self-signed), with random 128-bit serials, SKI/AKI and per-profile usages.
 * The structures are @peculiar/asn1-x509 objects serialised by asn1-schema; signatures are node:crypto.
 */
import { createHash, randomFillSync, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import {
  AlgorithmIdentifier,
  Certificate,
  Extension,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Time,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import {
  authorityKeyIdExtension,
  basicConstraintsExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdExtension,
} from './extension-encoding.js';
import { DecodeError, asn1Value, decodeAs } from './asn1-decode.js';
import { signWith, signatureAlgorithmFor, type SignatureAlgorithm } from './keys.js';
import type { KeyUsageName } from './oids.js';
import { arrayBufferOf, unsignedIntegerContent, verbatimAs, withFields } from './verbatim-der.js';

/** A positive serial of 16 random bytes (128 bits, RFC 5280 allows up to 20 octets). */
export function randomSerial(): Buffer {
  if (randomPoolUsed + 16 > randomPool.length) {
    randomFillSync(randomPool);
    randomPoolUsed = 0;
  }
  const serial = Buffer.from(randomPool.subarray(randomPoolUsed, (randomPoolUsed += 16)));
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, and always 16 octets long
  return serial;
}
// Random octets drawn 4 KB at a time (one call into OpenSSL's generator per 256 serials of a batch).
const randomPool = Buffer.alloc(4096);
let randomPoolUsed = randomPool.length;

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(publicKeyBits: Uint8Array): Buffer {
  return createHash('sha1').update(publicKeyBits).digest();
}

/** The subjectPublicKey bits inside an SPKI DER (without the unused-bits byte). */
export function publicKeyBitsOf(spki: Buffer): Buffer {
  return Buffer.from(decodeAs(spki, SubjectPublicKeyInfo, 'subjectPublicKeyInfo').subjectPublicKey);
}

export interface CertificateTemplate {
  /** The subject: its Name DER (kept as it is), or an asn1-x509 Name being written. */
  subject: Buffer | Name;
  /** Name DER of the issuer (equal to subject for a root). */
  issuer: Buffer;
  /** The subject's public key, SubjectPublicKeyInfo DER. */
  spki: Buffer;
  /** Its subjectPublicKey bits when the caller has them (saves decoding `spki` for the SKI). */
  publicKeyBits?: Buffer;
  /** Key that signs (the issuer's private key; the subject's own for a root). */
  signingKey: KeyObject;
  /** SKI of the issuer, for the AKI extension. */
  issuerKeyId: Buffer;
  notBefore: Date;
  notAfter: Date;
  ca?: { pathLen?: number };
  keyUsage: KeyUsageName[];
  extKeyUsage?: string[];
  san?: string[];
  serial?: Buffer;
}

/** Times are written to the second (asn1js would add milliseconds to a GeneralizedTime). */
function wholeSeconds(date: Date): Time {
  return new Time(new Date(Math.floor(date.getTime() / 1000) * 1000));
}

// A batch signs thousands of leaves with one key and one validity window: their encodings are made once.
let lastValidity: { from: number; to: number; value: Validity } | undefined;
const identifiers = new Map<string, AlgorithmIdentifier>();
const algorithms = new WeakMap<KeyObject, SignatureAlgorithm>();

/** The signing key's algorithm, worked out once per key object (a batch signs with one CA key). */
function algorithmOf(key: KeyObject): SignatureAlgorithm {
  let found = algorithms.get(key);
  if (!found) {
    found = signatureAlgorithmFor(key);
    algorithms.set(key, found);
  }
  return found;
}

function validity(notBefore: Date, notAfter: Date): Validity {
  const from = notBefore.getTime();
  const to = notAfter.getTime();
  if (lastValidity?.from !== from || lastValidity.to !== to) {
    const value = new Validity();
    value.notBefore = wholeSeconds(notBefore);
    value.notAfter = wholeSeconds(notAfter);
    lastValidity = { from, to, value: verbatimAs(Validity, new Uint8Array(AsnConvert.serialize(value))) };
  }
  return lastValidity.value;
}

/** AlgorithmIdentifier of a signature: RSA PKCS#1 v1.5 has NULL parameters, ECDSA/EdDSA none. */
function signatureIdentifier(key: KeyObject, algorithmOid: string): AlgorithmIdentifier {
  let found = identifiers.get(algorithmOid);
  if (!found) {
    const value = new AlgorithmIdentifier({
      algorithm: algorithmOid,
      ...(key.asymmetricKeyType === 'rsa' ? { parameters: null } : {}),
    });
    found = verbatimAs(AlgorithmIdentifier, new Uint8Array(AsnConvert.serialize(value)));
    identifiers.set(algorithmOid, found);
  }
  return found;
}

/** SHA-1 key identifier of an SPKI: its BIT STRING found in asn1js's tree (no schema mapping needed). */
function spkiKeyIdentifier(spki: Buffer): Buffer {
  const tree = asn1Value(spki, 'subjectPublicKeyInfo') as asn1js.Sequence;
  const bits = tree.valueBlock?.value?.[1];
  if (!(bits instanceof asn1js.BitString)) throw new DecodeError('subjectPublicKeyInfo: no key bits');
  return keyIdentifier(bits.valueBlock.valueHexView);
}

/** Encode TBSCertificate, sign it with the issuer's key, return the certificate DER. */
export function buildCertificate(template: CertificateTemplate): Buffer {
  const algorithm = algorithmOf(template.signingKey);
  const signature = signatureIdentifier(template.signingKey, algorithm.oid);
  const extensions: Extension[] = [
    basicConstraintsExtension(!!template.ca, template.ca?.pathLen),
    keyUsageExtension(template.keyUsage),
  ];
  if (template.extKeyUsage?.length) extensions.push(extKeyUsageExtension(template.extKeyUsage));
  if (template.san?.length) extensions.push(subjectAltNameExtension(template.san));
  extensions.push(
    subjectKeyIdExtension(
      template.publicKeyBits ? keyIdentifier(template.publicKeyBits) : spkiKeyIdentifier(template.spki),
    ),
  );
  extensions.push(authorityKeyIdExtension(template.issuerKeyId));
  const tbs = withFields(TBSCertificate, {
    version: Version.v3,
    serialNumber: unsignedIntegerContent(template.serial ?? randomSerial()),
    signature,
    issuer: verbatimAs(Name, template.issuer),
    validity: validity(template.notBefore, template.notAfter),
    subject: Buffer.isBuffer(template.subject) ? verbatimAs(Name, template.subject) : template.subject,
    subjectPublicKeyInfo: verbatimAs(SubjectPublicKeyInfo, template.spki),
    extensions: new Extensions(extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const certificate = withFields(Certificate, {
    tbsCertificate: verbatimAs(TBSCertificate, tbsDer),
    signatureAlgorithm: signature,
    signatureValue: arrayBufferOf(signWith(template.signingKey, algorithm, tbsDer)),
  });
  return Buffer.from(AsnConvert.serialize(certificate));
}
