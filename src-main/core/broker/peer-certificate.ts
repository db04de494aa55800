import type { TLSSocket } from 'node:tls';

/** `peer [3] EXPLICIT X509 OPTIONAL` in OpenSSL's SSL_SESSION_ASN1 (ssl/ssl_asn1.c). */
const PEER_CERTIFICATE = 0xa3;
const SEQUENCE = 0x30;

/** Tag, start of the value and end of one DER TLV at `offset` (definite lengths up to 4 octets). */
function header(der: Buffer, offset: number, end: number): { tag: number; start: number; end: number } {
  if (offset + 2 > end) throw new RangeError('truncated');
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > end) throw new RangeError('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start++]!;
  }
  if (start + length > end) throw new RangeError('truncated');
  return { tag, start, end: start + length };
}

/**
 * The DER of the certificate the peer presented, read from the TLS session (`getSession()`, OpenSSL's
 * i2d_SSL_SESSION, whose `peer` field is what SSL_get_peer_certificate returns). Per connection this costs
 * a third of `getPeerCertificate()` (~40 vs ~120 µs of CPU here): that one builds the whole object —
 * names, SAN text, three fingerprints, and a legacy copy of the EC key under OpenSSL 3 — on its first
 * call for each socket; `getPeerX509Certificate()` costs more (~500 µs: it decodes the certificate and
 * its issuer again). Undefined when the session has no peer certificate or cannot be read (callers then
 * ask `getPeerCertificate()`). The session's secrets are zeroed before returning.
 * Only the outer TLV headers are walked, by hand: the layout is OpenSSL's own (no ASN.1 library knows
 * it), and a full decode of the session with asn1js would cost more than what this saves.
 */
export function peerCertificateFromSession(socket: TLSSocket): Buffer | undefined {
  let session: Buffer | undefined;
  try {
    session = socket.getSession();
    if (!session) return undefined;
    const outer = header(session, 0, session.length);
    if (outer.tag !== SEQUENCE) return undefined;
    for (let offset = outer.start; offset < outer.end;) {
      const field = header(session, offset, outer.end);
      if (field.tag === PEER_CERTIFICATE) {
        const certificate = header(session, field.start, field.end);
        if (certificate.tag !== SEQUENCE || certificate.end !== field.end) return undefined;
        return Buffer.from(session.subarray(field.start, certificate.end));
      }
      // the fields come in tag order: past [3] there is no peer certificate
      if ((field.tag & 0xc0) === 0x80 && (field.tag & 0x1f) > 3) return undefined;
      offset = field.end;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    session?.fill(0);
  }
}
