import type { Problem, ProblemCode } from '../problems.js';
import { messageOf } from '../user-error.js';
import { explainConnack, explainReason, type ReasonExplained } from './reason-codes.js';

/** A failure of a client connection or operation: a problem (code, words, fix) plus the raw detail. */
export interface ClientProblem extends Problem {
  /** The error as the network stack or the broker reported it, for the curious. */
  detail: string;
  /** The MQTT return/reason code when the broker answered with one. */
  reasonCode?: number;
  /** Where the inspector should look to dig deeper: `host:port` (plus SNI) of this connection. */
  target?: { host: string; port: number; servername?: string };
}

/** The certificate summary the transport records from the server, for explanations. */
export interface PeerCertificateSummary {
  subject: string;
  issuer: string;
  selfSigned: boolean;
}

/** What was known about the connection attempt when it failed. */
export interface FailureContext {
  secure: boolean;
  host: string;
  port: number;
  servername?: string;
  protocol: 4 | 5;
  /** A client certificate was offered. */
  sentClientCert: boolean;
  /** Names of the trust anchors the profile uses ('system roots' when none). */
  trust: string;
  /** The TLS handshake finished (secureConnect) before the failure. */
  tlsEstablished: boolean;
  /** The TLS version negotiated, when it was. */
  tlsProtocol?: string;
  /** The server's chain as Node linked it (leaf first), when the server sent one. */
  peerChain?: PeerCertificateSummary[];
  /** The CONNACK was received before the failure. */
  connected: boolean;
}

function problem(
  code: ProblemCode,
  message: string,
  fix: string,
  error: unknown,
  ctx: FailureContext,
): ClientProblem {
  return {
    code,
    message,
    fix,
    detail: detailOf(error),
    target: { host: ctx.host, port: ctx.port, ...(ctx.servername ? { servername: ctx.servername } : {}) },
  };
}

function detailOf(error: unknown): string {
  if (error === undefined) return '';
  const code = (error as { code?: unknown })?.code;
  let message = messageOf(error);
  // OpenSSL's "80EC…:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/…:SSL alert number 116"
  const reason = /SSL routines:[^:]*:([^:\n]+)/.exec(message)?.[1];
  const alert = /SSL alert number \d+/.exec(message)?.[0];
  if (reason) message = alert ? `${reason} (${alert})` : reason;
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : '';
}

/** A refusal the broker sent in a CONNACK. */
export function connackProblem(code: number, ctx: FailureContext): ClientProblem {
  if (ctx.protocol === 5 && code >= 1 && code <= 5) {
    // MQTT 5 CONNACK codes are 0 or ≥ 128: a small code is a 3.1.1 broker answering in its own terms.
    const old = explainConnack(code, 4);
    const reason =
      code === 1
        ? {
            ...old,
            meaning: 'the broker answered in MQTT 3.1.1 terms: it does not speak MQTT 5.0',
            fix: 'choose MQTT 3.1.1 in the profile',
          }
        : old;
    return reasonProblem(reason, { ...ctx, protocol: 4 }, 'refused the connection');
  }
  const reason = explainConnack(code, ctx.protocol);
  return reasonProblem(reason, ctx, 'refused the connection');
}

/** A DISCONNECT with a reason code (MQTT 5) sent by the broker. */
export function disconnectProblem(code: number, ctx: FailureContext): ClientProblem {
  return reasonProblem(explainReason(code), ctx, 'disconnected us');
}

