import { readCrl } from '../conf/index.js';
import { pickCrl, readCertificate, readCrls, type ParsedCrl } from '../pki/index.js';
import { serialHex } from '../pki/certificate.js';
import { commonNameOf } from '../pki/distinguished-name.js';
import type { DistinguishedName } from '../pki/types.js';
import { verifySignature } from '../pki/keys.js';
import type { Refusal } from './refusal-reasons.js';

/*
 * The CRL check of a listener with a crlfile. It needs the workshop's certificate and CRL readers (the
 * @peculiar ASN.1 stack, ~14 MB of memory), so a listener loads this module only when its conf has a
 * crlfile (ListenerRuntime.listen, before it reads its TLS material).
 */

/** The CRLs of a crlfile (PEM, one or more), as the check below reads them. Throws with a plain reason. */
export function readCrlFile(crlfile: string): ParsedCrl[] {
  return readCrls(readCrl(crlfile), crlfile);
}

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
  const { issuerCrls, issuerName, issuerLabel: label, serial } = leafFacts(leafDer, issuerDer, crls);
  // Of the issuer's CRLs in crlfile, the one OpenSSL (and so Mosquitto) would use: a current one first.
  const crl = pickCrl(issuerCrls, now);
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
  const entry = crl.revoked.find((r) => r.serial === serial);
  if (entry) {
    return {
      reason: `certificate revoked by the CRL of ${label}: serial ${serial}, since ${entry.at.toISOString()} (${entry.reason})`,
      problem: 'REVOKED',
    };
  }
  return undefined;
}

interface LeafFacts {
  /** The crlfile CRLs of the leaf's issuer whose signature the issuer's key verifies. */
  issuerCrls: ParsedCrl[];
  issuerName: string;
  issuerLabel: string;
  serial: string;
}

/**
 * What the check needs from a leaf and its issuer, per loaded crlfile (a reload brings a new array) and
 * per leaf+issuer DER: a reconnecting client is not parsed again, nor the CRL signatures verified again.
 * Bounded: cleared past 1000 entries.
 */
const factsCache = new WeakMap<readonly ParsedCrl[], Map<string, LeafFacts>>();

function leafFacts(leafDer: Buffer, issuerDer: Buffer | undefined, crls: readonly ParsedCrl[]): LeafFacts {
  let cache = factsCache.get(crls);
  if (!cache) factsCache.set(crls, (cache = new Map()));
  // The DERs themselves are the key (a fingerprint would need hashing them anyway); ~1-2 KB strings.
  const key = issuerDer
    ? `${leafDer.toString('latin1')}\0${issuerDer.toString('latin1')}`
    : leafDer.toString('latin1');
  const cached = cache.get(key);
  if (cached) return cached;
  const leaf = readCertificate(leafDer, 'client certificate');
  const issuerSpki = issuerDer ? readCertificate(issuerDer, 'client certificate issuer').spki : undefined;
  const facts: LeafFacts = {
    issuerCrls: crls.filter(
      (c) =>
        c.issuerDer.equals(leaf.issuerDer) &&
        (issuerSpki === undefined || verifySignature(c.tbs, c.signatureOid, c.signature, issuerSpki)),
    ),
    issuerName: leaf.issuer.rfc2253,
    issuerLabel: issuerLabel(leaf.issuer),
    serial: serialHex(leaf),
  };
  if (cache.size >= 1000) cache.clear();
  cache.set(key, facts);
  return facts;
}

/** The issuer's CN when it has one (`intermediate-ca`), else its whole RFC 2253 name. */
function issuerLabel(issuer: DistinguishedName): string {
  return commonNameOf(issuer) || issuer.rfc2253;
}
