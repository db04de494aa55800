/** The handshake as a list of moments a person can read: who sent what, when, and what it said. */
import { decodeName } from './certificate-facts.js';
import {
  parseCertificate,
  parseCertificateRequest,
  parseClientHello,
  parseEncryptedExtensions,
  parseServerHello,
  parseServerKeyExchange,
} from './handshake-messages.js';
import { cipherSuiteName, groupName, HANDSHAKE_TYPE, versionName } from './tls-names.js';
import type { Transcript, WireEvent } from './tls-transcript.js';
import type { TimelineEntry } from './types.js';
import { decodeCertificate } from './certificate-facts.js';

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function handshakeDetail(
  event: Extract<WireEvent, { kind: 'handshake' }>,
  tls13: boolean,
  suite: number | null,
): string {
  const { body } = event;
  try {
    switch (event.type) {
      case HANDSHAKE_TYPE.clientHello: {
        const hello = parseClientHello(body);
        return [
          `versions ${hello.versions
            .filter((v) => v >= 0x0300 && v <= 0x0304)
            .map(versionName)
            .join(', ')}`,
          hello.serverName ? `SNI ${hello.serverName}` : 'no SNI',
          hello.alpn.length > 0 ? `ALPN ${hello.alpn.join(', ')}` : null,
        ]
          .filter(Boolean)
          .join('; ');
      }
      case HANDSHAKE_TYPE.serverHello: {
        const hello = parseServerHello(body);
        if (hello.helloRetryRequest) {
          return `HelloRetryRequest: the server asks for key share ${hello.keyShareGroup !== null ? groupName(hello.keyShareGroup) : '?'}`;
        }
        return [
          versionName(hello.version),
          cipherSuiteName(hello.cipherSuite).iana,
          hello.keyShareGroup !== null ? `key share ${groupName(hello.keyShareGroup)}` : null,
          hello.alpn ? `ALPN ${hello.alpn}` : null,
        ]
          .filter(Boolean)
          .join('; ');
      }
      case HANDSHAKE_TYPE.encryptedExtensions: {
        const { alpn } = parseEncryptedExtensions(body);
        return alpn ? `ALPN ${alpn}` : 'no ALPN selected';
      }
      case HANDSHAKE_TYPE.certificate: {
        const certificates = parseCertificate(body, tls13);
        if (certificates.length === 0) return 'empty: no certificate';
        const names = certificates.map((der) => {
          try {
            return decodeCertificate(der).summary.commonName || '(no CN)';
          } catch {
            return '(undecodable)';
          }
        });
        return `${certificates.length} certificate${certificates.length === 1 ? '' : 's'}: ${names.join(' → ')}`;
      }
      case HANDSHAKE_TYPE.certificateRequest: {
        const { authorities } = parseCertificateRequest(body, tls13);
        return authorities.length > 0
          ? `client certificate requested; accepted CAs: ${authorities.map(decodeName).join('; ')}`
          : 'client certificate requested (no CA names given)';
      }
      case HANDSHAKE_TYPE.serverKeyExchange: {
        if (suite === null) return '';
        const exchange = parseServerKeyExchange(body, suite);
        return exchange.group !== null
          ? `group ${groupName(exchange.group)}`
          : exchange.dhBits
            ? `DHE ${exchange.dhBits} bits`
            : '';
      }
      case HANDSHAKE_TYPE.newSessionTicket:
        return 'session ticket (the server accepted the handshake)';
      default:
        return '';
    }
  } catch {
    return 'malformed';
  }
}

export function buildTimeline(transcript: Transcript, extra: TimelineEntry[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [...extra];
  for (const event of transcript.events) {
    switch (event.kind) {
      case 'handshake':
        entries.push({
          atMs: round(event.at),
          from: event.from,
          event: event.name,
          detail: handshakeDetail(event, transcript.tls13, transcript.cipherSuite),
          encrypted: event.protected,
        });
        break;
      case 'alert':
        entries.push({
          atMs: round(event.at),
          from: event.from,
          event: `alert ${event.name}`,
          detail:
            event.level === 2
              ? 'fatal'
              : event.description === 0
                ? 'the sender closes the connection'
                : 'warning',
          encrypted: event.protected,
        });
        break;
      case 'change_cipher_spec':
        entries.push({
          atMs: round(event.at),
          from: event.from,
          event: 'ChangeCipherSpec',
          detail: transcript.tls13
            ? 'compatibility record (TLS 1.3 ignores it)'
            : 'from here on this side encrypts',
          encrypted: false,
        });
        break;
      case 'opaque':
        entries.push({
          atMs: round(event.at),
          from: event.from,
          event:
            event.contentType === 22 ? 'Finished' : event.contentType === 21 ? 'alert' : 'encrypted record',
          detail: `${event.length} bytes, ${event.reason}`,
          encrypted: true,
        });
        break;
      case 'not_tls':
        entries.push({
          atMs: round(event.at),
          from: event.from,
          event: 'not TLS',
          detail: `first bytes ${event.preview.subarray(0, 8).toString('hex')}`,
          encrypted: false,
        });
        break;
      case 'application_data':
        break; // MQTT packets are listed by the probe itself
    }
  }
  return entries.sort((a, b) => a.atMs - b.atMs);
}