function reasonProblem(reason: ReasonExplained, ctx: FailureContext, verb: string): ClientProblem {
  const authCodes = ctx.protocol === 5 ? [0x86, 0x87, 0x8a] : [4, 5];
  const versionCodes = ctx.protocol === 5 ? [0x84] : [1];
  const code: ProblemCode = authCodes.includes(reason.code)
    ? 'MQTT_NOT_AUTHORIZED'
    : versionCodes.includes(reason.code)
      ? 'PROTOCOL_VERSION'
      : 'MQTT_REFUSED';
  // A TLS broker that maps certificates to users refuses a client without one as "not authorized".
  const noCertificate = code === 'MQTT_NOT_AUTHORIZED' && ctx.secure && !ctx.sentClientCert && !ctx.connected;
  const result = problem(
    code,
    `the broker ${verb}: ${reason.name} (${reason.code}) — ${reason.meaning}${noCertificate ? '; we sent no client certificate' : ''}`,
    noCertificate
      ? `if the broker takes the identity from the certificate (use_identity_as_username), choose a client certificate; else ${reason.fix}`
      : reason.fix,
    undefined,
    ctx,
  );
  result.detail = `${ctx.protocol === 5 ? 'reason code' : 'CONNACK return code'} ${reason.code}`;
  result.reasonCode = reason.code;
  return result;
}

/** Our own deadline passed. */
export function timeoutProblem(what: string, ms: number, ctx: FailureContext): ClientProblem {
  const where = `${ctx.host}:${ctx.port}`;
  if (ctx.secure && !ctx.tlsEstablished) {
    return problem(
      'TIMEOUT',
      `no TLS handshake with ${where} within ${ms} ms: the server accepted TCP but never answered TLS`,
      'check that this port speaks TLS (a plain MQTT port waits silently), and that no firewall holds the connection',
      new Error(`${what} timed out after ${ms} ms`),
      ctx,
    );
  }
  return problem(
    'TIMEOUT',
    `${what}: no answer from ${where} within ${ms} ms`,
    ctx.connected
      ? 'the broker is slow or the connection is stuck; retry, or reconnect'
      : 'check the host and port, that the broker is running, and that this port speaks MQTT',
    new Error(`${what} timed out after ${ms} ms`),
    ctx,
  );
}

/**
 * The connection closed before the broker answered CONNECT, with no error from the network stack.
 * Over TLS 1.3 this is how a broker refuses a client certificate: the handshake looks finished to the
 * client, then the server closes.
 */
export function closedBeforeConnackProblem(ctx: FailureContext, error?: unknown): ClientProblem {
  const where = `${ctx.host}:${ctx.port}`;
  if (ctx.secure && ctx.tlsEstablished) {
    if (!ctx.sentClientCert) {
      return problem(
        'CLIENT_CERT_REQUIRED',
        `${where} closed the connection right after the TLS handshake: the broker most likely requires a client certificate and we sent none`,
        'choose a client certificate (from the workspace or files) that the broker trusts',
        error ?? new Error('connection closed before CONNACK'),
        ctx,
      );
    }
    return problem(
      'CLIENT_CERT_REJECTED',
      `${where} closed the connection right after the TLS handshake: the broker most likely rejected our client certificate (unknown CA, revoked or expired) or refused the client`,
      "check that the client certificate is issued by a CA the broker's cafile trusts and is not revoked; the broker's log names the reason",
      error ?? new Error('connection closed before CONNACK'),
      ctx,
    );
  }
  if (ctx.secure) {
    return problem(
      'NOT_TLS',
      `${where} closed the connection during the TLS handshake without a TLS alert: the port most likely speaks plain MQTT, not TLS`,
      'use mqtt:// for a plain port, or the TLS port (usually 8883) for mqtts://; the inspector shows each step',
      error ?? new Error('connection closed during the TLS handshake'),
      ctx,
    );
  }
  return problem(
    'MQTT_REFUSED',
    `${where} closed the connection without answering CONNECT`,
    'if this port speaks TLS, use mqtts:// (or wss://); otherwise read the broker log (client id in use, protocol version, or access refused)',
    error ?? new Error('connection closed before CONNACK'),
    ctx,
  );
}

/** The connection dropped after it was established, with no reason code. */
export function connectionLostProblem(ctx: FailureContext, error?: unknown): ClientProblem {
  return problem(
    'CONNECTION_REFUSED',
    `the connection to ${ctx.host}:${ctx.port} was closed by the broker or the network`,
    'reconnect; if it happens again at once, another client may be using the same client id (the broker then drops the older connection), or the broker closed it for a publish or subscribe its ACL refuses (some brokers do)',
    error ?? new Error('connection closed'),
    ctx,
  );
}

