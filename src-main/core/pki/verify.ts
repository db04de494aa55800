/**
 * Chain verification that explains itself. It follows OpenSSL's X509_verify_cert (what `openssl
 * verify`, Mosquitto and Node use): build the chain trusted-first, then CA flags / purpose / path
 * length, host name, revocation (CRL of the leaf's issuer, as -crl_check), then signatures and
 * validity from the root down. Every problem carries a code from problems.ts, a sentence and a fix.
 */
import { isIP } from 'node:net';
import type { Problem, ProblemCode } from '../problems.js';
import { fingerprint, isSelfSigned, namesIssuer, readCertificates, serialHex } from './certificate.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { readCrls, type ParsedCrl } from './crl.js';
import { checkHost } from './hostname.js';
import { verifySignature } from './keys.js';
import { OID } from './oids.js';
import type { Profile, VerifyResult, VerifyStep } from './types.js';
import { pickCrl } from './pick-crl.js';

export type { VerifyChainEntry, VerifyResult } from './types.js';

export interface VerifyOptions {
  /** The certificate to verify (first one of the text; any others are used as untrusted). */
  certPem: string | Buffer;
  /** Trusted CA certificates (roots, or any anchor). */
  caPem: string | Buffer;
  /** Intermediates to build the chain with (not trusted by themselves). */
  untrustedPem?: string | Buffer;
  /** CRLs; the leaf's issuer must have one (`openssl verify -crl_check`). */
  crlPem?: string | Buffer;
  /** Check every certificate of the chain against a CRL, not only the leaf (`-crl_check_all`). */
  crlCheckAll?: boolean;
  purpose?: Profile;
  host?: string;
  at?: Date;
  /** File names for error messages. */
  files?: { cert?: string; ca?: string; untrusted?: string; crl?: string };
}

interface Found {
  cert: ParsedCertificate;
  trusted: boolean;
}

const SELF_ISSUED = (c: ParsedCertificate) => c.subject.rfc2253 === c.issuer.rfc2253;

/** OpenSSL's x509_check_issued: names chain, AKI matches SKI, issuer may sign certificates. */
function couldIssue(issuer: ParsedCertificate, cert: ParsedCertificate): boolean {
  if (!namesIssuer(cert, issuer)) return false;
  if (issuer.ext.keyUsage && !issuer.ext.keyUsage.usages.includes('keyCertSign')) return false;
  return true;
}

function pickIssuer(
  candidates: ParsedCertificate[],
  cert: ParsedCertificate,
  at: Date,
): ParsedCertificate | undefined {
  const possible = candidates.filter((c) => couldIssue(c, cert) && !c.der.equals(cert.der));
  // Prefer one whose signature verifies and that is currently valid, as OpenSSL prefers valid issuers.
  return (
    possible.find(
      (c) =>
        verifySignature(cert.tbs, cert.signatureOid, cert.signature, c.spki) &&
        c.notAfter >= at &&
        c.notBefore <= at,
    ) ??
    possible.find((c) => verifySignature(cert.tbs, cert.signatureOid, cert.signature, c.spki)) ??
    possible[0]
  );
}

function describe(cert: ParsedCertificate): string {
  return cert.subject.rfc2253 || '(empty subject)';
}

/** X509_check_ca ≠ 0: a certificate that may act as a CA. */
function isValidCa(cert: ParsedCertificate): boolean {
  if (cert.ext.keyUsage && !cert.ext.keyUsage.usages.includes('keyCertSign')) return false;
  if (cert.ext.basicConstraints) return cert.ext.basicConstraints.ca;
  // v1 self-signed roots are accepted as CAs by OpenSSL.
  return cert.version === 1 && SELF_ISSUED(cert);
}

/** X509_check_purpose for sslserver / sslclient (EKU, then KU), leaf or CA. */
function purposeProblem(cert: ParsedCertificate, purpose: Profile, asCa: boolean): string | undefined {
  const eku = cert.ext.extKeyUsage?.oids;
  const wanted = purpose === 'server' ? OID.serverAuth : OID.clientAuth;
  if (eku && !eku.includes(wanted)) {
    return `its extended key usage (${eku.map((o) => (o === OID.serverAuth ? 'serverAuth' : o === OID.clientAuth ? 'clientAuth' : o)).join(', ')}) lacks ${purpose === 'server' ? 'serverAuth' : 'clientAuth'}`;
  }
  if (asCa) return undefined;
  const ku = cert.ext.keyUsage?.usages;
  const allowed =
    purpose === 'server'
      ? ['digitalSignature', 'keyEncipherment', 'keyAgreement']
      : ['digitalSignature', 'keyAgreement'];
  if (ku && !ku.some((u) => allowed.includes(u))) {
    return `its key usage (${ku.join(', ')}) allows none of ${allowed.join(', ')}`;
  }
  return undefined;
}

