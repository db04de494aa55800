/**
 * A client certificate's facts by the workshop's full parse (readCertificate): for the certificates whose
 * names or times OpenSSL's decoding as Node prints it does not carry exactly (client-certificate-facts.ts).
 * Its own module because it loads the @peculiar ASN.1 stack: the broker imports it on first need only.
 */
import type { PeerCertificate } from 'node:tls';
import { readCertificate } from '../pki/index.js';
import type { CertificateFacts } from './client-certificate-facts.js';

const COMMON_NAME = '2.5.4.3';

/** The facts by parsing the certificate with the workshop's reader (throws a DecodeError/UserError). */
export function factsFromParse(peer: PeerCertificate): CertificateFacts {
  const parsed = readCertificate(peer.raw, 'client certificate');
  const cn = parsed.subject.attributes.find((a) => a.oid === COMMON_NAME)?.value;
  return {
    names: { cn, cnHasNul: cn?.includes('\0') ?? false, subject: parsed.subject.rfc2253 },
    summary: {
      subject: parsed.subject.rfc2253,
      issuer: parsed.issuer.rfc2253,
      serial: peer.serialNumber.toUpperCase(),
      fingerprint256: peer.fingerprint256,
      notAfter: parsed.notAfter.toISOString(),
    },
  };
}
