/**
 * What the broker shows of a client certificate (RFC 2253 subject and issuer, first CN, serial,
 * fingerprint, notAfter), taken from what OpenSSL already decoded during the handshake instead of
 * parsing the certificate again with a JS ASN.1 library: a fleet of distinct devices connecting at once
 * would pay that parse on every connection.
 *
 * Node prints a name only with OpenSSL's multi-line flags (ESC_2253 | ESC_CTRL | UTF8_CONVERT, FN_SN,
 * one RDN per line, ` + ` inside an RDN). RFC 2253 (XN_FLAG_RFC2253) is the same walk with the entries
 * in reverse order, `,`/`+` separators and ESC_MSB (every octet ≥ 0x80 of the UTF-8 output as \XX);
 * OpenSSL 3 refuses at decoding a name value that is not a valid string of its type (wrong tag, bad
 * UTF-8, lone surrogate), so every value of a certificate that passed the handshake is text. What the
 * multi-line form cannot give — an attribute type outside the workshop's table, printed by RFC 2253 as
 * `OID=#hex` of its DER — is left to the full parse (readCertificate, client-certificate-parse.ts), as
 * are certificates whose time is not in OpenSSL's plain form. That parse needs the @peculiar ASN.1 stack
 * (~14 MB of memory): it is loaded by the first certificate that needs it, not with the broker.
 *
 * Cost, once per distinct certificate (then cached by fingerprint), CPU here: `new X509Certificate(raw)`
 * ~0.2 ms (OpenSSL 3 decodes the certificate again, in C) against ~0.9 ms for the asn1-schema reader;
 * `socket.getPeerX509Certificate()` would be ~20 µs for a bare leaf but clones every chain certificate
 * the client sent (~0.35 ms with one intermediate, which the product's client sends).
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { NAME_ATTRIBUTES } from '../pki/oids.js';
import type { ClientCertificateSummary } from './events.js';

export interface CertificateFacts {
  names: { cn?: string; cnHasNul: boolean; subject: string };
  summary: ClientCertificateSummary;
}

/** OpenSSL's short names of the attribute types the workshop's RFC 2253 printer knows. */
const KNOWN_SHORT_NAMES = new Set(Object.values(NAME_ATTRIBUTES).map((a) => a.short));

/** `Dec  9 21:13:01 2026 GMT`: ASN1_TIME_print of a time without fractional seconds. */
const PLAIN_TIME = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/;

/**
 * RFC 2253 form of a name Node printed in OpenSSL's multi-line form; undefined when that form does not
 * carry enough (an attribute type the printer does not know, a replacement character from Node's UTF-8
 * decoding).
 */
export function rfc2253FromMultiline(text: string | undefined): string | undefined {
  if (!text) return '';
  if (text.includes('\uFFFD')) return undefined;
  // Entries in order, each with the index of its RDN. Backslash escapes are skipped whole, so an
  // escaped `+`, `,` or `\` never splits; raw newlines cannot be inside a value (ESC_CTRL escapes them).
  const entries: Array<{ text: string; rdn: number }> = [];
  text.split('\n').forEach((line, rdn) => {
    let start = 0;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '\\') i++;
      else if (line.startsWith(' + ', i)) {
        entries.push({ text: line.slice(start, i), rdn });
        start = i + 3;
        i += 2;
      }
    }
    entries.push({ text: line.slice(start), rdn });
  });
  let out = '';
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    const equals = entry.text.indexOf('=');
    const type = entry.text.slice(0, equals);
    if (equals < 0 || !KNOWN_SHORT_NAMES.has(type)) return undefined;
    if (i < entries.length - 1) out += entries[i + 1]!.rdn === entry.rdn ? '+' : ',';
    out += type + '=' + escapeHighOctets(entry.text.slice(equals + 1));
  }
  return out;
}

/** ESC_MSB: each UTF-8 octet ≥ 0x80 as `\XX` (the escapes already there are ASCII). */
function escapeHighOctets(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(value)) return value;
  let out = '';
  for (const char of value) {
    if (char.charCodeAt(0) < 0x80) out += char;
    else for (const octet of Buffer.from(char, 'utf8')) out += '\\' + octet.toString(16).toUpperCase();
  }
  return out;
}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The facts from OpenSSL's decoding; undefined when only the full parse gives them exactly. */
export function factsFromOpenssl(peer: PeerCertificate): CertificateFacts | undefined {
  if (!PLAIN_TIME.test(peer.valid_to) || !peer.subject) return undefined;
  const x509 = new X509Certificate(peer.raw);
  const subject = rfc2253FromMultiline(x509.subject);
  const issuer = subject === undefined ? undefined : rfc2253FromMultiline(x509.issuer);
  if (subject === undefined || issuer === undefined) return undefined;
  // Node's subject object holds each value as OpenSSL's UTF-8 conversion, repeated types in order.
  const cn = firstOf((peer.subject as unknown as Record<string, string | string[] | undefined>).CN);
  return {
    names: { cn, cnHasNul: cn?.includes('\0') ?? false, subject },
    summary: {
      subject,
      issuer,
      serial: peer.serialNumber.toUpperCase(),
      fingerprint256: peer.fingerprint256,
      notAfter: new Date(peer.valid_to).toISOString(),
    },
  };
}

/**
 * Facts of recently seen client certificates, by their DER (read from the TLS session, see
 * peer-certificate.ts): a reconnecting client's certificate is not looked at again, nor read with
 * `getPeerCertificate()` (`peer` is called on a miss only). Bounded: cleared past 1000 entries. The
 * summary object is shared by the connections of one certificate (events only read it).
 */
const factsCache = new Map<string, CertificateFacts>();

/**
 * The facts of a client certificate: at once from the cache or OpenSSL's decoding, or (a certificate only
 * the full parse reads) a promise of them, which loads the parser on first use. Throws, or rejects, when
 * the certificate cannot be decoded.
 */
export function certificateFacts(
  der: Buffer,
  peer: () => PeerCertificate,
): CertificateFacts | Promise<CertificateFacts> {
  const key = der.toString('base64');
  const cached = factsCache.get(key);
  if (cached) return cached;
  const object = peer();
  const fast = factsFromOpenssl(object);
  if (fast) return remember(key, fast);
  return import('./client-certificate-parse.js').then((m) => remember(key, m.factsFromParse(object)));
}

function remember(key: string, facts: CertificateFacts): CertificateFacts {
  if (factsCache.size >= 1000) factsCache.clear();
  factsCache.set(key, facts);
  return facts;
}
