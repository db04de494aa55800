/**
 * The username Mosquitto 2.0.11 gives a client from its TLS certificate (handle_connect.c): with
 * `use_identity_as_username true` the certificate's (first) common name, with `use_subject_as_username
 * true` the whole subject in OpenSSL's RFC 2253 form (`CN=dev 1,OU=Plant,O=ACME,C=DE`). When both are set
 * the common name wins. With either, the CONNECT username and password are ignored, and a client without a
 * certificate (or, for the CN, a certificate without a CN) is refused.
 */

export interface CertificateNames {
  /** The subject's first commonName, if it has one. */
  cn?: string;
  /** The subject as OpenSSL prints it with `-nameopt RFC2253`. */
  subject: string;
}

export interface ListenerIdentityOptions {
  useIdentityAsUsername?: boolean;
  useSubjectAsUsername?: boolean;
}

export type CertificateUsername =
  /** The listener takes the username from the certificate. */
  | { source: 'cn' | 'subject'; username: string }
  /** The listener takes the username from the MQTT CONNECT packet (neither option set). */
  | { source: 'connect' }
  /** Mosquitto refuses the connection (CONNACK "not authorized"). */
  | { source: 'cn'; refused: string };

export function usernameFromCertificate(
  names: CertificateNames,
  options: ListenerIdentityOptions,
): CertificateUsername {
  if (options.useIdentityAsUsername) {
    if (names.cn === undefined) {
      return { source: 'cn', refused: 'the certificate has no common name (CN) to use as the username' };
    }
    return { source: 'cn', username: names.cn };
  }
  if (options.useSubjectAsUsername) return { source: 'subject', username: names.subject };
  return { source: 'connect' };
}
