/** The facts of one handshake, read from its decoded transcript. */
import {
  parseCertificate,
  parseCertificateRequest,
  parseClientHello,
  parseEncryptedExtensions,
  parseServerHello,
  parseServerKeyExchange,
  type ClientHello,
  type ServerHello,
} from './handshake-messages.js';
import { HANDSHAKE_TYPE } from './tls-names.js';
import type { Transcript, WireEvent } from './tls-transcript.js';

export interface AlertFact {
  at: number;
  from: 'client' | 'server';
  description: number;
  name: string;
  fatal: boolean;
}

export interface HandshakeFacts {
  clientHello: ClientHello | null;
  serverHello: ServerHello | null;
  helloRetry: ServerHello | null;
  tls13: boolean;
  /** Certificates of the server's Certificate message, in the order sent; null when none was seen. */
  serverCertificates: Buffer[] | null;
  /** True when the server's Certificate message could not be read (e.g. encrypted with an unknown key). */
  serverCertificateHidden: boolean;
  certificateRequest: { authorities: Buffer[] } | null;
  alpn: string | null;
  group: number | null;
  dhBits: number | null;
  /** Certificates in our Certificate message (0 = the empty message); null when not seen or unreadable. */
  clientCertificatesSent: number | null;
  serverFinished: boolean;
  sessionTickets: number;
  alerts: AlertFact[];
  /** Decrypted application data from the server (TLS 1.3 only). */
  serverApplicationData: Buffer;
  /** Bytes that are not TLS, when the server's first answer is not a TLS record. */
  notTlsPreview: Buffer | null;
  /** Anything the server sent at all. */
  serverSentAnything: boolean;
}

function safely<T>(parse: () => T): T | null {
  try {
    return parse();
  } catch {
    return null;
  }
}

export function handshakeFacts(transcript: Transcript): HandshakeFacts {
  const facts: HandshakeFacts = {
    clientHello: null,
    serverHello: null,
    helloRetry: null,
    tls13: transcript.tls13,
    serverCertificates: null,
    serverCertificateHidden: false,
    certificateRequest: null,
    alpn: null,
    group: null,
    dhBits: null,
    clientCertificatesSent: null,
    serverFinished: false,
    sessionTickets: 0,
    alerts: [],
    serverApplicationData: Buffer.alloc(0),
    notTlsPreview: null,
    serverSentAnything: false,
  };
  const appData: Buffer[] = [];
  for (const event of transcript.events) {
    if (event.from === 'server') facts.serverSentAnything = true;
    readEvent(event, facts, transcript.tls13, appData);
  }
  facts.serverApplicationData = Buffer.concat(appData);
  if (facts.serverHello) {
    if (facts.serverHello.keyShareGroup !== null) facts.group = facts.serverHello.keyShareGroup;
    if (facts.serverHello.alpn && !facts.alpn) facts.alpn = facts.serverHello.alpn;
  }
  return facts;
}

function readEvent(event: WireEvent, facts: HandshakeFacts, tls13: boolean, appData: Buffer[]): void {
  switch (event.kind) {
    case 'alert':
      facts.alerts.push({
        at: event.at,
        from: event.from,
        description: event.description,
        name: event.name,
        fatal: event.level === 2 || event.description !== 0,
      });
      return;
    case 'not_tls':
      if (event.from === 'server') facts.notTlsPreview = event.preview;
      return;
    case 'application_data':
      if (event.from === 'server' && event.data) appData.push(event.data);
      return;
    case 'opaque':
      // In TLS 1.2 the Finished is the first (encrypted) handshake record after ChangeCipherSpec.
      if (event.from === 'server' && !tls13 && event.contentType === 22) facts.serverFinished = true;
      if (event.from === 'server' && tls13 && !facts.serverCertificates && !facts.serverFinished) {
        facts.serverCertificateHidden = true;
      }
      return;
    case 'handshake':
      break;
    default:
      return;
  }
  const { body } = event;
  if (event.from === 'client') {
    if (event.type === HANDSHAKE_TYPE.clientHello)
      facts.clientHello = safely(() => parseClientHello(body)) ?? facts.clientHello;
    if (event.type === HANDSHAKE_TYPE.certificate) {
      facts.clientCertificatesSent = safely(() => parseCertificate(body, tls13).length);
    }
    return;
  }
  switch (event.type) {
    case HANDSHAKE_TYPE.serverHello: {
      const hello = safely(() => parseServerHello(body));
      if (hello?.helloRetryRequest) facts.helloRetry = hello;
      else if (hello) facts.serverHello = hello;
      return;
    }
    case HANDSHAKE_TYPE.encryptedExtensions:
      facts.alpn = safely(() => parseEncryptedExtensions(body))?.alpn ?? null;
      return;
    case HANDSHAKE_TYPE.certificate:
      facts.serverCertificates = safely(() => parseCertificate(body, tls13)) ?? [];
      return;
    case HANDSHAKE_TYPE.certificateRequest:
      facts.certificateRequest = safely(() => parseCertificateRequest(body, tls13)) ?? { authorities: [] };
      return;
    case HANDSHAKE_TYPE.serverKeyExchange: {
      const exchange = facts.serverHello
        ? safely(() => parseServerKeyExchange(body, facts.serverHello!.cipherSuite))
        : null;
      if (exchange) {
        facts.group = exchange.group;
        facts.dhBits = exchange.dhBits;
      }
      return;
    }
    case HANDSHAKE_TYPE.finished:
      facts.serverFinished = true;
      return;
    case HANDSHAKE_TYPE.newSessionTicket:
      facts.sessionTickets++;
      return;
  }
}