function problem(code: ProblemCode, message: string, fix: string): Problem {
  return { code, message, fix };
}

/** OpenSSL's check_crl_time: X509_V_ERR_CRL_NOT_YET_VALID (11) and X509_V_ERR_CRL_HAS_EXPIRED (12). */
function crlTimeProblem(crl: ParsedCrl, at: Date): Problem | undefined {
  const ca = crl.issuer.rfc2253;
  if (crl.thisUpdate > at) {
    return problem(
      'CRL_NOT_YET_VALID',
      `the CRL of ${ca} is not valid yet: it was issued for ${crl.thisUpdate.toISOString()} (thisUpdate), later than the time checked (${at.toISOString()}); OpenSSL refuses every certificate it covers until then`,
      "Check the clocks of this machine and of the CA that published the CRL, or publish a new CRL dated now (crl --ca CA --out FILE) and reload it where it is used (Mosquitto's crlfile).",
    );
  }
  if (crl.nextUpdate && crl.nextUpdate < at) {
    return problem(
      'CRL_EXPIRED',
      `the CRL of ${ca} expired on ${crl.nextUpdate.toISOString()} (nextUpdate); OpenSSL refuses every certificate it covers until a fresh CRL is loaded`,
      "Publish a fresh CRL of that CA (crl --ca CA --out FILE), reload it where it is used (Mosquitto's crlfile), and publish again before each nextUpdate.",
    );
  }
  return undefined;
}

