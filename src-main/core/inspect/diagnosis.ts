/**
 * From what happened on the wire to a problem a person understands, with its fix: network failures,
 * TLS alerts (the server's and ours), client-certificate refusals, timeouts and the MQTT answer.
 */
import type { Problem } from '../problems.js';
import type { HandshakeFacts } from './handshake-facts.js';
import type { MqttExchange } from './mqtt-exchange.js';
import { connackCode, connackMeaning } from './mqtt-packets.js';
import { ALERT, alertName, versionName } from './tls-names.js';
import type { ProbeTarget, TlsVersion } from './types.js';

export function connectProblem(error: NodeJS.ErrnoException, target: ProbeTarget): Problem {
  const where = `${target.host}:${target.port}`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return {
        code: 'CONNECTION_REFUSED',
        message: `Nothing accepts connections on ${where}: the broker is not running, listens on another port, or only on another address.`,
        fix: `Start the broker, or check the port (\`listener ${target.port}\` in mosquitto.conf) and the address it binds to.`,
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        code: 'HOST_NOT_FOUND',
        message: `The host name "${target.host}" does not resolve to an address (${error.code}).`,
        fix: 'Check the spelling of the host name and your DNS; connect to an IP address to rule DNS out.',
      };
    default:
      return {
        code: 'CONNECTION_REFUSED',
        message: `Cannot reach ${where}: ${error.message} (${error.code ?? 'network error'}).`,
        fix: 'Check the address, the network route and any firewall between you and the broker.',
      };
  }
}

export function timeoutProblem(waitingFor: string, timeoutMs: number, target: ProbeTarget): Problem {
  return {
    code: 'TIMEOUT',
    message: `${target.host}:${target.port} stayed silent: nothing came while waiting for ${waitingFor} (timeout ${(timeoutMs / 1000).toFixed(1)} s).`,
    fix: 'Check that this port is really the MQTT listener (a firewall that drops packets, or a service that waits for the client, looks like this), or raise the timeout for a slow link.',
  };
}

export function notTlsProblem(target: ProbeTarget, detail: string): Problem {
  return {
    code: 'NOT_TLS',
    message: `${target.host}:${target.port} does not speak TLS: ${detail}`,
    fix: `Connect without TLS (mqtt://${target.host}:${target.port}), or point the client at the broker's TLS listener (often 8883), or give this listener certfile and keyfile in mosquitto.conf.`,
  };
}

export function tlsOnPlainProblem(target: ProbeTarget): Problem {
  return {
    code: 'TLS_ON_PLAIN_PORT',
    message: `${target.host}:${target.port} expects TLS, but the connection was plain MQTT: the broker's TLS layer cannot read an MQTT CONNECT.`,
    fix: `Connect with TLS (mqtts://${target.host}:${target.port}, e.g. mosquitto_pub --cafile ca.crt), or use the broker's plain listener.`,
  };
}

/** A preview of bytes that are not TLS, in words. */
export function describeForeignBytes(preview: Buffer): string {
  if (preview[0] === 0x20 && preview[1] === 0x02)
    return 'it answered with an MQTT CONNACK, so it is a plain MQTT listener.';
  const text = preview.toString('latin1');
  if (/^HTTP\/\d/.test(text)) return `it answered with HTTP ("${text.split('\r\n')[0]}").`;
  if (/^SSH-/.test(text)) return 'it is an SSH server.';
  const printable = text.replace(/[^\x20-\x7e]/g, '.').slice(0, 32);
  return `its first bytes are not a TLS record (${preview.subarray(0, 8).toString('hex')} "${printable}").`;
}

const CERTIFICATE_ALERTS = new Set<number>([
  ALERT.badCertificate,
  ALERT.unsupportedCertificate,
  ALERT.certificateRevoked,
  ALERT.certificateExpired,
  ALERT.certificateUnknown,
  ALERT.unknownCa,
  ALERT.accessDenied,
  ALERT.decryptError,
]);

const REFUSAL_REASONS: Record<number, string> = {
  [ALERT.unknownCa]:
    'it does not know the CA that issued it (unknown_ca): your certificate is not from a CA in its cafile',
  [ALERT.certificateRevoked]:
    'your certificate is revoked (certificate_revoked): it is on the CRL the broker loads',
  [ALERT.certificateExpired]: 'your certificate has expired, or is not valid yet (certificate_expired)',
  [ALERT.badCertificate]: 'it found your certificate unacceptable (bad_certificate)',
  [ALERT.unsupportedCertificate]:
    'your certificate is of a kind it does not accept (unsupported_certificate), e.g. without clientAuth in its extended key usage',
  [ALERT.certificateUnknown]: 'it could not accept your certificate (certificate_unknown)',
  [ALERT.accessDenied]: 'your certificate was valid but access is denied (access_denied)',
  [ALERT.decryptError]:
    'your proof of owning the key did not verify (decrypt_error): the key may not match the certificate',
};

