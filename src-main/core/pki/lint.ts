/** Lint for what breaks MQTT clients and brokers in the field, with the fix for each finding. */
import { isIP } from 'node:net';
import type { Workspace } from '../workspace/workspace.js';
import { isSelfSigned, readCertificate } from './certificate.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { commonNameOf } from './distinguished-name.js';
import { formatIp, ipBytes } from './ip-address.js';
import { describeSpki } from './keys.js';
import { OID } from './oids.js';
import { getEntry, loadIndex, readEntryCertificate, validateName } from './store.js';
import type { LintFinding, Profile } from './types.js';

export interface LintOptions {
  certPem: string | Buffer;
  /** The issuing CA, to compare lifetimes. */
  issuerPem?: string | Buffer;
  /** What the certificate is meant for; guessed from its EKU when absent. */
  profile?: Profile;
  now?: Date;
  /** "Expiring soon" threshold in days (default 30). */
  expiringDays?: number;
  file?: string;
}

const DAY_MS = 86_400_000;

function finding(code: string, severity: LintFinding['severity'], message: string, fix: string): LintFinding {
  return { code, severity, message, fix };
}

function guessProfile(cert: ParsedCertificate): Profile | undefined {
  const eku = cert.ext.extKeyUsage?.oids ?? [];
  if (eku.includes(OID.serverAuth) && !eku.includes(OID.clientAuth)) return 'server';
  if (eku.includes(OID.clientAuth) && !eku.includes(OID.serverAuth)) return 'client';
  if (eku.includes(OID.serverAuth)) return 'server';
  return undefined;
}

