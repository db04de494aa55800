/**
 * Reading and describing certificates: what a certificate viewer shows, the identities Mosquitto
 * derives from a client certificate, fingerprints, key matching.
 */
import { KeyObject, createHash, createPublicKey } from 'node:crypto';
import { UserError } from '../user-error.js';
import { decodeFailure, passUserError } from './decode-failure.js';
import { parseCertificateDer, type ParsedCertificate } from './certificate-parser.js';
import { commonNameOf } from './distinguished-name.js';
import { keyMatchesSpki, readKey, verifySignature } from './keys.js';
import { EKU_NAMES, EXTENSION_NAMES, OID, SIGNATURE_ALGORITHMS } from './oids.js';
import { looksLikePem, parsePemBlocks, toPem } from './pem.js';
import type { CertificateDetail, ExtensionDetail } from './types.js';

export const CERT_LABELS = ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'];

/** Colon-separated uppercase hex, as Node's fingerprint256 and `openssl -fingerprint`. */
export function colonHex(bytes: Buffer): string {
  return bytes.toString('hex').toUpperCase().match(/../g)?.join(':') ?? '';
}

export function fingerprint(der: Buffer, algorithm: 'sha1' | 'sha256'): string {
  return colonHex(createHash(algorithm).update(der).digest());
}

/** Parse one certificate (PEM or DER), or throw a UserError naming the file. */
export function readCertificate(input: string | Buffer, file = 'certificate'): ParsedCertificate {
  return readCertificates(input, file)[0]!;
}

/** Every certificate in a PEM text (in order), or the single one of a DER file. */
export function readCertificates(input: string | Buffer, file = 'certificate'): ParsedCertificate[] {
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (looksLikePem(data)) {
    const blocks = parsePemBlocks(data, file).filter((b) => CERT_LABELS.includes(b.label));
    if (blocks.length === 0) {
      throw new UserError(`${file}: no CERTIFICATE block found`, 'BAD_CERTIFICATE', { file });
    }
    return blocks.map((block) => parseOrExplain(block.der, file, block.line));
  }
  if (data.length === 0) throw new UserError(`${file}: empty file`, 'BAD_CERTIFICATE', { file });
  return [parseOrExplain(data, file)];
}

/** Parse certificate DER, or throw a UserError naming the file (and PEM line). */
export function parseOrExplain(der: Buffer, file: string, line?: number): ParsedCertificate {
  try {
    return parseCertificateDer(der);
  } catch (error) {
    passUserError(error);
    const where = line ? `${file}:${line}` : file;
    throw new UserError(
      `${where}: not a valid X.509 certificate (${decodeFailure(error)})`,
      'BAD_CERTIFICATE',
      {
        file,
        ...(line ? { line } : {}),
      },
    );
  }
}

export function certificatePem(cert: ParsedCertificate): string {
  return toPem(cert.der, 'CERTIFICATE');
}

/** Serial as uppercase hex, no separators (`openssl x509 -serial`). */
export function serialHex(cert: ParsedCertificate): string {
  return cert.serial.toString('hex').toUpperCase();
}

export function isCaCertificate(cert: ParsedCertificate): boolean {
  return cert.ext.basicConstraints?.ca === true;
}

/**
 * The first checks of OpenSSL's x509_check_issued: `cert`'s issuer name is `issuer`'s subject, and its
 * AKI (when both have key ids) is `issuer`'s SKI.
 */
export function namesIssuer(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  if (!cert.issuerDer.equals(issuer.subjectDer) && cert.issuer.rfc2253 !== issuer.subject.rfc2253)
    return false;
  return !(
    cert.ext.authorityKeyId &&
    issuer.ext.subjectKeyId &&
    !cert.ext.authorityKeyId.equals(issuer.ext.subjectKeyId)
  );
}

/** True when `issuer` signed `cert` (names chain and the signature verifies). */
export function isIssuedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  return (
    namesIssuer(cert, issuer) && verifySignature(cert.tbs, cert.signatureOid, cert.signature, issuer.spki)
  );
}

export function isSelfSigned(cert: ParsedCertificate): boolean {
  return (
    cert.subject.rfc2253 === cert.issuer.rfc2253 &&
    verifySignature(cert.tbs, cert.signatureOid, cert.signature, cert.spki)
  );
}

function signatureName(sigOid: string): string {
  return SIGNATURE_ALGORITHMS[sigOid]?.name ?? sigOid;
}