const REFUSAL_FIXES: Record<number, string> = {
  [ALERT.unknownCa]:
    "Use a client certificate issued by a CA the broker trusts (its cafile), or add your CA to the broker's cafile.",
  [ALERT.certificateRevoked]:
    'Issue a new client certificate for this device; a revoked one cannot be brought back.',
  [ALERT.certificateExpired]: 'Renew the client certificate (and check the clocks of both machines).',
  [ALERT.unsupportedCertificate]:
    'Re-issue the client certificate with the client profile (extendedKeyUsage clientAuth).',
};

export interface HandshakeDiagnosisInput {
  facts: HandshakeFacts;
  target: ProbeTarget;
  /** Node's error for the failed handshake (or a late error after it). */
  error: NodeJS.ErrnoException | null;
  /** The connection closed before or right after the handshake without an alert. */
  closedSilently: boolean;
  handshakeCompleted: boolean;
  identityOffered: boolean;
  acceptableCaHint: string | null;
  alpnOffered: string[];
  servername: string | null;
  tlsMin?: TlsVersion;
  tlsMax?: TlsVersion;
}

export interface HandshakeDiagnosis {
  problems: Problem[];
  clientCertRefused: boolean;
  serverAlert: string | null;
}

/** The alert a Node/OpenSSL error code names (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA → 48), if any. */
function alertFromErrorCode(code: string | undefined): number | null {
  const match = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code ?? '');
  if (!match) return null;
  const name = match[1]!.toLowerCase();
  for (let description = 0; description < 256; description++) {
    if (alertName(description) === name) return description;
  }
  return null;
}

function offeredVersions(input: HandshakeDiagnosisInput): string {
  const versions = input.facts.clientHello?.versions.filter((v) => v >= 0x0301 && v <= 0x0304) ?? [];
  return versions.length > 0
    ? versions.map(versionName).join(', ')
    : `TLS ${input.tlsMin ?? '1.2'}–${input.tlsMax ?? '1.3'}`;
}

