/**
 * Problem codes shared by `verify`, the inspector, lint and the broker log (CLI.md). A problem is a
 * code, a sentence a person understands, and the fix.
 */
export const PROBLEM_CODES = [
  'UNTRUSTED_ROOT',
  'MISSING_INTERMEDIATE',
  'HOSTNAME_MISMATCH',
  'EXPIRED',
  'NOT_YET_VALID',
  'SELF_SIGNED_LEAF',
  'WRONG_PURPOSE',
  'REVOKED',
  'CLIENT_CERT_REQUIRED',
  'CLIENT_CERT_REJECTED',
  'PROTOCOL_VERSION',
  'NOT_TLS',
  'CONNECTION_REFUSED',
  'MQTT_NOT_AUTHORIZED',
  'BAD_SIGNATURE',
  'NOT_A_CA',
  'PATH_LENGTH_EXCEEDED',
  'CRL_MISSING',
  'TIMEOUT',
  'TLS_ON_PLAIN_PORT',
  'MQTT_REFUSED',
  'HANDSHAKE_FAILED',
  'HOST_NOT_FOUND',
  'CRL_EXPIRED',
  'CRL_NOT_YET_VALID',
  'PEER_MISBEHAVING',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface Problem {
  code: ProblemCode;
  /** What is wrong, in plain words. */
  message: string;
  /** What to do about it. */
  fix: string;
}