export function lintParsed(
  cert: ParsedCertificate,
  options: { issuer?: ParsedCertificate; profile?: Profile; now?: Date; expiringDays?: number } = {},
): LintFinding[] {
  const out: LintFinding[] = [];
  const now = options.now ?? new Date();
  const isCa = cert.ext.basicConstraints?.ca === true;
  const profile = isCa ? undefined : (options.profile ?? guessProfile(cert));
  const cn = commonNameOf(cert.subject);
  const san = cert.ext.subjectAltName;
  const key = describeSpki(cert.spki);
  const hash = cert.signatureOid;

  // Validity.
  if (cert.notAfter < now) {
    out.push(
      finding(
        'EXPIRED',
        'error',
        `expired on ${cert.notAfter.toISOString()}`,
        'Issue a new certificate and deploy it.',
      ),
    );
  } else if (cert.notBefore > now) {
    out.push(
      finding(
        'NOT_YET_VALID',
        'error',
        `not valid before ${cert.notBefore.toISOString()}`,
        'Check the clocks; devices without an RTC often boot in 1970.',
      ),
    );
  } else {
    const days = (cert.notAfter.getTime() - now.getTime()) / DAY_MS;
    if (days < (options.expiringDays ?? 30)) {
      out.push(
        finding(
          'EXPIRING_SOON',
          'warning',
          `expires in ${Math.max(0, Math.floor(days))} day(s), on ${cert.notAfter.toISOString()}`,
          'Renew it before it expires; MQTT clients reconnect in a loop once it has.',
        ),
      );
    }
  }
  if (options.issuer && cert.notAfter > options.issuer.notAfter) {
    out.push(
      finding(
        'OUTLIVES_ISSUER',
        'warning',
        `valid until ${cert.notAfter.toISOString()}, after its CA ${options.issuer.subject.rfc2253} expires (${options.issuer.notAfter.toISOString()})`,
        'Renew the CA first, or issue the certificate with fewer days: it stops verifying when its CA expires.',
      ),
    );
  }

  // Algorithms.
  if (hash === OID.sha1WithRSA || hash === OID.ecdsaWithSHA1 || hash === OID.md5WithRSA) {
    out.push(
      finding(
        'WEAK_SIGNATURE',
        'error',
        `signed with ${hash === OID.md5WithRSA ? 'MD5' : 'SHA-1'}`,
        'OpenSSL 3 (Mosquitto on current Linux) refuses SHA-1 signatures at its default security level: re-issue with SHA-256.',
      ),
    );
  }
  if (key.algorithm === 'rsa' && key.bits < 2048) {
    out.push(
      finding(
        'RSA_TOO_SMALL',
        'error',
        `RSA key of ${key.bits} bits`,
        'Use RSA 2048 or more, or EC P-256: OpenSSL 3 refuses smaller RSA keys at its default security level.',
      ),
    );
  }
  if (key.algorithm === 'ec' && key.curve !== 'P-256' && key.curve !== 'P-384' && key.curve !== 'P-521') {
    out.push(
      finding(
        'UNUSUAL_CURVE',
        'warning',
        `EC curve ${key.curve ?? '?'}`,
        'Use P-256 or P-384: TLS clients rarely support other curves for certificates.',
      ),
    );
  }
  if (key.algorithm === 'ed25519' || key.algorithm === 'ed448') {
    out.push(
      finding(
        'EDDSA_KEY',
        'warning',
        `${key.algorithm === 'ed25519' ? 'Ed25519' : 'Ed448'} key`,
        'Works with OpenSSL 1.1.1+ peers (Mosquitto, mosquitto_pub, Node) but not with many embedded TLS stacks (mbedTLS, wolfSSL builds, ESP-IDF) or browsers: use EC P-256 for devices.',
      ),
    );
  }
  if (cert.version < 3) {
    out.push(
      finding(
        'V1_CERTIFICATE',
        'warning',
        'an X.509 v1 certificate (no extensions)',
        'Re-issue as v3 with basic constraints and key usages.',
      ),
    );
  }
  if (cert.serial.length < 8) {
    out.push(
      finding(
        'SHORT_SERIAL',
        'info',
        `serial of ${cert.serial.length * 8} bits`,
        'Use random serials of at least 64 bits (CA/Browser Forum baseline).',
      ),
    );
  }

  if (isCa) {
    if (cert.ext.keyUsage && !cert.ext.keyUsage.usages.includes('keyCertSign')) {
      out.push(
        finding(
          'CA_WITHOUT_KEY_CERT_SIGN',
          'error',
          'a CA whose key usage lacks keyCertSign',
          'OpenSSL rejects every certificate it issued ("invalid CA certificate"): re-create the CA with keyCertSign and cRLSign.',
        ),
      );
    }
    if (cert.ext.keyUsage && !cert.ext.keyUsage.usages.includes('cRLSign')) {
      out.push(
        finding(
          'CA_WITHOUT_CRL_SIGN',
          'warning',
          'a CA whose key usage lacks cRLSign',
          'Its CRLs will not verify: add cRLSign if you plan to revoke.',
        ),
      );
    }
    if (!cert.ext.keyUsage) {
      out.push(
        finding(
          'CA_WITHOUT_KEY_USAGE',
          'info',
          'a CA without a key usage extension',
          'Add a critical key usage with keyCertSign and cRLSign (RFC 5280).',
        ),
      );
    }
    if (!cert.ext.subjectKeyId) {
      out.push(
        finding(
          'MISSING_SKI',
          'info',
          'a CA without subject key identifier',
          'Add SKI/AKI so that chains build unambiguously.',
        ),
      );
    }
    return out;
  }

  // Leaves.
  if (isSelfSigned(cert)) {
    out.push(
      finding(
        'SELF_SIGNED_LEAF',
        'error',
        'a self-signed leaf certificate',
        'Issue it from a CA (root → intermediate → leaf); peers must otherwise trust this very certificate, and mTLS brokers refuse it as a client.',
      ),
    );
  }
  if (cert.ext.basicConstraints === undefined) {
    out.push(
      finding(
        'MISSING_BASIC_CONSTRAINTS',
        'info',
        'no basic constraints extension',
        'Add basicConstraints CA:FALSE (critical).',
      ),
    );
  }
  if (!cert.ext.extKeyUsage) {
    out.push(
      finding(
        'MISSING_EKU',
        'warning',
        'no extended key usage',
        `Add ${profile === 'client' ? 'clientAuth' : profile === 'server' ? 'serverAuth' : 'serverAuth or clientAuth'}: Windows, Java, AWS IoT and strict brokers require it.`,
      ),
    );
  } else if (profile) {
    const wanted = profile === 'server' ? OID.serverAuth : OID.clientAuth;
    if (!cert.ext.extKeyUsage.oids.includes(wanted)) {
      out.push(
        finding(
          'WRONG_EKU',
          'error',
          `extended key usage lacks ${profile === 'server' ? 'serverAuth' : 'clientAuth'}`,
          `Re-issue with the ${profile} profile: the peer refuses it ("unsupported certificate purpose").`,
        ),
      );
    }
  }
  if (
    cert.ext.keyUsage &&
    key.algorithm === 'rsa' &&
    profile === 'server' &&
    !cert.ext.keyUsage.usages.includes('keyEncipherment')
  ) {
    out.push(
      finding(
        'RSA_WITHOUT_KEY_ENCIPHERMENT',
        'info',
        'an RSA server key without keyEncipherment',
        'TLS 1.2 clients that use RSA key exchange need it; add keyEncipherment.',
      ),
    );
  }
  if (profile === 'server') {
    if (!san || san.entries.length === 0) {
      out.push(
        finding(
          'SERVER_WITHOUT_SAN',
          'error',
          'a server certificate without subject alternative names',
          'Clients (mosquitto_pub, MQTT.js, Paho, Go) check SANs, not the CN: re-issue with dns:HOST and ip:ADDRESS entries.',
        ),
      );
    }
    if (cn && isIP(cn) && !(san?.ips ?? []).includes(formatIp(ipBytes(cn)))) {
      out.push(
        finding(
          'IP_ONLY_IN_CN',
          'error',
          `the IP address ${cn} is only in the CN`,
          `Clients never match an IP against the CN: add ip:${cn} to the subject alternative names.`,
        ),
      );
    } else if (
      cn &&
      !isIP(cn) &&
      san &&
      san.dns.length > 0 &&
      !san.dns.some((d) => d.toLowerCase() === cn.toLowerCase()) &&
      /^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$|^localhost$/.test(cn)
    ) {
      out.push(
        finding(
          'CN_NOT_IN_SAN',
          'info',
          `the CN ${cn} is not among the DNS names`,
          `Add dns:${cn} if clients connect with that name.`,
        ),
      );
    }
  }
  if (profile === 'client' && !cn) {
    out.push(
      finding(
        'CLIENT_WITHOUT_CN',
        'warning',
        'a client certificate without a CN',
        'use_identity_as_username takes the CN: Mosquitto refuses the client without one.',
      ),
    );
  }
  const lifetime = (cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY_MS;
  if (profile === 'server' && lifetime > 825) {
    out.push(
      finding(
        'LONG_VALIDITY',
        'info',
        `valid for ${Math.round(lifetime)} days`,
        'Apple platforms refuse TLS server certificates valid for more than 825 days; 398 or fewer is safest.',
      ),
    );
  }
  return out;
}

/** Lint a certificate given as PEM or DER. */
export function lintCertificate(options: LintOptions): LintFinding[] {
  const cert = readCertificate(options.certPem, options.file ?? 'certificate');
  const issuer = options.issuerPem !== undefined ? readCertificate(options.issuerPem, 'issuer') : undefined;
  return lintParsed(cert, {
    ...(issuer ? { issuer } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.expiringDays !== undefined ? { expiringDays: options.expiringDays } : {}),
  });
}

/** Lint a workspace certificate against its issuer and its profile. */
export function lintWorkspaceCertificate(ws: Workspace, name: string, now = new Date()): LintFinding[] {
  validateName(name, 'name');
  const entries = loadIndex(ws);
  const entry = getEntry(entries, name);
  const cert = readEntryCertificate(ws, name);
  const issuer = entry.issuerName ? readEntryCertificate(ws, entry.issuerName) : undefined;
  const findings = lintParsed(cert, {
    ...(issuer ? { issuer } : {}),
    ...(entry.profile ? { profile: entry.profile } : {}),
    now,
  });
  if (entry.revoked) {
    findings.unshift(
      finding(
        'REVOKED',
        'error',
        `revoked on ${entry.revoked.at} (${entry.revoked.reason})`,
        'Issue a replacement; peers checking the CRL refuse this one.',
      ),
    );
  }
  return findings;
}
