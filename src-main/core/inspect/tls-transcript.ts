/**
 * Turns the captured bytes of one TLS connection into the sequence of messages each side sent: records are
 * split, handshake messages reassembled across records, and TLS 1.3 protected records opened with the
 * traffic secrets from the socket's `keylog` lines. TLS 1.2 records after ChangeCipherSpec stay opaque.
 */
import { parseServerHello } from './handshake-messages.js';
import { CONTENT_TYPE, HANDSHAKE_TYPE, alertName, handshakeName } from './tls-names.js';
import { Tls13RecordOpener, isTls13SuiteSupported } from './tls13-record-protection.js';
import type { WireChunk } from './wire-tap.js';

export type Side = 'client' | 'server';

export type WireEvent =
  | {
      at: number;
      from: Side;
      kind: 'handshake';
      type: number;
      name: string;
      body: Buffer;
      protected: boolean;
    }
  | {
      at: number;
      from: Side;
      kind: 'alert';
      level: number;
      description: number;
      name: string;
      protected: boolean;
    }
  | { at: number; from: Side; kind: 'change_cipher_spec' }
  | { at: number; from: Side; kind: 'application_data'; data: Buffer | null; length: number }
  | { at: number; from: Side; kind: 'opaque'; contentType: number; length: number; reason: string }
  | { at: number; from: Side; kind: 'not_tls'; preview: Buffer };

interface TlsRecord {
  at: number;
  type: number;
  header: Buffer;
  fragment: Buffer;
}

/** Split a byte stream into TLS records; stops at the first bytes that cannot be a TLS record. */
function splitRecords(chunks: WireChunk[]): {
  records: TlsRecord[];
  notTls: { at: number; preview: Buffer } | null;
} {
  const records: TlsRecord[] = [];
  let pending = Buffer.alloc(0);
  let pendingAt = 0;
  for (const chunk of chunks) {
    if (pending.length === 0) pendingAt = chunk.at;
    pending = Buffer.concat([pending, chunk.data]);
    while (pending.length >= 5) {
      const type = pending[0]!;
      const major = pending[1]!;
      const length = pending.readUInt16BE(3);
      if (type < 20 || type > 24 || major !== 3 || length > 16384 + 2048) {
        return { records, notTls: { at: pendingAt, preview: pending.subarray(0, 64) } };
      }
      if (pending.length < 5 + length) break;
      records.push({
        at: chunk.at,
        type,
        header: pending.subarray(0, 5),
        fragment: pending.subarray(5, 5 + length),
      });
      pending = pending.subarray(5 + length);
      pendingAt = chunk.at;
    }
  }
  if (records.length === 0 && pending.length > 0 && pending.length < 5) {
    const type = pending[0]!;
    if (type < 20 || type > 24 || (pending.length > 1 && pending[1] !== 3)) {
      return { records, notTls: { at: pendingAt, preview: pending } };
    }
  }
  return { records, notTls: null };
}

/** Reassembles handshake messages that may be split across, or packed into, records. */
class HandshakeReassembler {
  private buffer = Buffer.alloc(0);

  push(fragment: Buffer): Array<{ type: number; body: Buffer }> {
    this.buffer = Buffer.concat([this.buffer, fragment]);
    const messages: Array<{ type: number; body: Buffer }> = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUIntBE(1, 3);
      if (this.buffer.length < 4 + length) break;
      messages.push({ type: this.buffer[0]!, body: Buffer.from(this.buffer.subarray(4, 4 + length)) });
      this.buffer = this.buffer.subarray(4 + length);
    }
    return messages;
  }
}

