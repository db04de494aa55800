/**
 * The MQTT part of a probe: send CONNECT (directly, or inside a WebSocket after the HTTP upgrade) and read
 * the CONNACK, within the probe's deadline.
 */
import type { Duplex } from 'node:stream';
import {
  DISCONNECT,
  connackCode,
  connackMeaning,
  decodeConnack,
  encodeConnect,
  type Connack,
  type ConnectFields,
} from './mqtt-packets.js';
import { StreamReader, type ReadOutcome } from './stream-reader.js';
import { MAX_REPLY_BYTES, formatBytes } from './peer-limits.js';
import { binaryFrame, parseUpgradeResponse, readFrame, upgradeRequest } from './websocket-framing.js';

export type MqttExchange =
  | { kind: 'connack'; connack: Connack }
  | { kind: 'closed'; waitingFor: string; bytes: Buffer }
  | { kind: 'timeout'; waitingFor: string }
  | { kind: 'error'; waitingFor: string; error: NodeJS.ErrnoException }
  | { kind: 'not-mqtt'; waitingFor: string; bytes: Buffer; reason: string }
  | { kind: 'upgrade-refused'; statusLine: string }
  /** The server announced or sent more than the inspector holds (a hostile or broken peer). */
  | { kind: 'misbehaving'; waitingFor: string; reason: string };

export interface ExchangeEvent {
  at: number;
  from: 'client' | 'server';
  event: string;
  detail: string;
}

export interface WebSocketEndpoint {
  host: string;
  port: number;
  path: string;
}

function failed(outcome: Exclude<ReadOutcome<unknown>, { kind: 'reply' }>, waitingFor: string): MqttExchange {
  switch (outcome.kind) {
    case 'closed':
      return { kind: 'closed', waitingFor, bytes: outcome.bytes };
    case 'timeout':
      return { kind: 'timeout', waitingFor };
    case 'error':
      return { kind: 'error', waitingFor, error: outcome.error };
    case 'invalid':
      return { kind: 'not-mqtt', waitingFor, bytes: outcome.bytes, reason: outcome.reason };
    case 'misbehaving':
      return { kind: 'misbehaving', waitingFor, reason: outcome.reason };
  }
}

export async function mqttConnect(
  stream: Duplex,
  fields: ConnectFields,
  deadline: number,
  clock: () => number,
  events: ExchangeEvent[],
  websocket?: WebSocketEndpoint,
): Promise<MqttExchange> {
  const reader = new StreamReader(stream);
  const connect = encodeConnect(fields);
  if (websocket) {
    const { request, key } = upgradeRequest(websocket.host, websocket.port, websocket.path);
    events.push({
      at: clock(),
      from: 'client',
      event: 'HTTP upgrade',
      detail: `GET ${websocket.path} (Sec-WebSocket-Protocol: mqtt)`,
    });
    stream.write(request);
    const upgrade = await reader.read((bytes) => parseUpgradeResponse(bytes, key), deadline);
    if (upgrade.kind !== 'reply') return failed(upgrade, 'the WebSocket upgrade');
    events.push({ at: clock(), from: 'server', event: 'HTTP response', detail: upgrade.value.statusLine });
    if (!upgrade.value.accepted) return { kind: 'upgrade-refused', statusLine: upgrade.value.statusLine };
    stream.write(binaryFrame(connect));
  } else {
    stream.write(connect);
  }
  events.push({
    at: clock(),
    from: 'client',
    event: 'CONNECT',
    detail: `${fields.protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1'}, client id "${fields.clientId}"${fields.username !== undefined ? `, username "${fields.username}"` : ''}${fields.password !== undefined ? ', password' : ''}`,
  });
  const parseConnack = (bytes: Buffer): { value: Connack; consumed: number } | null => {
    const connack = decodeConnack(bytes, fields.protocolVersion ?? 4);
    if (connack === 'incomplete') return null;
    if (connack === 'not-connack') throw new Error('the reply is not an MQTT CONNACK');
    return { value: connack, consumed: connack.length ?? 4 };
  };
  let outcome: ReadOutcome<Connack>;
  if (websocket) {
    let payload = Buffer.alloc(0);
    for (;;) {
      const frame = await reader.read(readFrame, deadline);
      if (frame.kind !== 'reply') return failed(frame, 'the CONNACK');
      if (frame.value.opcode === 0x8) return { kind: 'closed', waitingFor: 'the CONNACK', bytes: payload };
      if (frame.value.opcode !== 0x2 && frame.value.opcode !== 0x0) continue;
      payload = Buffer.concat([payload, frame.value.payload]);
      if (payload.length > MAX_REPLY_BYTES) {
        stream.destroy();
        return {
          kind: 'misbehaving',
          waitingFor: 'the CONNACK',
          reason: `the server sent more than ${formatBytes(MAX_REPLY_BYTES)} of WebSocket frames without a CONNACK`,
        };
      }
      let parsed;
      try {
        parsed = parseConnack(payload);
      } catch (error) {
        return {
          kind: 'not-mqtt',
          waitingFor: 'the CONNACK',
          bytes: payload,
          reason: (error as Error).message,
        };
      }
      if (parsed) {
        outcome = { kind: 'reply', value: parsed.value };
        break;
      }
    }
  } else {
    outcome = await reader.read(parseConnack, deadline);
  }
  if (outcome.kind !== 'reply') return failed(outcome, 'the CONNACK');
  events.push({
    at: clock(),
    from: 'server',
    event: 'CONNACK',
    detail:
      fields.protocolVersion === 5
        ? `reason code ${connackCode(outcome.value.returnCode, 5).slice('CONNACK '.length)} (${connackMeaning(outcome.value.returnCode, 5)})${outcome.value.reasonString !== undefined ? `, reason string "${outcome.value.reasonString}"` : ''}`
        : `return code ${outcome.value.returnCode}`,
  });
  if (outcome.value.returnCode === 0 && !stream.destroyed) {
    // MQTT 5's DISCONNECT may be just these two bytes too (reason code 0 and no properties left out)
    stream.write(websocket ? binaryFrame(DISCONNECT) : DISCONNECT);
  }
  return { kind: 'connack', connack: outcome.value };
}
