import type { ProblemCode } from '../problems.js';

export interface Refusal {
  reason: string;
  problem: ProblemCode;
}

/** Why OpenSSL did not accept a client certificate (Node's `authorizationError` codes), in plain words. */
export function clientCertificateRefusal(code: string, notAfter?: string, notBefore?: string): Refusal {
  switch (code) {
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return {
        reason: 'unknown CA: the client certificate was not issued by a CA in this listener’s cafile/capath',
        problem: 'CLIENT_CERT_REJECTED',
      };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return {
        reason: 'the client certificate is self-signed and not in this listener’s cafile/capath',
        problem: 'CLIENT_CERT_REJECTED',
      };
    case 'CERT_HAS_EXPIRED':
      return {
        reason: `the client certificate expired${notAfter ? ` on ${notAfter}` : ''}`,
        problem: 'EXPIRED',
      };
    case 'CERT_NOT_YET_VALID':
      return {
        reason: `the client certificate is not valid yet${notBefore ? ` (from ${notBefore})` : ''}`,
        problem: 'NOT_YET_VALID',
      };
    case 'INVALID_PURPOSE':
      return {
        reason:
          'the client certificate is not for client authentication (extended key usage lacks clientAuth)',
        problem: 'WRONG_PURPOSE',
      };
    case 'CERT_REVOKED':
      return { reason: 'the client certificate is revoked', problem: 'REVOKED' };
    case 'CERT_SIGNATURE_FAILURE':
      return { reason: 'the client certificate’s signature does not verify', problem: 'BAD_SIGNATURE' };
    case 'INVALID_CA':
      return {
        reason: 'a CA in the client’s chain is not allowed to sign certificates',
        problem: 'NOT_A_CA',
      };
    case 'PATH_LENGTH_EXCEEDED':
      return { reason: 'the client’s chain exceeds a CA’s path length', problem: 'PATH_LENGTH_EXCEEDED' };
    default:
      return {
        reason: `the client certificate was refused by OpenSSL (${code})`,
        problem: 'CLIENT_CERT_REJECTED',
      };
  }
}

/** Why a TLS handshake failed (the server's `tlsClientError`), in plain words. */
export function handshakeRefusal(
  error: Error & { code?: string },
  pskIdentity?: string,
  pskKnown?: boolean,
): Refusal {
  const text = `${error.code ?? ''} ${error.message}`.toLowerCase();
  if (pskIdentity !== undefined && !pskKnown) {
    return {
      reason: `PSK identity "${pskIdentity}" is unknown (not in psk_file)`,
      problem: 'HANDSHAKE_FAILED',
    };
  }
  if (pskIdentity !== undefined && /decrypt|binder|bad record mac|alert/.test(text)) {
    return {
      reason: `the PSK for identity "${pskIdentity}" does not match the key in psk_file`,
      problem: 'HANDSHAKE_FAILED',
    };
  }
  if (/wrong version number|http request|packet length too long|unknown protocol/.test(text)) {
    return {
      reason: 'the client did not start TLS: plain MQTT (or another protocol) sent to a TLS listener',
      problem: 'NOT_TLS',
    };
  }
  if (/unsupported protocol|protocol version|no protocols available|version too low/.test(text)) {
    return {
      reason: 'the client’s TLS version is below this listener’s minimum (tls_version)',
      problem: 'PROTOCOL_VERSION',
    };
  }
  if (/no shared cipher|no cipher|no suitable signature/.test(text)) {
    return {
      reason: 'no cipher suite both sides accept (ciphers / ciphers_tls1.3)',
      problem: 'HANDSHAKE_FAILED',
    };
  }
  if (/econnreset|socket disconnected|socket hang up|before secure tls connection/.test(text)) {
    return {
      reason: 'the client closed the connection during the TLS handshake',
      problem: 'HANDSHAKE_FAILED',
    };
  }
  if (/timed out|timeout/.test(text)) {
    return { reason: 'the TLS handshake did not finish in time', problem: 'TIMEOUT' };
  }
  if (/unknown ca|bad certificate|certificate unknown|alert/.test(text)) {
    return {
      reason: `the client rejected the broker’s certificate (${error.message.replace(/^.*?:([^:]*)$/, '$1').trim()})`,
      problem: 'UNTRUSTED_ROOT',
    };
  }
  return { reason: `TLS handshake failed: ${error.message}`, problem: 'HANDSHAKE_FAILED' };
}

/** What the CONNACK return codes mean (MQTT 3.1.1). */
export const CONNACK_MEANING: Record<number, string> = {
  0: 'accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};
