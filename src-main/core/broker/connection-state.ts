import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { AclDecisionCache } from './acl-decision-cache.js';
import type { ClientCertificateSummary, TlsDetails } from './events.js';
import { peerCertificateFromSession } from './peer-certificate.js';
import { clientCertificateRefusal, type Refusal } from './refusal-reasons.js';
import { certificateFacts, type CertificateFacts } from './client-certificate-facts.js';

/** What the broker knows about one network connection, from accept to close. */
export interface ConnectionState {
  id: number;
  /** Index of the listener in the conf. */
  listenerIndex: number;
  listenerUrl: string;
  remoteAddress: string;
  remotePort?: number;
  tls?: TlsDetails;
  /** The client certificate as sent (DER) and its issuer as OpenSSL linked it. */
  peerDer?: Buffer;
  issuerDer?: Buffer;
  clientCertificate?: ClientCertificateSummary;
  /** The certificate's first CN (undefined when it has none) and RFC 2253 subject. */
  certificateNames?: { cn?: string; cnHasNul: boolean; subject: string };
  /** Set when OpenSSL did not accept the client certificate (the broker refuses at CONNECT). */
  certificateRefusal?: Refusal;
  /** First byte received on a plain listener (0x16 = a TLS ClientHello). */
  firstByte?: number;
  /** Filled at CONNECT: the protocol level (3 = MQTT 3.1, 4 = 3.1.1, 5 = MQTT 5). */
  protocolVersion?: number;
  /** Filled at CONNECT. */
  clientId?: string;
  /** MQTT 5 CONNECT properties aedes refuses the CONNECT for (kept for the log entry). */
  refusedProperties?: Record<string, string | number | boolean>;
  /** The accepted CONNECT's authentication, decided before aedes' own checks run. */
  accepted?: { username: string | undefined; how: string };
  username?: string;
  connectedAt?: Date;
  /** True once a refusal for this connection was logged (no second entry on close). */
  refusalLogged?: boolean;
  /** Why the broker is closing it, when it decided to. */
  closeReason?: string;
  /** Cached ACL decisions (topic → allowed) for the ACL generation they were made with. */
  aclGeneration: number;
  readDecisions: AclDecisionCache;
  writeDecisions: AclDecisionCache;
}

export function newConnectionState(
  id: number,
  listenerIndex: number,
  listenerUrl: string,
  socket: Socket,
): ConnectionState {
  const state: ConnectionState = {
    id,
    listenerIndex,
    listenerUrl,
    remoteAddress: normalizeAddress(socket.remoteAddress),
    aclGeneration: -1,
    readDecisions: new AclDecisionCache(),
    writeDecisions: new AclDecisionCache(),
  };
  if (socket.remotePort !== undefined) state.remotePort = socket.remotePort;
  return state;
}

function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Read the negotiated TLS details and the client certificate of a finished handshake. With
 * `requireCertificate`, a missing or unverified certificate is recorded as a refusal (the broker
 * answers the CONNECT with CONNACK 5 and logs the reason, instead of leaving the client hanging).
 * Returns a promise, to be awaited before the connection is handed to the broker, for the rare
 * certificate only the full parse reads (client-certificate-facts.ts); undefined when all is read.
 */
export function readTlsSocket(
  state: ConnectionState,
  socket: TLSSocket,
  requireCertificate: boolean,
  pskIdentity: string | undefined,
  needIssuer = false,
): Promise<void> | undefined {
  const tls: TlsDetails = {};
  const protocol = socket.getProtocol();
  if (protocol) tls.protocol = protocol;
  const cipher = socket.getCipher();
  if (cipher?.name) tls.cipher = cipher.name;
  const servername = (socket as TLSSocket & { servername?: string | false }).servername;
  if (servername) tls.servername = servername;
  if (socket.alpnProtocol) tls.alpn = socket.alpnProtocol;
  if (pskIdentity !== undefined) tls.pskIdentity = pskIdentity;
  state.tls = tls;
  if (!requireCertificate) return undefined;

  // The certificate's DER from the session (~40 µs); getPeerCertificate() (~120 µs on its first call for a
  // socket) only for a certificate not seen lately or a refused one; getPeerX509Certificate() (~500 µs: it
  // re-parses the certificate and its issuer) only for a CRL check. See peer-certificate.ts.
  let peer: PeerCertificate | undefined;
  const peerObject = () => (peer ??= socket.getPeerCertificate());
  const der = peerCertificateFromSession(socket) ?? peerObject()?.raw;
  if (!der) {
    state.certificateRefusal = {
      reason: 'no client certificate: this listener requires one (require_certificate true)',
      problem: 'CLIENT_CERT_REQUIRED',
    };
    return undefined;
  }
  state.peerDer = der;
  if (needIssuer) {
    const issuer = socket.getPeerX509Certificate()?.issuerCertificate;
    if (issuer && !issuer.raw.equals(der)) state.issuerDer = issuer.raw;
  }
  let facts: CertificateFacts | Promise<CertificateFacts>;
  try {
    facts = certificateFacts(der, peerObject);
  } catch (error) {
    undecodable(state, error);
    return undefined;
  }
  if (facts instanceof Promise)
    return facts
      .then((read) => useFacts(state, socket, read, peerObject))
      .catch((error: unknown) => undecodable(state, error));
  useFacts(state, socket, facts, peerObject);
  return undefined;
}

function undecodable(state: ConnectionState, error: unknown): void {
  state.certificateRefusal = {
    reason: `the client certificate cannot be decoded (${(error as Error).message})`,
    problem: 'CLIENT_CERT_REJECTED',
  };
}

function useFacts(
  state: ConnectionState,
  socket: TLSSocket,
  facts: CertificateFacts,
  peer: () => PeerCertificate,
): void {
  state.certificateNames = facts.names;
  state.clientCertificate = facts.summary;
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'UNKNOWN');
    const { valid_to, valid_from } = peer();
    state.certificateRefusal = clientCertificateRefusal(code, valid_to, valid_from);
  }
}
