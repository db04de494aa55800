import { pickCrl, readCertificate, type ParsedCrl } from '../pki/index.js';
import { serialHex } from '../pki/certificate.js';
import { commonNameOf } from '../pki/distinguished-name.js';
import type { DistinguishedName } from '../pki/types.js';
import { verifySignature } from '../pki/keys.js';
import type { Refusal } from './refusal-reasons.js';

/**
 * Mosquitto 2.0.11 sets only `X509_V_FLAG_CRL_CHECK`: OpenSSL checks the client's leaf against the CRL
 * of its issuer, and refuses when that CRL is missing (CRL_MISSING), not yet valid (CRL_NOT_YET_VALID),
 * expired (CRL_EXPIRED), or lists the leaf (REVOKED). (Node's
 * own `crl` option checks the whole chain, which would refuse clients Mosquitto accepts, so the broker
 * checks here after OpenSSL verified the chain.)
 */
export function leafRevocation(
  leafDer: Buffer,
  issuerDer: Buffer | undefined,
  crls: readonly ParsedCrl[],
  now = new Date(),
): Refusal | undefined {
  const leaf = readCertificate(leafDer, 'client certificate');
  const issuerSpki = issuerDer ? readCertificate(issuerDer, 'client certificate issuer').spki : undefined;
  // Of the issuer's CRLs in crlfile, the one OpenSSL (and so Mosquitto) would use: a current one first.
  const crl = pickCrl(
    crls.filter(
      (c) =>
        c.issuerDer.equals(leaf.issuerDer) &&
        (issuerSpki === undefined || verifySignature(c.tbs, c.signatureOid, c.signature, issuerSpki)),
    ),
    now,
  );
  const issuerName = leaf.issuer.rfc2253;
  if (!crl) {
    return {
      reason: `no CRL from the client certificate’s issuer (${issuerName}) in crlfile, so OpenSSL cannot check it (unable to get certificate CRL)`,
      problem: 'CRL_MISSING',
    };
  }
  // OpenSSL's check_crl_time (errors 11 and 12): every certificate the CRL covers is refused.
  if (crl.thisUpdate > now) {
    return {
      reason: `the CRL of ${issuerName} in crlfile is not valid yet (thisUpdate ${crl.thisUpdate.toISOString()}), so OpenSSL refuses every certificate it covers; check the clocks, or publish a CRL dated now (mqtt-tls-studio crl --ca NAME --out FILE) into crlfile`,
      problem: 'CRL_NOT_YET_VALID',
    };
  }
  if (crl.nextUpdate && crl.nextUpdate < now) {
    return {
      reason: `the CRL of ${issuerName} in crlfile expired on ${crl.nextUpdate.toISOString()} (nextUpdate), so OpenSSL refuses every certificate it covers; publish a fresh CRL (mqtt-tls-studio crl --ca NAME --out FILE) into crlfile`,
      problem: 'CRL_EXPIRED',
    };
  }
  const serial = serialHex(leaf);
  const entry = crl.revoked.find((r) => r.serial === serial);
  if (entry) {
    return {
      reason: `certificate revoked by the CRL of ${issuerLabel(leaf.issuer)}: serial ${serial}, since ${entry.at.toISOString()} (${entry.reason})`,
      problem: 'REVOKED',
    };
  }
  return undefined;
}

/** The issuer's CN when it has one (`intermediate-ca`), else its whole RFC 2253 name. */
function issuerLabel(issuer: DistinguishedName): string {
  return commonNameOf(issuer) || issuer.rfc2253;
}
