import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parseMosquittoConf } from '../../src-main/core/conf/index.js';
import {
  startBroker,
  type BrokerEvent,
  type RunningBroker,
  type StartBrokerOptions,
} from '../../src-main/core/broker/index.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';

/**
 * The same mosquitto.conf (only the ports differ) run on Debian's Mosquitto and on our broker, so a test
 * can drive both with the same clients and compare what happens.
 */
export interface BrokerPair {
  mosquitto: { ports: number[]; process: RunningMosquitto };
  ours: { ports: number[]; broker: RunningBroker; events: BrokerEvent[] };
  stop(): Promise<void>;
}

let pairCount = 0;

export async function startPair(
  dir: string,
  confFor: (ports: number[]) => string,
  listeners = 1,
  ourOptions: Partial<StartBrokerOptions> = {},
): Promise<BrokerPair> {
  const sub = join(dir, `pair-${++pairCount}`);
  mkdirSync(sub, { recursive: true });
  const ports = await distinctPorts(listeners * 2);
  const mosquittoPorts = ports.slice(0, listeners);
  const ourPorts = ports.slice(listeners);
  const process = await startMosquitto(sub, confFor(mosquittoPorts), mosquittoPorts[0]);
  const events: BrokerEvent[] = [];
  try {
    const broker = await startBroker(parseMosquittoConf(confFor(ourPorts), join(sub, 'ours.conf')), {
      baseDir: sub,
      onEvent: (e) => events.push(e),
      ...ourOptions,
    });
    return {
      mosquitto: { ports: mosquittoPorts, process },
      ours: { ports: ourPorts, broker, events },
      async stop() {
        await Promise.all([process.stop(), broker.stop()]);
      },
    };
  } catch (error) {
    await process.stop();
    throw error;
  }
}

/** Free ports, all different (freePort may hand out the same port twice in a row). */
export async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** What happened to a connection attempt, in terms both brokers can be compared on. */
export type Outcome =
  'accepted' | `connack ${number}` | 'refused in TLS' | 'unreachable' | `other: ${string}`;

const CONNACK_TEXT: Record<string, number> = {
  'unacceptable protocol version': 1,
  'identifier rejected': 2,
  'broker unavailable': 3,
  'bad user name or password': 4,
  'not authorised': 5,
};

/** Publish one QoS 1 message with mosquitto_pub and classify the result. */
export async function pubOutcome(port: number, args: string[], topic = 'probe/outcome'): Promise<Outcome> {
  const result = await run(
    'mosquitto_pub',
    ['-h', 'localhost', '-p', String(port), '-q', '1', '-t', topic, '-m', 'x', ...args],
    { timeoutMs: 10_000 },
  );
  if (result.code === 0) return 'accepted';
  const text = `${result.stdout}\n${result.stderr}`;
  const refused = /Connection Refused: ([a-z ]+)/i.exec(text);
  if (refused) return `connack ${CONNACK_TEXT[refused[1].trim().toLowerCase()] ?? -1}`;
  if (/TLS error|connection was lost|Protocol error/i.test(text)) return 'refused in TLS';
  if (/Connection refused/i.test(text)) return 'unreachable';
  return `other: ${text.trim()}`;
}

/** Connect with mqtt.js (MQTT 3.1.1, no reconnect) and classify the result. */
export function mqttjsOutcome(url: string, options: IClientOptions = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    const done = (outcome: Outcome) => {
      client.end(true);
      resolve(outcome);
    };
    client.on('connect', () => done('accepted'));
    client.on('error', (error: Error & { code?: number | string }) => {
      if (typeof error.code === 'number') done(`connack ${error.code}`);
      else done('refused in TLS');
    });
    client.on('close', () => done('refused in TLS'));
  });
}

/** Connect an mqtt.js client and wait for CONNACK (rejects on refusal). */
export function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

/** Messages a client receives, by topic and payload. */
export function collect(client: MqttClient): Array<{ topic: string; payload: string; retain: boolean }> {
  const received: Array<{ topic: string; payload: string; retain: boolean }> = [];
  client.on('message', (topic, payload, packet) =>
    received.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  return received;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The subject as OpenSSL prints it for use_subject_as_username (the judge, not our code). */
export function opensslSubject(certFile: string): string {
  return execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-subject', '-nameopt', 'RFC2253'], {
    encoding: 'utf8',
  })
    .replace(/^subject=/, '')
    .trim();
}

