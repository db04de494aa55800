/**
 * One certificate off the wire, decoded with the workshop's parser (core/pki) into the facts the
 * inspector reports: the CLI's JSON fields plus what the chain view and the diagnosis use.
 */
import { describeParsed, isIssuedBy, isSelfSigned } from '../pki/certificate.js';
import type { ParsedCertificate } from '../pki/certificate-parser.js';
import { decodeName as decodeDistinguishedName } from '../pki/distinguished-name.js';
import { readCertificate, toPem } from '../pki/index.js';

/** What the CLI's `--json` shows for each certificate (CLI.md), plus fields for the chain cards. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  /** Subject alternative names as the workshop prints them (`dns:x`, `ip:x`, ...). */
  san: string[];
  commonName: string;
  isCA: boolean;
  pathLength: number | null;
  /** Extended key usage names; null when the extension is absent (any purpose). */
  extendedKeyUsage: string[] | null;
  keyUsage: string[] | null;
  selfSigned: boolean;
  publicKey: string;
  signatureAlgorithm: string;
  pem: string;
}

export interface DecodedCertificate {
  summary: CertificateSummary;
  parsed: ParsedCertificate;
}

export function decodeCertificate(der: Buffer, source = 'server certificate'): DecodedCertificate {
  const parsed = readCertificate(der, source);
  const detail = describeParsed(parsed);
  const key = detail.publicKey;
  const summary: CertificateSummary = {
    subject: detail.subject.rfc2253,
    issuer: detail.issuer.rfc2253,
    serial: detail.serial,
    notBefore: detail.notBefore,
    notAfter: detail.notAfter,
    fingerprint256: detail.fingerprints.sha256,
    san: detail.san,
    commonName: detail.cn,
    isCA: detail.isCa,
    pathLength: detail.basicConstraints?.pathLen ?? null,
    extendedKeyUsage: detail.extendedKeyUsage?.usages ?? null,
    keyUsage: detail.keyUsage?.usages ?? null,
    selfSigned: detail.selfSigned,
    publicKey: key.curve ? `${key.algorithm} ${key.curve}` : `${key.algorithm} ${key.bits}`,
    signatureAlgorithm: detail.signatureAlgorithm.name,
    pem: toPem(parsed.der, 'CERTIFICATE'),
  };
  return { summary, parsed };
}

export function issues(issuer: DecodedCertificate, subject: DecodedCertificate): boolean {
  try {
    return isIssuedBy(subject.parsed, issuer.parsed);
  } catch {
    return false;
  }
}

export function selfSigned(certificate: DecodedCertificate): boolean {
  return isSelfSigned(certificate.parsed);
}

/** A DER DistinguishedName (as in CertificateRequest.certificate_authorities) as an RFC 2253 string. */
export function decodeName(der: Buffer): string {
  try {
    return decodeDistinguishedName(der).rfc2253;
  } catch {
    return `(undecodable name, ${der.length} bytes)`;
  }
}
