/**
 * Parsers for the handshake messages the inspector reports on (RFC 5246 for TLS 1.2, RFC 8446 for 1.3).
 * Each takes the message body (after the 4-byte handshake header).
 */
import { ByteReader } from './byte-reader.js';
import { isDheSuite, isEcdheSuite } from './tls-names.js';

const EXT = {
  serverName: 0,
  alpn: 16,
  supportedVersions: 43,
  certificateAuthorities: 47,
  keyShare: 51,
} as const;

/** SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 §4.1.3). */
const HELLO_RETRY_RANDOM = Buffer.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
  'hex',
);

function readExtensions(reader: ByteReader): Map<number, Buffer> {
  const extensions = new Map<number, Buffer>();
  if (reader.remaining === 0) return extensions;
  const block = new ByteReader(reader.vector(2));
  while (block.remaining > 0) {
    const type = block.u16();
    extensions.set(type, block.vector(2));
  }
  return extensions;
}

function readAlpn(data: Buffer | undefined): string | null {
  if (!data) return null;
  const list = new ByteReader(new ByteReader(data).vector(2));
  return list.remaining > 0 ? list.vector(1).toString('latin1') : null;
}

export interface ServerHello {
  helloRetryRequest: boolean;
  /** The negotiated version: supported_versions when present, else legacy_version. */
  version: number;
  cipherSuite: number;
  /** TLS 1.3 key_share group (or, in a HelloRetryRequest, the group the server asks for). */
  keyShareGroup: number | null;
  /** ALPN in the ServerHello (TLS 1.2; in 1.3 it is in EncryptedExtensions). */
  alpn: string | null;
}

export function parseServerHello(body: Buffer): ServerHello {
  const reader = new ByteReader(body);
  const legacyVersion = reader.u16();
  const random = reader.bytes(32);
  reader.vector(1); // legacy_session_id_echo
  const cipherSuite = reader.u16();
  reader.u8(); // legacy_compression_method
  const extensions = readExtensions(reader);
  const helloRetryRequest = random.equals(HELLO_RETRY_RANDOM);
  const versions = extensions.get(EXT.supportedVersions);
  const version = versions && versions.length >= 2 ? versions.readUInt16BE(0) : legacyVersion;
  const keyShare = extensions.get(EXT.keyShare);
  const keyShareGroup = keyShare && keyShare.length >= 2 ? keyShare.readUInt16BE(0) : null;
  return { helloRetryRequest, version, cipherSuite, keyShareGroup, alpn: readAlpn(extensions.get(EXT.alpn)) };
}

export interface ClientHello {
  serverName: string | null;
  alpn: string[];
  versions: number[];
}

export function parseClientHello(body: Buffer): ClientHello {
  const reader = new ByteReader(body);
  const legacyVersion = reader.u16();
  reader.bytes(32);
  reader.vector(1);
  reader.vector(2); // cipher_suites
  reader.vector(1); // compression methods
  const extensions = readExtensions(reader);
  let serverName: string | null = null;
  const sni = extensions.get(EXT.serverName);
  if (sni) {
    const list = new ByteReader(new ByteReader(sni).vector(2));
    while (list.remaining > 0) {
      const type = list.u8();
      const name = list.vector(2);
      if (type === 0) serverName = name.toString('latin1');
    }
  }
  const alpn: string[] = [];
  const alpnData = extensions.get(EXT.alpn);
  if (alpnData) {
    const list = new ByteReader(new ByteReader(alpnData).vector(2));
    while (list.remaining > 0) alpn.push(list.vector(1).toString('latin1'));
  }
  const versions: number[] = [];
  const versionData = extensions.get(EXT.supportedVersions);
  if (versionData) {
    const list = new ByteReader(new ByteReader(versionData).vector(1));
    while (list.remaining > 0) versions.push(list.u16());
  } else {
    versions.push(legacyVersion);
  }
  return { serverName, alpn, versions };
}

/** EncryptedExtensions (TLS 1.3): the ALPN the server selected. */
export function parseEncryptedExtensions(body: Buffer): { alpn: string | null } {
  const extensions = readExtensions(new ByteReader(body));
  return { alpn: readAlpn(extensions.get(EXT.alpn)) };
}

/** A Certificate message: the DER certificates in the order the sender put them. */
export function parseCertificate(body: Buffer, tls13: boolean): Buffer[] {
  const reader = new ByteReader(body);
  if (tls13) reader.vector(1); // certificate_request_context
  const list = new ByteReader(reader.vector(3));
  const certificates: Buffer[] = [];
  while (list.remaining > 0) {
    certificates.push(Buffer.from(list.vector(3)));
    if (tls13) list.vector(2); // per-certificate extensions
  }
  return certificates;
}

function readDistinguishedNames(data: Buffer): Buffer[] {
  const list = new ByteReader(data);
  const names: Buffer[] = [];
  while (list.remaining > 0) names.push(Buffer.from(list.vector(2)));
  return names;
}

/** A CertificateRequest: the DER-encoded names of the CAs whose client certificates the server accepts. */
export function parseCertificateRequest(body: Buffer, tls13: boolean): { authorities: Buffer[] } {
  const reader = new ByteReader(body);
  if (tls13) {
    reader.vector(1); // certificate_request_context
    const extensions = readExtensions(reader);
    const authorities = extensions.get(EXT.certificateAuthorities);
    return { authorities: authorities ? readDistinguishedNames(new ByteReader(authorities).vector(2)) : [] };
  }
  reader.vector(1); // certificate_types
  reader.vector(2); // supported_signature_algorithms
  return { authorities: readDistinguishedNames(reader.vector(2)) };
}

/** ServerKeyExchange (TLS 1.2): the named group for ECDHE, or the prime size for DHE. */
export function parseServerKeyExchange(
  body: Buffer,
  cipherSuite: number,
): { group: number | null; dhBits: number | null } {
  const reader = new ByteReader(body);
  if (isEcdheSuite(cipherSuite)) {
    const curveType = reader.u8();
    return { group: curveType === 3 ? reader.u16() : null, dhBits: null };
  }
  if (isDheSuite(cipherSuite)) {
    const prime = reader.vector(2);
    let bits = prime.length * 8;
    if (prime.length > 0) bits -= Math.clz32(prime[0]!) - 24;
    return { group: null, dhBits: bits };
  }
  return { group: null, dhBits: null };
}
