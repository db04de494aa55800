/**
 * Names of the TLS numbers the inspector reads off the wire: versions, cipher suites, key-exchange groups,
 * alerts and handshake message types (IANA registries; OpenSSL's names where openssl prints them).
 */

export const CONTENT_TYPE = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;

export const HANDSHAKE_TYPE = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  endOfEarlyData: 5,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
  certificateStatus: 22,
  keyUpdate: 24,
} as const;

const HANDSHAKE_NAMES: Record<number, string> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  5: 'EndOfEarlyData',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
  22: 'CertificateStatus',
  24: 'KeyUpdate',
};

export function handshakeName(type: number): string {
  return HANDSHAKE_NAMES[type] ?? `handshake type ${type}`;
}

export function versionName(version: number): string {
  switch (version) {
    case 0x0300:
      return 'SSLv3';
    case 0x0301:
      return 'TLSv1';
    case 0x0302:
      return 'TLSv1.1';
    case 0x0303:
      return 'TLSv1.2';
    case 0x0304:
      return 'TLSv1.3';
    default:
      return `0x${version.toString(16).padStart(4, '0')}`;
  }
}

/** IANA name and OpenSSL name of the cipher suites a server is likely to pick. */
const CIPHER_SUITES: Record<number, [iana: string, openssl: string]> = {
  0x1301: ['TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
  0x1302: ['TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
  0x1303: ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
  0x1304: ['TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_SHA256'],
  0x1305: ['TLS_AES_128_CCM_8_SHA256', 'TLS_AES_128_CCM_8_SHA256'],
  0xc02b: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  0xc02c: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  0xc02f: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  0xc030: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  0xcca8: ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  0xcca9: ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  0xccaa: ['TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305'],
  0xc023: ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  0xc024: ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  0xc027: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  0xc028: ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384'],
  0xc009: ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  0xc00a: ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  0xc013: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  0xc014: ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  0x009e: ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
  0x009f: ['TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384'],
  0x009c: ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  0x009d: ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  0x002f: ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  0x0035: ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
  0x003c: ['TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  0x003d: ['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256'],
  0x00a8: ['TLS_PSK_WITH_AES_128_GCM_SHA256', 'PSK-AES128-GCM-SHA256'],
  0x00a9: ['TLS_PSK_WITH_AES_256_GCM_SHA384', 'PSK-AES256-GCM-SHA384'],
  0xccab: ['TLS_PSK_WITH_CHACHA20_POLY1305_SHA256', 'PSK-CHACHA20-POLY1305'],
  0xc037: ['TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256', 'ECDHE-PSK-AES128-CBC-SHA256'],
  0xccac: ['TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-PSK-CHACHA20-POLY1305'],
};

export interface CipherSuiteName {
  code: number;
  /** The IANA (RFC) name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`. */
  iana: string;
  /** The name openssl prints, e.g. `ECDHE-RSA-AES128-GCM-SHA256`. */
  openssl: string;
}

export function cipherSuiteName(code: number): CipherSuiteName {
  const known = CIPHER_SUITES[code];
  const hex = `0x${code.toString(16).padStart(4, '0').toUpperCase()}`;
  return { code, iana: known?.[0] ?? hex, openssl: known?.[1] ?? hex };
}

/** True for TLS 1.2 suites whose key exchange is ephemeral (EC)DH, so ServerKeyExchange names the group. */
export function isEcdheSuite(code: number): boolean {
  return cipherSuiteName(code).iana.startsWith('TLS_ECDHE_');
}

export function isDheSuite(code: number): boolean {
  return cipherSuiteName(code).iana.startsWith('TLS_DHE_');
}

const GROUPS: Record<number, string> = {
  0x0017: 'secp256r1',
  0x0018: 'secp384r1',
  0x0019: 'secp521r1',
  0x001d: 'x25519',
  0x001e: 'x448',
  0x0100: 'ffdhe2048',
  0x0101: 'ffdhe3072',
  0x0102: 'ffdhe4096',
  0x0103: 'ffdhe6144',
  0x0104: 'ffdhe8192',
  0x11ec: 'X25519MLKEM768',
  0x6399: 'X25519Kyber768Draft00',
};

export function groupName(code: number): string {
  return GROUPS[code] ?? `0x${code.toString(16).padStart(4, '0')}`;
}

const ALERTS: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

export function alertName(description: number): string {
  return ALERTS[description] ?? `alert ${description}`;
}

export const ALERT = {
  closeNotify: 0,
  handshakeFailure: 40,
  badCertificate: 42,
  unsupportedCertificate: 43,
  certificateRevoked: 44,
  certificateExpired: 45,
  certificateUnknown: 46,
  unknownCa: 48,
  accessDenied: 49,
  decryptError: 51,
  protocolVersion: 70,
  insufficientSecurity: 71,
  unrecognizedName: 112,
  certificateRequired: 116,
  noApplicationProtocol: 120,
} as const;