export function verifyCertificate(options: VerifyOptions): VerifyResult {
  const at = options.at ?? new Date();
  const files = options.files ?? {};
  const steps: VerifyStep[] = [];
  const problems: Problem[] = [];
  const step = (name: string, ok: boolean, detail: string) => steps.push({ name, ok, detail });

  const given = readCertificates(options.certPem, files.cert ?? 'certificate');
  const leaf = given[0]!;
  const caText = typeof options.caPem === 'string' ? options.caPem : options.caPem.toString('latin1');
  // An empty CA text means no trust anchor at all (the chain can then only end untrusted).
  const trusted = caText.trim() === '' ? [] : readCertificates(options.caPem, files.ca ?? 'CA file');
  const untrusted = [
    ...given.slice(1),
    ...(options.untrustedPem !== undefined
      ? readCertificates(options.untrustedPem, files.untrusted ?? 'untrusted file')
      : []),
  ];
  const crls: ParsedCrl[] =
    options.crlPem !== undefined ? readCrls(options.crlPem, files.crl ?? 'CRL file') : [];
  step(
    'Read',
    true,
    `certificate ${describe(leaf)}, ${trusted.length} trusted, ${untrusted.length} untrusted, ${crls.length} CRL(s)`,
  );

  // 1. Build the chain, trusted issuers first (X509_V_FLAG_TRUSTED_FIRST, OpenSSL's default).
  const chain: Found[] = [{ cert: leaf, trusted: trusted.some((t) => t.der.equals(leaf.der)) }];
  let chainProblem: Problem | undefined;
  for (;;) {
    const top = chain[chain.length - 1]!;
    if (top.trusted) break;
    if (SELF_ISSUED(top.cert) && isSelfSigned(top.cert)) {
      if (chain.length === 1) {
        chainProblem = problem(
          'SELF_SIGNED_LEAF',
          `${describe(leaf)} is self-signed and not in the trusted CA file`,
          'Issue the certificate from a CA (root → intermediate → leaf) and trust that CA; a self-signed leaf only works where it is itself trusted.',
        );
      } else {
        chainProblem = problem(
          'UNTRUSTED_ROOT',
          `the chain ends at the root ${describe(top.cert)}, which is not in the trusted CA file`,
          'Give the peer this root as its CA file (cafile / --cafile), or get the certificate issued by a CA the peer trusts.',
        );
      }
      break;
    }
    if (chain.length > 10) break;
    const fromTrusted = pickIssuer(trusted, top.cert, at);
    if (fromTrusted) {
      chain.push({ cert: fromTrusted, trusted: true });
      continue;
    }
    const fromUntrusted = pickIssuer(untrusted, top.cert, at);
    if (fromUntrusted && !chain.some((c) => c.cert.der.equals(fromUntrusted.der))) {
      chain.push({ cert: fromUntrusted, trusted: false });
      continue;
    }
    const issuerName = top.cert.issuer.rfc2253;
    chainProblem =
      chain.length === 1
        ? problem(
            'MISSING_INTERMEDIATE',
            `the issuer of ${describe(top.cert)} (${issuerName}) is neither a trusted CA nor among the intermediates given`,
            'Send the intermediate CA with the certificate (a chain file: leaf then intermediates), or trust the CA that issued it.',
          )
        : problem(
            'UNTRUSTED_ROOT',
            `the chain stops at ${describe(top.cert)}: its issuer ${issuerName} is not in the trusted CA file`,
            'Trust the root CA that issued this intermediate (put it in the CA file).',
          );
    break;
  }
  const anchored = chain[chain.length - 1]!.trusted;
  const chainText = chain.map((c) => describe(c.cert)).join(' → ');
  step(
    'Build chain',
    anchored,
    anchored ? `${chainText} (trusted)` : `${chainText}: ${chainProblem?.message ?? 'incomplete'}`,
  );
  if (chainProblem) problems.push(chainProblem);

  // 2. CA flags, purpose, path length (check_extensions), leaf first.
  let pathOk = true;
  let plen = 0;
  chain.forEach(({ cert }, i) => {
    if (cert.ext.unknownCritical?.length) {
      problems.push(
        problem(
          'HANDSHAKE_FAILED',
          `${describe(cert)} has critical extension(s) ${cert.ext.unknownCritical.join(', ')} that TLS stacks do not understand`,
          'Re-issue it without unknown critical extensions.',
        ),
      );
      pathOk = false;
    }
    if (i > 0) {
      if (!isValidCa(cert)) {
        problems.push(
          problem(
            'NOT_A_CA',
            cert.ext.basicConstraints?.ca
              ? `${describe(cert)} is a CA without the keyCertSign key usage, so it may not issue ${describe(chain[i - 1]!.cert)}`
              : `${describe(cert)} issued ${describe(chain[i - 1]!.cert)} but is not a CA (basicConstraints CA:FALSE or absent)`,
            'Issue certificates only from a CA certificate (basicConstraints CA:TRUE, keyCertSign).',
          ),
        );
        pathOk = false;
      }
      const limit = cert.ext.basicConstraints?.pathLen;
      if (i > 1 && limit !== undefined && plen > limit) {
        problems.push(
          problem(
            'PATH_LENGTH_EXCEEDED',
            `${describe(cert)} allows ${limit} intermediate CA(s) below it, the chain has ${plen}`,
            'Re-create the CA with a larger path length, or issue from a CA higher in the hierarchy.',
          ),
        );
        pathOk = false;
      }
      if (!SELF_ISSUED(cert)) plen++;
    }
    if (options.purpose) {
      const why = purposeProblem(cert, options.purpose, i > 0);
      if (why) {
        problems.push(
          problem(
            'WRONG_PURPOSE',
            `${describe(cert)} cannot be used as a TLS ${options.purpose}: ${why}`,
            options.purpose === 'server'
              ? 'Issue the broker certificate with the server profile (EKU serverAuth).'
              : 'Issue the device certificate with the client profile (EKU clientAuth).',
          ),
        );
        pathOk = false;
      }
    }
  });
  step(
    'Basic constraints, key usage and path length',
    pathOk,
    pathOk
      ? `every issuer is a CA${options.purpose ? `; usable as a TLS ${options.purpose}` : ''}`
      : problems
          .filter((p) => ['NOT_A_CA', 'PATH_LENGTH_EXCEEDED', 'WRONG_PURPOSE'].includes(p.code))
          .map((p) => p.message)
          .join('; '),
  );

  // 3. Host name or IP (check_id).
  if (options.host !== undefined) {
    const result = checkHost(leaf, options.host);
    const kind = isIP(options.host) ? 'IP address' : 'host name';
    step(
      'Host name',
      result.ok,
      `${options.host} against ${result.against.join(', ') || 'nothing (no SAN)'}`,
    );
    if (!result.ok) {
      problems.push(
        problem(
          'HOSTNAME_MISMATCH',
          result.cnOnly
            ? `the ${kind} ${options.host} is only in the CN; TLS clients check ${isIP(options.host) ? 'IP' : 'DNS'} subject alternative names`
            : `the ${kind} ${options.host} is not in the certificate (${result.against.join(', ') || 'no subject alternative names'})`,
          `Re-issue the certificate with ${isIP(options.host) ? 'ip' : 'dns'}:${options.host} in its subject alternative names, or connect with a name it has.`,
        ),
      );
    }
  }

  // 4. Revocation: the leaf (or every non-root) against a CRL signed by its issuer.
  if (options.crlPem !== undefined) {
    // -crl_check: the leaf only; -crl_check_all: every certificate below the trust anchor.
    const toCheck = options.crlCheckAll ? chain.slice(0, -1) : chain.slice(0, 1);
    let revocationOk = true;
    const details: string[] = [];
    toCheck.forEach(({ cert }, i) => {
      const issuer = chain[i + 1]?.cert;
      const crl = pickCrl(
        crls.filter(
          (c) =>
            (c.issuerDer.equals(cert.issuerDer) || c.issuer.rfc2253 === cert.issuer.rfc2253) &&
            (!issuer || verifySignature(c.tbs, c.signatureOid, c.signature, issuer.spki)),
        ),
        at,
      );
      if (!crl) {
        revocationOk = false;
        const badSignature = crls.find((c) => c.issuer.rfc2253 === cert.issuer.rfc2253);
        problems.push(
          badSignature
            ? problem(
                'BAD_SIGNATURE',
                `the CRL of ${cert.issuer.rfc2253} is not signed by that CA's key`,
                'Publish the CRL from the CA that issued the certificate.',
              )
            : problem(
                'CRL_MISSING',
                `no CRL from ${cert.issuer.rfc2253} was given to check ${describe(cert)}`,
                'Publish the CRL of the issuing CA (crl --ca CA) and pass it along.',
              ),
        );
        details.push(`${describe(cert)}: no CRL from its issuer`);
        return;
      }
      const timeProblem = crlTimeProblem(crl, at);
      if (timeProblem) {
        revocationOk = false;
        problems.push(timeProblem);
        details.push(
          `${describe(cert)}: CRL #${crl.number ?? '?'} of ${crl.issuer.rfc2253} ${timeProblem.code === 'CRL_EXPIRED' ? 'has expired' : 'is not valid yet'}`,
        );
      }
      const entry = crl.revoked.find((r) => r.serial === serialHex(cert));
      if (entry) {
        revocationOk = false;
        problems.push(
          problem(
            'REVOKED',
            `${describe(cert)} (serial ${serialHex(cert)}) was revoked on ${entry.at.toISOString()} (${entry.reason})`,
            'Issue a new certificate for this peer; a revoked one cannot be brought back.',
          ),
        );
        details.push(`${describe(cert)}: revoked (${entry.reason})`);
      } else details.push(`${describe(cert)}: not on CRL #${crl.number ?? '?'} of ${crl.issuer.rfc2253}`);
    });
    step('Revocation', revocationOk, details.join('; '));
  }

  // 5. Signatures and validity, from the top of the chain down (internal_verify).
  let signaturesOk = true;
  let timesOk = true;
  const timeDetails: string[] = [];
  for (let i = chain.length - 1; i >= 0; i--) {
    const cert = chain[i]!.cert;
    const issuer = chain[i + 1]?.cert;
    if (issuer && !verifySignature(cert.tbs, cert.signatureOid, cert.signature, issuer.spki)) {
      signaturesOk = false;
      problems.push(
        problem(
          'BAD_SIGNATURE',
          `the signature of ${describe(cert)} does not verify with the key of ${describe(issuer)}`,
          'The certificate was not signed by this CA (same name, different key?): re-issue it, or trust the CA that really signed it.',
        ),
      );
    }
    if (cert.notBefore > at) {
      timesOk = false;
      problems.push(
        problem(
          'NOT_YET_VALID',
          `${describe(cert)} is not valid before ${cert.notBefore.toISOString()}`,
          'Check the clock of this machine, or wait until the certificate starts.',
        ),
      );
    } else if (cert.notAfter < at) {
      timesOk = false;
      problems.push(
        problem(
          'EXPIRED',
          `${describe(cert)} expired on ${cert.notAfter.toISOString()}`,
          'Renew it: issue a new certificate and deploy it.',
        ),
      );
    }
    timeDetails.push(`${describe(cert)}: ${cert.notBefore.toISOString()} – ${cert.notAfter.toISOString()}`);
  }
  step(
    'Signatures',
    signaturesOk,
    signaturesOk ? `each certificate verifies with its issuer's key` : 'a signature does not verify',
  );
  step('Validity', timesOk, timeDetails.join('; '));

  return {
    ok: problems.length === 0,
    problems,
    steps,
    chain: chain.map((c, i) => ({
      subject: c.cert.subject.rfc2253,
      issuer: c.cert.issuer.rfc2253,
      serial: serialHex(c.cert),
      notBefore: c.cert.notBefore.toISOString(),
      notAfter: c.cert.notAfter.toISOString(),
      fingerprint256: fingerprint(c.cert.der, 'sha256'),
      source: i === 0 ? 'leaf' : c.trusted ? 'trusted' : 'untrusted',
    })),
  };
}