function describeExtensions(cert: ParsedCertificate): ExtensionDetail[] {
  const ext = cert.ext;
  return cert.extensions.map((e) => {
    let value: string;
    switch (e.oid) {
      case OID.basicConstraints:
        value = ext.basicConstraints
          ? `CA:${ext.basicConstraints.ca ? 'TRUE' : 'FALSE'}` +
            (ext.basicConstraints.pathLen !== undefined ? `, pathlen:${ext.basicConstraints.pathLen}` : '')
          : '';
        break;
      case OID.keyUsage:
        value = ext.keyUsage?.usages.join(', ') ?? '';
        break;
      case OID.extKeyUsage:
        value = ext.extKeyUsage?.oids.map((o) => EKU_NAMES[o] ?? o).join(', ') ?? '';
        break;
      case OID.subjectAltName:
        value = ext.subjectAltName?.entries.join(', ') ?? '';
        break;
      case OID.subjectKeyIdentifier:
        value = ext.subjectKeyId ? colonHex(ext.subjectKeyId) : '';
        break;
      case OID.authorityKeyIdentifier:
        value = ext.authorityKeyId ? colonHex(ext.authorityKeyId) : '';
        break;
      case OID.crlDistributionPoints:
        value = ext.crlDistributionPoints?.join(', ') ?? '';
        break;
      case OID.authorityInfoAccess:
        value = ext.authorityInfoAccess?.join(', ') ?? '';
        break;
      default:
        value = e.value.toString('hex');
    }
    return { oid: e.oid, name: EXTENSION_NAMES[e.oid] ?? e.oid, critical: e.critical, value };
  });
}

/** Decode every field of a certificate, as a certificate viewer shows it. */
export function describeParsed(cert: ParsedCertificate): CertificateDetail {
  const ext = cert.ext;
  const key = cert.publicKey;
  const detail: CertificateDetail = {
    version: cert.version,
    serial: serialHex(cert),
    subject: cert.subject,
    issuer: cert.issuer,
    cn: commonNameOf(cert.subject),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    signatureAlgorithm: { oid: cert.signatureOid, name: signatureName(cert.signatureOid) },
    publicKey: {
      algorithm: key.algorithm,
      bits: key.bits,
      ...(key.curve ? { curve: key.curve } : {}),
      keyType: key.keyType,
      spkiSha256: createHash('sha256').update(cert.spki).digest('hex'),
    },
    san: ext.subjectAltName?.entries ?? [],
    crlDistributionPoints: ext.crlDistributionPoints ?? [],
    authorityInfoAccess: ext.authorityInfoAccess ?? [],
    extensions: describeExtensions(cert),
    isCa: isCaCertificate(cert),
    selfSigned: isSelfSigned(cert),
    fingerprints: { sha1: fingerprint(cert.der, 'sha1'), sha256: fingerprint(cert.der, 'sha256') },
  };
  if (ext.basicConstraints) detail.basicConstraints = ext.basicConstraints;
  if (ext.keyUsage) detail.keyUsage = ext.keyUsage;
  if (ext.extKeyUsage) {
    detail.extendedKeyUsage = {
      usages: ext.extKeyUsage.oids.map((o) => EKU_NAMES[o] ?? o),
      oids: ext.extKeyUsage.oids,
      critical: ext.extKeyUsage.critical,
    };
  }
  if (ext.subjectKeyId) detail.subjectKeyId = colonHex(ext.subjectKeyId);
  if (ext.authorityKeyId) detail.authorityKeyId = colonHex(ext.authorityKeyId);
  return detail;
}

/** Decode every field of a certificate given as PEM text or DER bytes. */
export function describeCertificate(pemOrDer: string | Buffer, file?: string): CertificateDetail {
  return describeParsed(readCertificate(pemOrDer, file));
}

/**
 * The identities Mosquitto derives from a client certificate: `use_identity_as_username` takes the
 * CN, `use_subject_as_username` the subject printed as by X509_NAME_print_ex(XN_FLAG_RFC2253).
 */
export function certificateUsernames(
  pemOrDer: string | Buffer,
  file?: string,
): { cn: string; subject: string } {
  const cert = readCertificate(pemOrDer, file);
  return { cn: commonNameOf(cert.subject), subject: cert.subject.rfc2253 };
}

/** True when the private key (PEM/DER, unencrypted) belongs to the certificate. */
export function keyMatchesCertificate(
  keyPem: string | Buffer | KeyObject,
  certPem: string | Buffer,
): boolean {
  const cert = readCertificate(certPem);
  const key = keyPem instanceof KeyObject ? keyPem : readKey(keyPem);
  return keyMatchesSpki(key, cert.spki);
}

/** The certificate's public key as a Node KeyObject. */
export function certificatePublicKey(cert: ParsedCertificate): KeyObject {
  return createPublicKey({ key: cert.spki, format: 'der', type: 'spki' });
}