/** The app's own broker was stopped (lost: it closed this connection; else it refuses new ones). */
export function ownBrokerStoppedProblem(ctx: FailureContext, broker: string): ClientProblem {
  return problem(
    'CONNECTION_REFUSED',
    ctx.connected
      ? `the app's own broker (${broker}) was stopped, which closed this connection`
      : `the app's own broker (${broker}) is stopped: nothing accepts connections on ${ctx.host}:${ctx.port}`,
    'start it again in the Broker view (or with `mqtt-tls-studio broker`), then connect',
    new Error('broker stopped'),
    ctx,
  );
}

/** Node's codes for a server certificate that failed verification (the chain helps to explain them). */
export const SERVER_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'INVALID_PURPOSE',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function chainWords(ctx: FailureContext): string {
  const leaf = ctx.peerChain?.[0];
  return leaf ? ` (${leaf.subject}, issued by ${leaf.issuer})` : '';
}

/** Explain any error raised while connecting (network, TLS or MQTT layer). */
export function explainConnectError(error: unknown, ctx: FailureContext): ClientProblem {
  const reasonCode = (error as { code?: unknown })?.code;
  if (typeof reasonCode === 'number') {
    return ctx.connected ? disconnectProblem(reasonCode, ctx) : connackProblem(reasonCode, ctx);
  }
  const code = errorCode(error);
  const text = messageOf(error).toLowerCase();
  const where = `${ctx.host}:${ctx.port}`;
  const has = (...needles: string[]) =>
    needles.some((n) => code.includes(n) || text.includes(n.toLowerCase()));

  switch (code) {
    case 'PEER_MISBEHAVING':
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
      // A bound of ours (core/client/peer-limits.ts; ws' maxPayload) stopped what the server sent.
      return problem(
        'PEER_MISBEHAVING',
        code === 'PEER_MISBEHAVING'
          ? `${where}: ${messageOf(error)}; the connection was closed`
          : `${where} sent a WebSocket message larger than this connection accepts; the connection was closed`,
        'check that this is the MQTT broker you meant; a broker should not send messages this large (lower its max_packet_size / message_size_limit)',
        error,
        ctx,
      );
    case 'ECONNREFUSED':
      return problem(
        'CONNECTION_REFUSED',
        `nothing accepts connections on ${where}`,
        'start the broker, or check the host and port in the URL',
        error,
        ctx,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return problem(
        'CONNECTION_REFUSED',
        `the host name ${ctx.host} could not be resolved`,
        'check the host in the URL',
        error,
        ctx,
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return problem(
        'TIMEOUT',
        `${where} cannot be reached`,
        'check the network path and any firewall',
        error,
        ctx,
      );
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY': {
      const length = ctx.peerChain?.length ?? 0;
      if (length === 0) {
        return problem(
          'UNTRUSTED_ROOT',
          `the server's certificate does not chain to ${ctx.trust}`,
          "trust the CA that issued the broker's certificate, and make the broker send its intermediates (certfile: leaf first, then intermediates)",
          error,
          ctx,
        );
      }
      if (length === 1) {
        return problem(
          'MISSING_INTERMEDIATE',
          `the server's certificate${chainWords(ctx)} does not chain to ${ctx.trust}: the server sent no intermediate CA, or this profile trusts the wrong CA`,
          "put the intermediate CA in the broker's certfile (leaf first, then intermediates) or cafile, or trust the CA that issued the server certificate",
          error,
          ctx,
        );
      }
      return problem(
        'UNTRUSTED_ROOT',
        `the server's chain${chainWords(ctx)} does not lead to ${ctx.trust}`,
        "trust the root CA that issued the broker's certificate (workspace CA or CA file)",
        error,
        ctx,
      );
    }
    case 'SELF_SIGNED_CERT_IN_CHAIN': {
      const root = ctx.peerChain?.find((c) => c.selfSigned);
      return problem(
        'UNTRUSTED_ROOT',
        `the server's chain ends in the root ${root ? root.subject : 'CA'}, which is not among ${ctx.trust}`,
        'trust that root CA in the profile (workspace CA or CA file), or fix the broker to use a certificate from the CA you trust',
        error,
        ctx,
      );
    }
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return problem(
        'SELF_SIGNED_LEAF',
        `the server presents a self-signed certificate${chainWords(ctx)}, which is not among ${ctx.trust}`,
        'issue the server certificate from a CA and trust that CA; or trust this exact certificate as a CA file',
        error,
        ctx,
      );
    case 'CERT_HAS_EXPIRED':
      return problem(
        'EXPIRED',
        `a certificate in the server's chain has expired${chainWords(ctx)}`,
        'renew the server certificate (or its CA) and reload the broker',
        error,
        ctx,
      );
    case 'CERT_NOT_YET_VALID':
      return problem(
        'NOT_YET_VALID',
        `a certificate in the server's chain is not valid yet${chainWords(ctx)}`,
        'check the clocks of this machine and of the CA that issued it',
        error,
        ctx,
      );
    case 'CERT_REVOKED':
      return problem(
        'REVOKED',
        `the server's certificate is revoked${chainWords(ctx)}`,
        'issue a new one',
        error,
        ctx,
      );
    case 'INVALID_PURPOSE':
      return problem(
        'WRONG_PURPOSE',
        `the server's certificate is not made for a TLS server (extended key usage lacks serverAuth)${chainWords(ctx)}`,
        'issue the server certificate with the server profile (EKU serverAuth)',
        error,
        ctx,
      );
    case 'INVALID_CA':
      return problem(
        'NOT_A_CA',
        `a certificate in the server's chain signs others but is not a CA${chainWords(ctx)}`,
        'issue the intermediate with basicConstraints CA:TRUE',
        error,
        ctx,
      );
    case 'PATH_LENGTH_EXCEEDED':
      return problem(
        'PATH_LENGTH_EXCEEDED',
        `the server's chain is longer than a CA's path length allows${chainWords(ctx)}`,
        'raise the path length of the CA, or shorten the chain',
        error,
        ctx,
      );
    case 'CERT_SIGNATURE_FAILURE':
      return problem(
        'BAD_SIGNATURE',
        `a signature in the server's chain does not verify${chainWords(ctx)}`,
        'the chain was assembled from the wrong certificates; rebuild it from the issuing CA',
        error,
        ctx,
      );
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const reason = (error as { reason?: string }).reason ?? messageOf(error);
      const name = ctx.servername ?? ctx.host;
      return problem(
        'HOSTNAME_MISMATCH',
        `the server's certificate is not valid for ${name}: ${reason}`,
        `connect with a host name that is in the certificate's SAN, set the SNI override to one, or reissue the server certificate with ${name} in its SAN`,
        error,
        ctx,
      );
    }
  }

  if (has('CERTIFICATE_REQUIRED', 'certificate required')) {
    return problem(
      'CLIENT_CERT_REQUIRED',
      `${where} requires a client certificate and we sent none`,
      'choose a client certificate (from the workspace or files) issued by a CA the broker trusts',
      error,
      ctx,
    );
  }
  if (has('CERTIFICATE_REVOKED', 'certificate revoked')) {
    return problem(
      'REVOKED',
      `${where} refused our client certificate: it is revoked`,
      'issue a new client certificate',
      error,
      ctx,
    );
  }
  if (has('CERTIFICATE_EXPIRED', 'certificate expired')) {
    return problem(
      'CLIENT_CERT_REJECTED',
      `${where} refused our client certificate: it has expired`,
      'renew the client certificate',
      error,
      ctx,
    );
  }
  if (
    has(
      'UNKNOWN_CA',
      'unknown ca',
      'BAD_CERTIFICATE',
      'bad certificate',
      'CERTIFICATE_UNKNOWN',
      'certificate unknown',
      'UNSUPPORTED_CERTIFICATE',
      'DECRYPT_ERROR',
    )
  ) {
    return problem(
      'CLIENT_CERT_REJECTED',
      ctx.sentClientCert
        ? `${where} rejected our client certificate (${alertName(error)}): it is not issued by a CA the broker trusts, or cannot be used for a client`
        : `${where} refused the handshake (${alertName(error)}) and we sent no client certificate`,
      ctx.sentClientCert
        ? "use a client certificate issued by a CA in the broker's cafile, with extended key usage clientAuth"
        : 'choose a client certificate the broker trusts',
      error,
      ctx,
    );
  }
  if (
    has(
      'WRONG_VERSION_NUMBER',
      'wrong version number',
      'packet length too long',
      'unknown protocol',
      'http request',
    )
  ) {
    return problem(
      'NOT_TLS',
      `${where} did not answer with TLS: it is probably a plain MQTT port`,
      'use mqtt:// for a plain port, or the TLS port (usually 8883) for mqtts://',
      error,
      ctx,
    );
  }
  if (has('PROTOCOL_VERSION', 'UNSUPPORTED_PROTOCOL', 'no protocols available', 'protocol version')) {
    return problem(
      'PROTOCOL_VERSION',
      `${where} and this client have no TLS version in common`,
      "check the broker's tls_version (a minimum) against what the client allows",
      error,
      ctx,
    );
  }
  if (has('NO_APPLICATION_PROTOCOL', 'no application protocol')) {
    return problem(
      'HANDSHAKE_FAILED',
      `${where} accepts none of the ALPN protocols we offered`,
      'change the ALPN list of the profile (brokers often expect "mqtt" or nothing), or clear it',
      error,
      ctx,
    );
  }
  if (has('HANDSHAKE_FAILURE', 'handshake failure')) {
    return problem(
      ctx.sentClientCert ? 'HANDSHAKE_FAILED' : 'CLIENT_CERT_REQUIRED',
      ctx.sentClientCert
        ? `${where} aborted the TLS handshake (handshake failure): no cipher or key type in common, or our client certificate was refused`
        : `${where} aborted the TLS handshake (handshake failure): it most likely requires a client certificate`,
      ctx.sentClientCert
        ? 'check the broker log and its ciphers / tls_version; the inspector shows each step'
        : 'choose a client certificate the broker trusts',
      error,
      ctx,
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || has('socket hang up')) {
    return ctx.connected ? connectionLostProblem(ctx, error) : closedBeforeConnackProblem(ctx, error);
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || has('ssl', 'tls')) {
    return problem(
      'HANDSHAKE_FAILED',
      `the TLS handshake with ${where} failed: ${messageOf(error)}`,
      'open the inspector on this target: it shows each handshake step with cause and fix',
      error,
      ctx,
    );
  }
  // mqtt.js parser errors carry no code: the peer answered bytes that are not MQTT.
  if (!code && !ctx.connected && (!ctx.secure || ctx.tlsEstablished)) {
    return ctx.secure
      ? problem(
          'MQTT_REFUSED',
          `${where} answered the TLS connection with something that is not MQTT (${messageOf(error)})`,
          'check the port: an HTTPS or websocket listener needs wss:// with its path, an MQTT listener mqtts://',
          error,
          ctx,
        )
      : problem(
          'TLS_ON_PLAIN_PORT',
          `${where} answered with something that is not MQTT (${messageOf(error)}): it is probably a TLS or websocket port`,
          'use mqtts:// for a TLS port, or ws:// / wss:// for a websocket port',
          error,
          ctx,
        );
  }
  return problem(
    ctx.connected ? 'CONNECTION_REFUSED' : 'HANDSHAKE_FAILED',
    `${ctx.connected ? 'the connection' : 'connecting'} to ${where} failed: ${messageOf(error)}`,
    'open the inspector on this target to see where it breaks',
    error,
    ctx,
  );
}

function alertName(error: unknown): string {
  const match = /alert ([a-z ]+)/i.exec(messageOf(error));
  return match ? `TLS alert "${match[1]!.trim()}"` : messageOf(error);
}
