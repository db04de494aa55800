import { hasCertificateTls, type ListenerSettings } from '../conf/index.js';
import { checkPassword } from '../conf/index.js';
import type { ProblemCode } from '../problems.js';
import type { ConnectionState } from './connection-state.js';
import type { SecurityScope } from './security-store.js';

export type ConnectDecision =
  | { accepted: true; username: string | undefined; how: string }
  | { accepted: false; returnCode: 4 | 5; reason: string; problem: ProblemCode };

function refuse(
  returnCode: 4 | 5,
  reason: string,
  problem: ProblemCode = 'MQTT_NOT_AUTHORIZED',
): ConnectDecision {
  return { accepted: false, returnCode, reason, problem };
}

/**
 * Decide a CONNECT as Mosquitto 2.0.11 does (handle_connect.c, mosquitto_unpwd_check):
 * - a TLS listener with use_identity_as_username / use_subject_as_username ignores the CONNECT username
 *   and password and takes the certificate's CN or RFC 2253 subject (or the PSK identity); no certificate
 *   (or no CN) → CONNACK 4;
 * - otherwise, with a password file: no username → allowed only with allow_anonymous; an unknown user or
 *   a wrong password → CONNACK 5;
 * - without a password file: allow_anonymous decides for every client, with or without a username.
 * Before all that, a client certificate OpenSSL did not accept (or a revoked one) is refused with
 * CONNACK 5 — Mosquitto drops those in the TLS handshake; answering the CONNECT names the reason.
 */
export async function decideConnect(
  listener: ListenerSettings,
  scope: SecurityScope,
  state: ConnectionState,
  username: string | undefined,
  password: Buffer | undefined,
): Promise<ConnectDecision> {
  if (state.certificateRefusal) {
    return refuse(5, state.certificateRefusal.reason, state.certificateRefusal.problem);
  }
  const certificateListener = hasCertificateTls(listener);
  const pskListener = Boolean(listener.pskHint) && !certificateListener;
  if (
    (certificateListener || pskListener) &&
    (listener.useIdentityAsUsername || listener.useSubjectAsUsername)
  ) {
    if (pskListener) {
      const identity = state.tls?.pskIdentity;
      if (identity === undefined || !listener.useIdentityAsUsername) {
        return refuse(
          4,
          'this listener takes the username from the TLS identity, and there is none',
          'MQTT_REFUSED',
        );
      }
      return { accepted: true, username: identity, how: 'PSK identity as username' };
    }
    const names = state.certificateNames;
    if (!names) {
      return refuse(
        4,
        listener.requireCertificate
          ? 'no client certificate, and this listener takes the username from it'
          : 'this listener takes the username from the client certificate, but require_certificate is not true so none is asked for (Mosquitto refuses every client)',
        'CLIENT_CERT_REQUIRED',
      );
    }
    if (listener.useIdentityAsUsername) {
      if (names.cn === undefined) {
        return refuse(
          4,
          'the client certificate has no common name (CN) to use as the username',
          'CLIENT_CERT_REJECTED',
        );
      }
      if (names.cnHasNul)
        return refuse(4, 'the client certificate’s CN contains a NUL character', 'CLIENT_CERT_REJECTED');
      return { accepted: true, username: names.cn, how: 'certificate CN as username' };
    }
    return { accepted: true, username: names.subject, how: 'certificate subject as username' };
  }

  const anonymous = username === undefined;
  if (scope.passwords) {
    if (anonymous) {
      return scope.allowAnonymous
        ? { accepted: true, username, how: 'anonymous (allow_anonymous true)' }
        : refuse(5, 'no username, and allow_anonymous is false');
    }
    const user = scope.passwords.users.get(username);
    if (!user) return refuse(5, `user "${username}" is not in the password file`);
    if (!password) return refuse(5, `no password given for user "${username}"`);
    if (!(await checkPassword(user.hash, password)))
      return refuse(5, `wrong password for user "${username}"`);
    return { accepted: true, username, how: 'password' };
  }
  if (scope.allowAnonymous) {
    return { accepted: true, username, how: 'allow_anonymous true (no password file)' };
  }
  return refuse(
    5,
    anonymous
      ? 'no username, and allow_anonymous is false'
      : `no password file is configured, so the username "${username}" cannot be checked, and allow_anonymous is false`,
  );
}
