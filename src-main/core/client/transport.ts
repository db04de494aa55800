import { isIP, connect as netConnect, type Socket } from 'node:net';
import {
  connect as tlsConnect,
  type ConnectionOptions,
  type PeerCertificate,
  type TLSSocket,
} from 'node:tls';
import type { Duplex } from 'node:stream';
import { wsLibrary } from './commonjs-libraries.js';
import type { PeerCertificateSummary } from './connection-problem.js';
import type { KeyLogWriter } from './key-log.js';
import { guardPacketSizes, MAX_INCOMING_PACKET_BYTES } from './peer-limits.js';
import type { ParsedUrl } from './profile.js';

/** What the transport saw of its current connection: TLS facts for the view, errors for explanations. */
export interface TransportFacts {
  secure: boolean;
  tlsEstablished: boolean;
  tlsProtocol?: string;
  cipher?: string;
  alpn?: string;
  servername?: string;
  /** With "verify server" off: why the server would have failed verification ('' when it passes). */
  authorizationError?: string;
  peerChain?: PeerCertificateSummary[];
  /** The last error the socket raised (mqtt.js hides some of them). */
  lastError?: Error;
  /** HTTP status of a refused websocket upgrade. */
  httpStatus?: number;
}

function nameOf(subject: PeerCertificate['subject'] | undefined): string {
  if (!subject) return '';
  return Object.entries(subject)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/** The chain as Node linked it (leaf first, stops at a self-signed certificate or a loop). */
export function peerChainOf(socket: TLSSocket): PeerCertificateSummary[] {
  const chain: PeerCertificateSummary[] = [];
  let cert: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  try {
    cert = socket.getPeerCertificate(true) as PeerCertificate & { issuerCertificate?: PeerCertificate };
  } catch {
    return chain;
  }
  const seen = new Set<string>();
  while (cert && cert.fingerprint256 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const subject = nameOf(cert.subject);
    const issuer = nameOf(cert.issuer);
    chain.push({ subject, issuer, selfSigned: subject === issuer });
    cert = cert.issuerCertificate as typeof cert;
  }
  return chain;
}

function watchTls(socket: TLSSocket, facts: TransportFacts, options: ConnectionOptions): void {
  socket.once('secureConnect', () => {
    facts.tlsEstablished = true;
    facts.tlsProtocol = socket.getProtocol() ?? undefined;
    facts.cipher = socket.getCipher()?.name;
    facts.alpn = typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined;
    facts.peerChain = peerChainOf(socket);
    if (options.rejectUnauthorized === false) {
      facts.authorizationError = socket.authorized ? '' : String(socket.authorizationError ?? 'not verified');
    }
  });
  socket.on('error', (error) => {
    facts.lastError = error;
    if (!facts.peerChain) facts.peerChain = peerChainOf(socket);
  });
}

/**
 * When Node refuses the server's certificate it frees the TLS session before the error reaches us, so
 * the chain is gone. Fetch it again with a second handshake that does not verify (nothing is sent over
 * it) — only to explain the failure. Resolves [] on any failure or after timeoutMs.
 */
export function probePeerChain(
  url: ParsedUrl,
  options: ConnectionOptions,
  timeoutMs: number,
): Promise<PeerCertificateSummary[]> {
  return new Promise((resolve) => {
    const servername = options.servername ?? (isIP(url.host) ? undefined : url.host);
    const socket = tlsConnect({
      host: url.host,
      port: url.port,
      ...(options.ca ? { ca: options.ca } : {}),
      ...(servername ? { servername } : {}),
      rejectUnauthorized: false,
    });
    const done = (chain: PeerCertificateSummary[]) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chain);
    };
    const timer = setTimeout(() => done([]), timeoutMs);
    socket.once('secureConnect', () => done(peerChainOf(socket)));
    socket.once('error', () => done([]));
  });
}

export interface TransportRequest {
  url: ParsedUrl;
  tls: ConnectionOptions;
  /** Deadline for the websocket upgrade (the session has its own overall deadline). */
  handshakeTimeoutMs: number;
  /** WebSocket sub-protocol: 'mqtt' (3.1.1 and 5.0). */
  facts: TransportFacts;
  /** Where this connection's TLS secrets go (NSS key log), when the user asked for it. */
  keyLog?: KeyLogWriter;
  /** Largest MQTT packet (and WebSocket message) accepted from the server (default 16 MiB). */
  maxPacketBytes?: number;
}