export function diagnoseHandshake(input: HandshakeDiagnosisInput): HandshakeDiagnosis {
  const { facts } = input;
  const serverAlert = facts.alerts.find(
    (alert) => alert.from === 'server' && alert.description !== ALERT.closeNotify,
  );
  const clientAlert = facts.alerts.find(
    (alert) => alert.from === 'client' && alert.description !== ALERT.closeNotify,
  );
  const requested = facts.certificateRequest !== null;
  const sent =
    facts.clientCertificatesSent !== null
      ? facts.clientCertificatesSent > 0
      : input.identityOffered && requested;
  const description =
    serverAlert?.description ?? (clientAlert ? null : alertFromErrorCode(input.error?.code));
  const result = (problems: Problem[], refused = false): HandshakeDiagnosis => ({
    problems,
    clientCertRefused: refused,
    serverAlert: description !== null && description !== undefined ? alertName(description) : null,
  });

  if (description !== null && description !== undefined) {
    if (description === ALERT.protocolVersion) {
      return result([
        {
          code: 'PROTOCOL_VERSION',
          message: `The broker refused the TLS version: this probe offered ${offeredVersions(input)}, and the broker accepts none of them (alert protocol_version).`,
          fix: "Allow the version the broker requires (it is `tls_version` in mosquitto.conf, a minimum): e.g. a client limited to TLS 1.2 cannot reach a `tls_version tlsv1.3` listener; update the client or lower the broker's minimum.",
        },
      ]);
    }
    if (
      description === ALERT.certificateRequired ||
      (requested && !sent && (description === ALERT.handshakeFailure || CERTIFICATE_ALERTS.has(description)))
    ) {
      return result(
        [
          {
            code: 'CLIENT_CERT_REQUIRED',
            message: `The broker requires a client certificate and none was sent (alert ${alertName(description)}).${input.acceptableCaHint ? ` It accepts certificates issued by ${input.acceptableCaHint}.` : ''}`,
            fix: "Give the client its certificate and key (--cert/--key, or a PKCS#12), issued by a CA in the broker's cafile; or set `require_certificate false` on the listener.",
          },
        ],
        true,
      );
    }
    if (CERTIFICATE_ALERTS.has(description) && sent) {
      return result(
        [
          {
            code: 'CLIENT_CERT_REJECTED',
            message: `The broker refused our client certificate: ${REFUSAL_REASONS[description] ?? alertName(description)}.${input.acceptableCaHint ? ` It accepts certificates issued by ${input.acceptableCaHint}.` : ''}`,
            fix:
              REFUSAL_FIXES[description] ??
              "Use a valid client certificate, issued by a CA in the broker's cafile, with clientAuth in its extended key usage.",
          },
        ],
        true,
      );
    }
    if (description === ALERT.noApplicationProtocol) {
      return result([
        {
          code: 'HANDSHAKE_FAILED',
          message: `The server speaks none of the ALPN protocols offered (${input.alpnOffered.join(', ') || 'none'}) (alert no_application_protocol).`,
          fix: 'Offer the protocol the endpoint expects (e.g. `x-amzn-mqtt-ca` for AWS IoT on port 443, `mqtt` elsewhere), or none.',
        },
      ]);
    }
    if (description === ALERT.unrecognizedName) {
      return result([
        {
          code: 'HANDSHAKE_FAILED',
          message: `The server does not serve the name sent as SNI ("${input.servername ?? ''}") (alert unrecognized_name).`,
          fix: 'Set the SNI (servername) to a name the server is configured for.',
        },
      ]);
    }
    if (description === ALERT.handshakeFailure || description === ALERT.insufficientSecurity) {
      return result([
        {
          code: 'HANDSHAKE_FAILED',
          message: `The server found nothing acceptable in our offer: no cipher suite, key-exchange group or signature algorithm in common (alert ${alertName(description)}).`,
          fix: "Compare the broker's `ciphers` / `ciphers_tls1.3` with what the client offers; a modern client and server agree on TLS 1.2/1.3 with ECDHE-AES-GCM by default.",
        },
      ]);
    }
    return result([
      {
        code: 'HANDSHAKE_FAILED',
        message: `The server ended the handshake with alert ${alertName(description)}.`,
        fix: "Read the broker's log for this connection: it names the reason on its side.",
      },
    ]);
  }

  if (
    clientAlert ||
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE'].includes(input.error?.code ?? '')
  ) {
    if (clientAlert?.description === ALERT.protocolVersion || /PROTOCOL/.test(input.error?.code ?? '')) {
      const chosen = facts.serverHello ? versionName(facts.serverHello.version) : 'an older version';
      return result([
        {
          code: 'PROTOCOL_VERSION',
          message: `The broker answered with ${chosen}, which this probe does not allow (minimum TLS ${input.tlsMin ?? '1.2'}).`,
          fix: `Upgrade the broker to TLS 1.2 or newer (mosquitto: \`tls_version tlsv1.2\`), or lower the client's minimum only if you must talk to this old server.`,
        },
      ]);
    }
    return result([
      {
        code: 'HANDSHAKE_FAILED',
        message: `This client gave up on the server's answer (alert ${clientAlert ? alertName(clientAlert.description) : 'none'}): ${input.error?.message ?? 'handshake failed'}.`,
        fix: 'The server sent something a TLS client cannot accept; check its TLS settings and the timeline above.',
      },
    ]);
  }

  if (
    input.error?.code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    input.error?.code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG'
  ) {
    return result([notTlsProblem(input.target, 'its answer is not a TLS record.')]);
  }

  if (input.closedSilently) {
    // In TLS 1.2 a completed handshake means the certificate was accepted; TLS 1.3 decides after it.
    if (requested && input.handshakeCompleted && facts.tls13) {
      return result(
        [
          sent
            ? {
                code: 'CLIENT_CERT_REJECTED',
                message: `The broker closed the connection after receiving our client certificate, without a TLS alert or an MQTT answer: it refused the certificate (Node-based brokers drop refused clients silently).${input.acceptableCaHint ? ` It accepts certificates issued by ${input.acceptableCaHint}.` : ''}`,
                fix: "Check the broker's log for the reason (unknown CA, expired, revoked); use a client certificate from a CA in the broker's cafile.",
              }
            : {
                code: 'CLIENT_CERT_REQUIRED',
                message:
                  'The broker asked for a client certificate, none was sent, and it closed the connection.',
                fix: "Give the client its certificate and key (--cert/--key, or a PKCS#12), issued by a CA in the broker's cafile.",
              },
        ],
        true,
      );
    }
    if (!input.handshakeCompleted) {
      return result([
        {
          code: 'HANDSHAKE_FAILED',
          message: 'The server closed the connection in the middle of the handshake, without a TLS alert.',
          fix: "Read the broker's log for this connection; a TLS server that drops a client silently often refuses its certificate or its TLS version.",
        },
      ]);
    }
  }
  if (input.error && !input.handshakeCompleted) {
    return result([
      {
        code: 'HANDSHAKE_FAILED',
        message: `The TLS handshake failed: ${input.error.message.replace(/^[0-9A-F]+:error:[0-9A-F]+:/, '')}.`,
        fix: "Read the broker's log for this connection and compare its TLS settings with the client's.",
      },
    ]);
  }
  return result([]);
}

