import { readCertificate, type ParsedCrl } from '../pki/index.js';
import { serialHex } from '../pki/certificate.js';
import { verifySignature } from '../pki/keys.js';
import type { Refusal } from './refusal-reasons.js';

/**
 * Mosquitto 2.0.11 sets only `X509_V_FLAG_CRL_CHECK`: OpenSSL checks the client's leaf against the CRL
 * of its issuer, and refuses when that CRL is missing, not yet valid, expired, or lists the leaf. (Node's
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
  const crl = crls.find(
    (c) =>
      c.issuerDer.equals(leaf.issuerDer) &&
      (issuerSpki === undefined || verifySignature(c.tbs, c.signatureOid, c.signature, issuerSpki)),
  );
  const issuerName = leaf.issuer.rfc2253;
  if (!crl) {
    return {
      reason: `no CRL from the client certificate’s issuer (${issuerName}) in crlfile, so OpenSSL cannot check it (unable to get certificate CRL)`,
      problem: 'CRL_MISSING',
    };
  }
  if (crl.thisUpdate > now) {
    return {
      reason: `the CRL of ${issuerName} is not valid yet (thisUpdate ${crl.thisUpdate.toISOString()})`,
      problem: 'CRL_MISSING',
    };
  }
  if (crl.nextUpdate && crl.nextUpdate < now) {
    return {
      reason: `the CRL of ${issuerName} expired on ${crl.nextUpdate.toISOString()}: OpenSSL refuses every certificate it covers`,
      problem: 'CRL_MISSING',
    };
  }
  const serial = serialHex(leaf);
  const entry = crl.revoked.find((r) => r.serial === serial);
  if (entry) {
    return {
      reason: `the client certificate (serial ${serial}) is revoked since ${entry.at.toISOString()} (${entry.reason})`,
      problem: 'REVOKED',
    };
  }
  return undefined;
}