/** Open the byte stream mqtt.js speaks over: TCP, TLS, WebSocket or WebSocket over TLS. */
export function openStream(request: TransportRequest): Duplex {
  const { url, tls: tlsOptions, facts } = request;
  // Each (re)connect starts from a clean slate.
  for (const key of Object.keys(facts) as Array<keyof TransportFacts>) delete facts[key];
  facts.secure = url.scheme === 'mqtts' || url.scheme === 'wss';
  facts.tlsEstablished = false;
  const servername = tlsOptions.servername ?? (isIP(url.host) ? undefined : url.host);
  if (facts.secure && servername) facts.servername = servername;
  const maxPacketBytes = request.maxPacketBytes ?? MAX_INCOMING_PACKET_BYTES;
  const guarded = <T extends Duplex>(stream: T): T => {
    guardPacketSizes(stream, maxPacketBytes, (error) => (facts.lastError = error));
    return stream;
  };

  if (url.scheme === 'mqtt') {
    const socket: Socket = netConnect({ host: url.host, port: url.port });
    socket.on('error', (error) => (facts.lastError = error));
    socket.setNoDelay(true);
    return guarded(socket);
  }
  if (url.scheme === 'mqtts') {
    const socket = tlsConnect({
      ...tlsOptions,
      host: url.host,
      port: url.port,
      ...(servername ? { servername } : {}),
    });
    request.keyLog?.attach(socket);
    watchTls(socket, facts, tlsOptions);
    socket.setNoDelay(true);
    return guarded(socket);
  }
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  const address = `${url.scheme}://${host}:${url.port}${url.path || '/'}`;
  const { WebSocket, createWebSocketStream } = wsLibrary();
  const ws = new WebSocket(address, ['mqtt'], {
    handshakeTimeout: request.handshakeTimeoutMs,
    perMessageDeflate: false,
    // ws holds a whole message before handing it on: bounded like one MQTT packet (close 1009 beyond).
    maxPayload: maxPacketBytes,
    ...(url.scheme === 'wss' ? { ...tlsOptions, ...(servername ? { servername } : {}) } : {}),
    // ws opens its TLS socket itself: take it as it is made, before the handshake, for the key log.
    ...(url.scheme === 'wss' && request.keyLog
      ? ({
          createConnection: (options: ConnectionOptions & { path?: string }) => {
            // As ws' own tlsConnect: no unix socket path, SNI from the host name.
            options.path = undefined;
            if (!options.servername && options.servername !== '') {
              options.servername = options.host && isIP(options.host) ? '' : options.host;
            }
            const socket = tlsConnect(options);
            request.keyLog!.attach(socket);
            return socket;
          },
        } as object)
      : {}),
  });
  ws.on('upgrade', (response) => {
    const socket = response.socket as TLSSocket;
    if (url.scheme === 'wss' && typeof socket.getProtocol === 'function') {
      facts.tlsEstablished = true;
      facts.tlsProtocol = socket.getProtocol() ?? undefined;
      facts.cipher = socket.getCipher()?.name;
      facts.peerChain = peerChainOf(socket);
      if (tlsOptions.rejectUnauthorized === false) {
        facts.authorizationError = socket.authorized
          ? ''
          : String(socket.authorizationError ?? 'not verified');
      }
    }
  });
  ws.on('unexpected-response', (_request, response) => {
    facts.httpStatus = response.statusCode;
    const error = new Error(`the server answered the websocket upgrade with HTTP ${response.statusCode}`);
    (error as NodeJS.ErrnoException).code = 'WS_UPGRADE_REFUSED';
    facts.lastError = error;
    ws.terminate();
  });
  ws.on('error', (error) => {
    if (!facts.lastError) facts.lastError = error;
  });
  const stream = createWebSocketStream(ws);
  ws.on('close', () => stream.destroy());
  return guarded(stream);
}