export function mqttProblems(
  exchange: MqttExchange,
  target: ProbeTarget,
  timeoutMs: number,
  username: string | null,
  protocolVersion: 4 | 5 = 4,
): Problem[] {
  switch (exchange.kind) {
    case 'connack': {
      const code = exchange.connack.returnCode;
      if (code === 0) return [];
      // MQTT 5 answers 0x86 / 0x87 where 3.1.1 answers 4 / 5; 0x84 / 0x85 / 0x88 where it answers 1 / 2 / 3
      const v5 = protocolVersion === 5;
      const as311 = v5
        ? ({ 0x84: 1, 0x85: 2, 0x88: 3, 0x86: 4, 0x87: 5 } as Record<number, number>)[code]
        : code;
      const said = `${connackCode(code, protocolVersion)} (${connackMeaning(code, protocolVersion)})`;
      const reason =
        exchange.connack.reasonString !== undefined
          ? ` The broker says why: "${exchange.connack.reasonString}".`
          : '';
      if (as311 === 4 || as311 === 5) {
        return [
          {
            code: 'MQTT_NOT_AUTHORIZED',
            message: `The TLS connection works, but the broker refused the MQTT login: ${said}${username === null ? ', and no username was sent' : ` for username "${username}"`}.${reason}`,
            fix:
              as311 === 4
                ? "Check the username and password against the broker's password_file."
                : 'Send a username and password the broker knows (password_file), or a client certificate on a `use_identity_as_username` listener; `allow_anonymous false` refuses clients without either.',
          },
        ];
      }
      return [
        {
          code: 'MQTT_REFUSED',
          message: `The broker refused the MQTT connection: ${said}.${reason}`,
          fix:
            as311 === 1
              ? 'Use an MQTT version the broker supports (3.1.1 is the safe choice).'
              : as311 === 2
                ? 'Use a different client id (letters and digits, at most 23 characters for old brokers).'
                : as311 === 3
                  ? 'Try again later; the broker says it is unavailable.'
                  : code === 0x8c
                    ? 'Connect without an authentication method: the broker offers no enhanced authentication.'
                    : "Read the reason code's meaning and the broker's log.",
        },
      ];
    }
    case 'timeout':
      return [timeoutProblem(exchange.waitingFor, timeoutMs, target)];
    case 'upgrade-refused':
      return [
        {
          code: 'MQTT_REFUSED',
          message: `The WebSocket upgrade was refused: ${exchange.statusLine || 'no valid HTTP answer'}.`,
          fix: `Check the path (${target.path}) and that this port is a websockets listener (\`protocol websockets\` in mosquitto.conf).`,
        },
      ];
    case 'misbehaving':
      return [
        {
          code: 'PEER_MISBEHAVING',
          message: `The server misbehaved while we waited for ${exchange.waitingFor}: ${exchange.reason}. The inspector stopped reading and closed the connection.`,
          fix: 'This is not how an MQTT broker answers: check that this port is the broker you mean, and not a hostile or broken service.',
        },
      ];
    case 'not-mqtt':
      return [
        {
          code: 'MQTT_REFUSED',
          message: `The server's answer to CONNECT is not MQTT (${exchange.reason}; first bytes ${exchange.bytes.subarray(0, 8).toString('hex') || 'none'}).`,
          fix: 'Check that this port is an MQTT listener and not another service.',
        },
      ];
    case 'closed':
    case 'error':
      return [
        {
          code: 'MQTT_REFUSED',
          message: `The broker closed the connection while we waited for ${exchange.waitingFor}, without an MQTT answer${exchange.kind === 'error' ? ` (${exchange.error.code ?? exchange.error.message})` : ''}.`,
          fix: "Read the broker's log for this connection: Mosquitto closes silently on a refused login in some setups (e.g. `use_identity_as_username` without a certificate) and on malformed packets.",
        },
      ];
  }
}