/** The keylog labels of the secrets that protect what each side sends (RFC 8446 / NSS key log format). */
const SECRET_LABELS: Record<Side, { handshake: string; application: string }> = {
  server: { handshake: 'SERVER_HANDSHAKE_TRAFFIC_SECRET', application: 'SERVER_TRAFFIC_SECRET_0' },
  client: { handshake: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', application: 'CLIENT_TRAFFIC_SECRET_0' },
};

/** Parse NSS key log lines (`LABEL client_random secret`) into label → secret. */
export function parseKeylog(lines: Buffer[]): Map<string, Buffer> {
  const secrets = new Map<string, Buffer>();
  for (const line of lines) {
    const [label, , secret] = line.toString('latin1').trim().split(/\s+/);
    if (label && secret) secrets.set(label, Buffer.from(secret, 'hex'));
  }
  return secrets;
}

interface Negotiated {
  tls13: boolean;
  cipherSuite: number | null;
}

function decodeDirection(
  from: Side,
  chunks: WireChunk[],
  secrets: Map<string, Buffer>,
  negotiated: Negotiated,
): WireEvent[] {
  const events: WireEvent[] = [];
  const { records, notTls } = splitRecords(chunks);
  const plainHandshake = new HandshakeReassembler();
  const protectedHandshake = new HandshakeReassembler();
  let phase: 'plain' | 'handshake' | 'application' | 'tls12-protected' | 'unreadable' = 'plain';
  let opener: Tls13RecordOpener | null = null;
  let unreadableReason = '';

  const openerFor = (stage: 'handshake' | 'application'): Tls13RecordOpener | null => {
    const secret = secrets.get(SECRET_LABELS[from][stage]);
    if (!secret || negotiated.cipherSuite === null || !isTls13SuiteSupported(negotiated.cipherSuite))
      return null;
    return new Tls13RecordOpener(negotiated.cipherSuite, secret);
  };

  const enterProtected = (stage: 'handshake' | 'application'): void => {
    phase = stage;
    opener = openerFor(stage);
    if (!opener) {
      phase = 'unreadable';
      unreadableReason =
        negotiated.cipherSuite !== null && !isTls13SuiteSupported(negotiated.cipherSuite)
          ? 'cipher suite not supported by the inspector'
          : `no ${SECRET_LABELS[from][stage]} in the key log`;
    }
  };

  const emitHandshake = (
    at: number,
    messages: Array<{ type: number; body: Buffer }>,
    isProtected: boolean,
  ): void => {
    for (const message of messages) {
      events.push({
        at,
        from,
        kind: 'handshake',
        type: message.type,
        name: handshakeName(message.type),
        body: message.body,
        protected: isProtected,
      });
      if (from === 'server' && message.type === HANDSHAKE_TYPE.serverHello && !isProtected) {
        const hello = parseServerHello(message.body);
        // A HelloRetryRequest already says TLS 1.3: its ChangeCipherSpec does not start encryption.
        if (hello.helloRetryRequest) negotiated.tls13 = hello.version === 0x0304;
        if (!hello.helloRetryRequest) {
          negotiated.cipherSuite = hello.cipherSuite;
          negotiated.tls13 = hello.version === 0x0304;
          if (negotiated.tls13) enterProtected('handshake');
        }
      }
      if (message.type === HANDSHAKE_TYPE.finished && isProtected && phase === 'handshake') {
        enterProtected('application');
      }
    }
  };

  const emitAlert = (at: number, fragment: Buffer, isProtected: boolean): void => {
    if (fragment.length < 2) return;
    events.push({
      at,
      from,
      kind: 'alert',
      level: fragment[0]!,
      description: fragment[1]!,
      name: alertName(fragment[1]!),
      protected: isProtected,
    });
  };

  for (const record of records) {
    if (record.type === CONTENT_TYPE.changeCipherSpec) {
      events.push({ at: record.at, from, kind: 'change_cipher_spec' });
      if (!negotiated.tls13 && phase === 'plain') phase = 'tls12-protected';
      continue;
    }
    // A client sends its protected records once it has read the ServerHello (possibly after a retry).
    if (
      from === 'client' &&
      negotiated.tls13 &&
      phase === 'plain' &&
      record.type === CONTENT_TYPE.applicationData
    ) {
      enterProtected('handshake');
    }
    if (phase === 'plain') {
      if (record.type === CONTENT_TYPE.handshake) {
        emitHandshake(record.at, plainHandshake.push(record.fragment), false);
      } else if (record.type === CONTENT_TYPE.alert) {
        emitAlert(record.at, record.fragment, false);
      } else {
        events.push({
          at: record.at,
          from,
          kind: 'application_data',
          data: record.fragment,
          length: record.fragment.length,
        });
      }
      continue;
    }
    if (record.type === CONTENT_TYPE.alert && record.fragment.length === 2) {
      emitAlert(record.at, record.fragment, false); // some stacks send a plaintext alert at any time
      continue;
    }
    if (
      phase === 'tls12-protected' ||
      phase === 'unreadable' ||
      record.type !== CONTENT_TYPE.applicationData
    ) {
      events.push({
        at: record.at,
        from,
        kind: 'opaque',
        contentType: record.type,
        length: record.fragment.length,
        reason: phase === 'tls12-protected' ? 'encrypted (TLS 1.2)' : unreadableReason || 'unexpected record',
      });
      continue;
    }
    let opened;
    try {
      opened = (opener as Tls13RecordOpener | null)!.open(record.header, record.fragment);
    } catch {
      phase = 'unreadable';
      unreadableReason = 'record did not decrypt (key update or unknown key)';
      events.push({
        at: record.at,
        from,
        kind: 'opaque',
        contentType: record.type,
        length: record.fragment.length,
        reason: unreadableReason,
      });
      continue;
    }
    if (opened.contentType === CONTENT_TYPE.handshake) {
      emitHandshake(record.at, protectedHandshake.push(opened.content), true);
    } else if (opened.contentType === CONTENT_TYPE.alert) {
      emitAlert(record.at, opened.content, true);
    } else if (opened.contentType === CONTENT_TYPE.applicationData) {
      events.push({
        at: record.at,
        from,
        kind: 'application_data',
        data: opened.content,
        length: opened.content.length,
      });
    }
  }
  if (notTls) events.push({ at: notTls.at, from, kind: 'not_tls', preview: notTls.preview });
  return events;
}

export interface Transcript {
  events: WireEvent[];
  tls13: boolean;
  cipherSuite: number | null;
}

/** Decode both directions of a captured connection; events are in time order (server first on ties). */
export function decodeTranscript(
  fromServer: WireChunk[],
  toServer: WireChunk[],
  keylogLines: Buffer[],
): Transcript {
  const secrets = parseKeylog(keylogLines);
  const negotiated: Negotiated = { tls13: false, cipherSuite: null };
  const serverEvents = decodeDirection('server', fromServer, secrets, negotiated);
  const clientEvents = decodeDirection('client', toServer, secrets, negotiated);
  const events = [...clientEvents, ...serverEvents].sort((a, b) => a.at - b.at);
  return { events, tls13: negotiated.tls13, cipherSuite: negotiated.cipherSuite };
}