/**
 * Send one hand-made CONNECT (for what mqtt.js will not send: an empty client id without clean session,
 * MQTT 3.1) and classify the answer.
 */
export function rawConnect(
  port: number,
  options: { tls?: ConnectionOptions; clientId: string; clean: boolean; level?: 3 | 4 | 5 },
): Promise<Outcome> {
  const level = options.level ?? 4;
  const name = level === 3 ? 'MQIsdp' : 'MQTT';
  const id = Buffer.from(options.clientId, 'utf8');
  const body = Buffer.concat([
    Buffer.from([0, name.length]),
    Buffer.from(name, 'ascii'),
    Buffer.from([level, options.clean ? 0x02 : 0x00, 0, 60]),
    level === 5 ? Buffer.from([0]) : Buffer.alloc(0),
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
  ]);
  const packet = Buffer.concat([Buffer.from([0x10, body.length]), body]);
  return new Promise((resolve) => {
    const socket = options.tls
      ? tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ...options.tls })
      : netConnect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => finish('other: no answer in 5 s'), 5000);
    let data = Buffer.alloc(0);
    function finish(outcome: Outcome) {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    }
    socket.once(options.tls ? 'secureConnect' : 'connect', () => socket.write(packet));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 4 && data[0] === 0x20) {
        const rc = level === 5 ? data[3] : data[3];
        finish(rc === 0 ? 'accepted' : `connack ${rc}`);
      }
    });
    socket.on('error', () => finish('refused in TLS'));
    socket.on('close', () => finish('refused in TLS'));
  });
}

/** What an MQTT 5 connection attempt got: a CONNACK reason code other than success is `reason 0xNN`. */
export type OutcomeV5 =
  'accepted' | `reason 0x${string}` | 'refused in TLS' | 'unreachable' | `other: ${string}`;

const hex = (code: number) => `0x${code.toString(16).padStart(2, '0')}` as const;

/**
 * Publish one QoS 1 message with `mosquitto_pub -V mqttv5` and classify the result: mosquitto_pub exits with
 * the CONNACK reason code of a refused MQTT 5 connection ("Connection error: Not authorized", exit 135).
 */
export async function pubOutcomeV5(
  port: number,
  args: string[],
  topic = 'probe/outcome',
): Promise<OutcomeV5> {
  const result = await run(
    'mosquitto_pub',
    ['-V', 'mqttv5', '-h', 'localhost', '-p', String(port), '-q', '1', '-t', topic, '-m', 'x', ...args],
    { timeoutMs: 10_000 },
  );
  if (result.code === 0) return 'accepted';
  const text = `${result.stdout}\n${result.stderr}`;
  if (/Connection error: /.test(text) && result.code !== null && result.code >= 0x80)
    return `reason ${hex(result.code)}`;
  if (/TLS error|connection was lost|Protocol error|network protocol error/i.test(text))
    return 'refused in TLS';
  if (/Connection refused/i.test(text)) return 'unreachable';
  return `other: exit ${result.code}: ${text.trim()}`;
}

/** Connect with mqtt.js over MQTT 5 (no reconnect); the CONNACK's Reason String comes back with a refusal. */
export function mqttjsOutcomeV5(
  url: string,
  options: IClientOptions = {},
): Promise<{ outcome: OutcomeV5; reasonString?: string }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, {
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
      protocolVersion: 5,
    });
    let reasonString: string | undefined;
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'connack') reasonString = packet.properties?.reasonString;
    });
    const done = (outcome: OutcomeV5) => {
      client.end(true);
      resolve(reasonString === undefined ? { outcome } : { outcome, reasonString });
    };
    client.on('connect', () => done('accepted'));
    client.on('error', (error: Error & { code?: number | string }) => {
      if (typeof error.code === 'number') done(`reason ${hex(error.code)}`);
      else done('refused in TLS');
    });
    client.on('close', () => done('refused in TLS'));
  });
}
