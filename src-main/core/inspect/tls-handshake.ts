/**
 * One TLS handshake with a server, recorded on the wire. The client never rejects the server's certificate
 * itself (the inspector judges it afterwards, with reasons), so every handshake the server allows completes.
 */
import type { Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { WireTap } from './wire-tap.js';
import type { TlsVersion } from './types.js';

export interface HandshakeRequest {
  servername: string | null;
  alpn: string[];
  tlsMin?: TlsVersion;
  tlsMax?: TlsVersion;
  trustPem: string;
  identity: { certPem: string; keyPem: string } | null;
  deadline: number;
  clock: () => number;
  /** Each NSS key log line of this handshake, as it comes (the user's TLS key log, for Wireshark). */
  onKeylog?: (line: Buffer) => void;
}

export interface HandshakeRun {
  tls: TLSSocket;
  tap: WireTap;
  keylog: Buffer[];
  /** 'secure' when the handshake completed, else how it ended. */
  outcome: 'secure' | 'error' | 'closed' | 'timeout';
  error: NodeJS.ErrnoException | null;
  /** A TLS 1.3 NewSessionTicket arrived (the server finished accepting us). */
  sessionTicket: () => boolean;
  /** Errors and closes that happen after the handshake (e.g. a late alert about our certificate). */
  lateError: () => NodeJS.ErrnoException | null;
  closed: () => boolean;
  secureAt: number | null;
}

const VERSIONS: Record<TlsVersion, ConnectionOptions['minVersion']> = {
  '1': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
};

export function runHandshake(socket: Socket, request: HandshakeRequest): Promise<HandshakeRun> {
  const tap = new WireTap(socket, request.clock);
  const keylog: Buffer[] = [];
  const options: ConnectionOptions = {
    socket: tap,
    ca: request.trustPem,
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    ALPNProtocols: request.alpn.length > 0 ? request.alpn : undefined,
    minVersion: request.tlsMin ? VERSIONS[request.tlsMin] : 'TLSv1.2',
    maxVersion: request.tlsMax ? VERSIONS[request.tlsMax] : 'TLSv1.3',
  };
  if (request.servername) options.servername = request.servername;
  if (request.identity) {
    options.cert = request.identity.certPem;
    options.key = request.identity.keyPem;
  }
  if (options.minVersion && ['TLSv1', 'TLSv1.1'].includes(options.minVersion)) {
    options.ciphers = 'DEFAULT:@SECLEVEL=0'; // let a probe reach an old server; the report names the version
  }
  const tls = tlsConnect(options);
  let ticket = false;
  let lateError: NodeJS.ErrnoException | null = null;
  let closed = false;
  let settled = false;
  tls.on('keylog', (line: Buffer) => {
    keylog.push(line);
    request.onKeylog?.(line);
  });
  tls.on('session', () => (ticket = true));
  tls.on('close', () => (closed = true));
  tls.on('end', () => (closed = true)); // over a stream, the server's FIN shows as 'end' (no 'close' follows)
  return new Promise((resolve) => {
    const finish = (outcome: HandshakeRun['outcome'], error: NodeJS.ErrnoException | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        tls,
        tap,
        keylog,
        outcome,
        error,
        sessionTicket: () => ticket,
        lateError: () => lateError,
        closed: () => closed,
        secureAt: outcome === 'secure' ? request.clock() : null,
      });
    };
    const timer = setTimeout(() => finish('timeout', null), Math.max(0, request.deadline - Date.now()));
    tls.once('secureConnect', () => finish('secure', null));
    tls.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) lateError = error;
      else finish('error', error);
    });
    tls.once('close', () => finish('closed', null));
  });
}

/**
 * After a TLS 1.3 handshake with a client certificate: wait until the server shows its verdict on it. An
 * alert or a close is a refusal; a session ticket is not proof of acceptance (Node servers send tickets and
 * then drop a client they refuse), so `untilTicket` only shortens the wait when MQTT will confirm anyway.
 */
export async function settle(
  run: HandshakeRun,
  waitMs: number,
  deadline: number,
  untilTicket: boolean,
): Promise<void> {
  const until = Math.min(Date.now() + waitMs, deadline);
  // Read on: a paused TLS socket over a stream never sees the server's alert or close.
  run.tls.resume();
  while (Date.now() < until && !(untilTicket && run.sessionTicket()) && !run.lateError() && !run.closed()) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
