/**
 * Build and sign X.509 v3 certificates: roots (self-signed), intermediates and leaves (signed by
 * their issuer — never self-signed), with random 128-bit serials, SKI/AKI and per-profile usages.
 */
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { bitString, children, explicit, int, parseDer, readBitString, seq, time } from './der.js';
import {
  authorityKeyIdValue,
  basicConstraintsValue,
  extKeyUsageValue,
  extension,
  keyUsageValue,
  subjectAltNameValue,
  subjectKeyIdValue,
} from './extensions.js';
import { signWith, signatureAlgorithmFor } from './keys.js';
import { OID, type KeyUsageName } from './oids.js';

/** A positive serial of 16 random bytes (128 bits, RFC 5280 allows up to 20 octets). */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, and always 16 octets long
  return serial;
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(publicKeyBits: Buffer): Buffer {
  return createHash('sha1').update(publicKeyBits).digest();
}

/** The subjectPublicKey bits inside an SPKI DER (without the unused-bits byte). */
export function publicKeyBitsOf(spki: Buffer): Buffer {
  return readBitString(children(parseDer(spki))[1]!).bytes;
}

export interface CertificateTemplate {
  /** Name DER of the subject. */
  subject: Buffer;
  /** Name DER of the issuer (equal to subject for a root). */
  issuer: Buffer;
  /** The subject's public key, SubjectPublicKeyInfo DER. */
  spki: Buffer;
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

/** Encode TBSCertificate, sign it with the issuer's key, return the certificate DER. */
export function buildCertificate(template: CertificateTemplate): Buffer {
  const algorithm = signatureAlgorithmFor(template.signingKey);
  const subjectKeyId = keyIdentifier(publicKeyBitsOf(template.spki));
  const extensions: Buffer[] = [
    extension(OID.basicConstraints, true, basicConstraintsValue(!!template.ca, template.ca?.pathLen)),
    extension(OID.keyUsage, true, keyUsageValue(template.keyUsage)),
  ];
  if (template.extKeyUsage?.length)
    extensions.push(extension(OID.extKeyUsage, false, extKeyUsageValue(template.extKeyUsage)));
  if (template.san?.length)
    extensions.push(extension(OID.subjectAltName, false, subjectAltNameValue(template.san)));
  extensions.push(extension(OID.subjectKeyIdentifier, false, subjectKeyIdValue(subjectKeyId)));
  extensions.push(extension(OID.authorityKeyIdentifier, false, authorityKeyIdValue(template.issuerKeyId)));
  const tbs = seq(
    explicit(0, int(2)),
    int(template.serial ?? randomSerial()),
    algorithm.identifier,
    template.issuer,
    seq(time(template.notBefore), time(template.notAfter)),
    template.subject,
    template.spki,
    explicit(3, seq(...extensions)),
  );
  const signature = signWith(template.signingKey, algorithm, tbs);
  return seq(tbs, algorithm.identifier, bitString(signature));
}
