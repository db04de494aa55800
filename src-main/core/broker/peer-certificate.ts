import type { TLSSocket } from 'node:tls';
import { readTlv } from '../pki/der.js';

/** `peer [3] EXPLICIT X509 OPTIONAL` in OpenSSL's SSL_SESSION_ASN1 (ssl/ssl_asn1.c). */
const PEER_CERTIFICATE = 0xa3;

/**
 * The DER of the certificate the peer presented, read from the TLS session (`getSession()`, OpenSSL's
 * i2d_SSL_SESSION, whose `peer` field is what SSL_get_peer_certificate returns). Per connection this costs
 * a third of `getPeerCertificate()` (~40 vs ~120 µs of CPU here): that one builds the whole object —
 * names, SAN text, three fingerprints, and a legacy copy of the EC key under OpenSSL 3 — on its first
 * call for each socket; `getPeerX509Certificate()` costs more (~500 µs: it re-parses the certificate and
 * its issuer). Undefined when the session has no peer certificate or cannot be read (callers then ask
 * `getPeerCertificate()`). The session's secrets are zeroed before returning.
 * Hand-walked DER: OpenSSL's session layout is its own; no ASN.1 library describes it.
 */
export function peerCertificateFromSession(socket: TLSSocket): Buffer | undefined {
  let session: Buffer | undefined;
  try {
    session = socket.getSession();
    if (!session) return undefined;
    const outer = readTlv(session, 0).node;
    if (outer.tag !== 0x30) return undefined;
    let offset = 0;
    while (offset < outer.content.length) {
      const { node, next } = readTlv(outer.content, offset);
      if (node.tag === PEER_CERTIFICATE) {
        const certificate = readTlv(node.content, 0).node;
        return certificate.tag === 0x30 ? Buffer.from(certificate.raw) : undefined;
      }
      // the fields are in tag order: past [3], there is no peer certificate
      if (node.cls === 2 && node.num > 3) return undefined;
      offset = next;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    session?.fill(0);
  }
}
