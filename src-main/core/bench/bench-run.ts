import { performance } from 'node:perf_hooks';
import type { IClientOptions, MqttClient } from 'mqtt';
import { mqttLibrary } from '../client/commonjs-libraries.js';
import { explainConnack, explainReason } from '../client/reason-codes.js';
import { guardPacketSizes } from '../client/peer-limits.js';
import type { BenchIdentity } from './fleet-identities.js';
import { LatencyHistogram } from './latency-histogram.js';

/** Bounds of every dimension: a bench never runs away with the machine or the broker. */
export const BENCH_LIMITS = {
  clients: 20_000,
  connectRate: 5_000,
  publishRate: 100_000,
  duration: 3_600,
  payloadBytes: 65_536,
} as const;

/**
 * Largest MQTT packet a bench client accepts: it receives only its own messages (payload ≤ 64 KiB), so
 * a broker announcing more is misbehaving — the connection closes on the packet's header.
 */
/** Handshakes (TCP + TLS + CONNECT + SUBSCRIBE) under way at once, at most. */
export const MAX_PENDING_CONNECTS = 200;

export const BENCH_MAX_PACKET_BYTES = BENCH_LIMITS.payloadBytes + 64 * 1024;

export interface BenchOptions {
  /** mqtt://, mqtts://, ws:// or wss:// with host and port. */
  url: string;
  protocol: 4 | 5;
  clients: number;
  /** New connections per second. */
  connectRate: number;
  /** Messages per second, all clients together (0: connect only). */
  publishRate: number;
  qos: 0 | 1 | 2;
  /** Seconds of publishing once the fleet is connected. */
  duration: number;
  /** Payload size in bytes (at least 16: the timestamp header). */
  payloadBytes: number;
  /** Each client publishes to and subscribes to this topic; `{cn}` and `{i}` are filled in. */
  topic: string;
  /** Client certificates, cycled over the fleet (none: no client certificate). */
  identities: BenchIdentity[];
  /** PEM trust anchors (undefined: Node's roots). */
  trust?: string[];
  servername?: string;
  insecure?: boolean;
  username?: string;
  password?: string;
  clientIdPrefix: string;
  connectTimeoutMs: number;
  onProgress?: (progress: BenchProgress) => void;
  /** Stops the run early (the report covers what happened). */
  signal?: AbortSignal;
}

export interface BenchProgress {
  phase: 'connecting' | 'publishing' | 'draining' | 'closing';
  elapsedSeconds: number;
  connected: number;
  failed: number;
  sent: number;
  received: number;
}

export interface CountedReason {
  reason: string;
  count: number;
}

export interface BenchReport {
  url: string;
  protocol: '3.1.1' | '5';
  qos: 0 | 1 | 2;
  clients: number;
  connected: number;
  failed: number;
  /** Why connections failed, most frequent first. */
  failures: CountedReason[];
  /** From the first connect to the last handshake's end. */
  connectSeconds: number;
  handshakesPerSecond: number;
  publishSeconds: number;
  sent: number;
  /** QoS 1/2 messages the broker acknowledged. */
  acknowledged: number;
  received: number;
  /** Sent but never received by the subscriber (after a drain of up to 5 s). */
  lost: number;
  sentPerSecond: number;
  receivedPerSecond: number;
  /** Publish → delivery back to the same client through the broker, in ms. */
  latencyMs: { p50?: number; p95?: number; p99?: number; max?: number };
  /** Refusals the broker answered: SUBACK failures and MQTT 5 PUBACK/PUBREC reason codes ≥ 0x80. */
  refusals: CountedReason[];
  /** Connections the broker closed while the bench ran. */
  dropped: number;
  stoppedEarly: boolean;
}

const MAGIC = 0x4d545342; // "MTSB": our timestamped payload
const HEADER = 16;

class Counter {
  private readonly map = new Map<string, number>();
  add(reason: string): void {
    this.map.set(reason, (this.map.get(reason) ?? 0) + 1);
  }
  list(): CountedReason[] {
    return [...this.map.entries()]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count);
  }
}

/** A failure in words short enough to group: CONNACK codes by name, TLS and socket errors by code. */
function reasonOf(error: unknown, protocol: 4 | 5): string {
  const e = error as { code?: unknown; message?: string } | undefined;
  if (typeof e?.code === 'number') return `CONNACK ${e.code} (${explainConnack(e.code, protocol).name})`;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = (e?.message ?? String(error)).split('\n')[0]!.slice(0, 120);
  if (/alert certificate required|ALERT_CERTIFICATE_REQUIRED/i.test(message + code))
    return 'TLS: the broker requires a client certificate';
  if (/unknown ca|ALERT_UNKNOWN_CA/i.test(message + code))
    return "TLS: the broker does not know our client certificate's CA";
  if (/certificate revoked/i.test(message)) return 'TLS: our client certificate is revoked';
  if (code === 'ECONNREFUSED') return 'connection refused: nothing listens there';
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return 'the broker closed the connection during the handshake';
  if (
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  )
    return `TLS: the broker's certificate is not trusted (${code})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return "TLS: the broker's certificate does not name this host";
  return code ? `${code}: ${message}` : message;
}

function payload(size: number, seq: number): Buffer {
  const bytes = Buffer.alloc(Math.max(HEADER, size), 0x2e);
  bytes.writeUInt32BE(MAGIC, 0);
  bytes.writeUInt32BE(seq >>> 0, 4);
  bytes.writeDoubleBE(performance.timeOrigin + performance.now(), 8);
  return bytes;
}

interface FleetClient {
  index: number;
  topic: string;
  client?: MqttClient;
  ready: boolean;
  done: boolean;
}

/** Connect a fleet at a rate, then publish and receive at a rate for a while; measure everything. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const failures = new Counter();
  const refusals = new Counter();
  const latency = new LatencyHistogram();
  const fleet: FleetClient[] = [];
  let connected = 0;
  let failed = 0;
  let dropped = 0;
  let sent = 0;
  let acknowledged = 0;
  let received = 0;
  let phase: BenchProgress['phase'] = 'connecting';
  let stopped = false;
  const onAbort = () => (stopped = true);
  options.signal?.addEventListener('abort', onAbort);
  const progress = () =>
    options.onProgress?.({ phase, elapsedSeconds: elapsed(), connected, failed, sent, received });
  const progressTimer = setInterval(progress, 500);

  // 1. connect at the rate, each client subscribing to its own topic
  let lastHandshakeEnd = started;
  await new Promise<void>((resolveAll) => {
    let launched = 0;
    let settled = 0;
    const settle = (entry: FleetClient, ok: boolean, reason?: string) => {
      if (entry.done) return;
      entry.done = true;
      settled += 1;
      lastHandshakeEnd = performance.now();
      if (ok) connected += 1;
      else {
        failed += 1;
        failures.add(reason ?? 'failed');
        entry.client?.end(true);
      }
      if (settled === options.clients || (stopped && settled === launched)) resolveAll();
    };
    const launch = (index: number) => {
      const identity =
        options.identities.length > 0 ? options.identities[index % options.identities.length] : undefined;
      const cn = identity?.cn ?? `${options.clientIdPrefix}-${index + 1}`;
      const entry: FleetClient = {
        index,
        topic: options.topic.replaceAll('{cn}', cn).replaceAll('{i}', String(index + 1)),
        ready: false,
        done: false,
      };
      fleet.push(entry);
      const clientOptions: IClientOptions = {
        protocolVersion: options.protocol,
        clientId: `${options.clientIdPrefix}-${index + 1}`,
        clean: true,
        keepalive: 60,
        reconnectPeriod: 0,
        connectTimeout: options.connectTimeoutMs,
        rejectUnauthorized: !options.insecure,
        ...(options.trust ? { ca: options.trust } : {}),
        ...(identity ? { cert: identity.cert, key: identity.key } : {}),
        ...(options.servername ? { servername: options.servername } : {}),
        ...(options.username !== undefined ? { username: options.username } : {}),
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(options.protocol === 5 ? { properties: { maximumPacketSize: BENCH_MAX_PACKET_BYTES } } : {}),
      };
      const client = mqttLibrary().connect(options.url, clientOptions);
      entry.client = client;
      // mqtt.js builds its stream inside connect(): watch it before the first byte arrives
      if (client.stream) {
        guardPacketSizes(client.stream, BENCH_MAX_PACKET_BYTES, (error) => {
          const reason = `PEER_MISBEHAVING: ${error.message}`;
          if (!entry.done) settle(entry, false, reason);
          else refusals.add(reason);
        });
      }
      const deadline = setTimeout(
        () => settle(entry, false, `no CONNACK within ${options.connectTimeoutMs / 1000} s`),
        options.connectTimeoutMs + 1000,
      );
      client.on('error', (error) => {
        clearTimeout(deadline);
        settle(entry, false, reasonOf(error, options.protocol));
      });
      client.on('close', () => {
        clearTimeout(deadline);
        if (!entry.done) settle(entry, false, 'the broker closed the connection before CONNACK');
        else if (entry.ready && phase !== 'closing') dropped += 1;
        entry.ready = false;
      });
      client.on('connect', () => {
        client.subscribe(entry.topic, { qos: options.qos }, (error, granted) => {
          clearTimeout(deadline);
          const code = granted?.[0]?.qos;
          if (error) {
            // not a refusal: the connection ended before the SUBACK (closed, timed out)
            settle(entry, false, `no SUBACK: ${reasonOf(error, options.protocol)}`);
            return;
          }
          if (code === undefined || code >= 0x80) {
            const refusal = `SUBACK ${code ?? '?'} for ${options.topic}${code !== undefined && code >= 0x80 ? ` (${explainReason(code).name})` : ''}`;
            refusals.add(refusal);
            settle(entry, false, refusal);
            return;
          }
          entry.ready = true;
          settle(entry, true);
        });
      });
      client.on('message', (_topic, bytes) => {
        if (bytes.length < HEADER || bytes.readUInt32BE(0) !== MAGIC) return;
        received += 1;
        latency.record(performance.timeOrigin + performance.now() - bytes.readDoubleBE(8));
      });
    };
    const tick = setInterval(() => {
      const due = stopped
        ? launched
        : Math.min(options.clients, Math.floor(elapsed() * options.connectRate) + 1);
      // Never more handshakes under way than MAX_PENDING_CONNECTS: past what this process (or the broker)
      // can complete, launching more only makes each wait until its connect timeout — failures of the
      // bench, not of the broker. The fleet then connects at the rate it can, which the report gives.
      while (launched < due && launched - settled < MAX_PENDING_CONNECTS) launch(launched++);
      if (launched >= options.clients || stopped) clearInterval(tick);
      if (stopped && settled === launched) resolveAll();
    }, 5);
  });
  const connectSeconds = (lastHandshakeEnd - started) / 1000;

  // 2. publish at the rate, round-robin over the ready clients
  phase = 'publishing';
  const ready = fleet.filter((f) => f.ready);
  const publishStart = performance.now();
  if (options.publishRate > 0 && ready.length > 0 && !stopped) {
    await new Promise<void>((resolve) => {
      let next = 0;
      const tick = setInterval(() => {
        const t = (performance.now() - publishStart) / 1000;
        if (t >= options.duration || stopped) {
          clearInterval(tick);
          resolve();
          return;
        }
        const due = Math.floor(t * options.publishRate);
        let guard = ready.length;
        while (sent < due && guard > 0) {
          const entry = ready[next++ % ready.length]!;
          if (!entry.ready || !entry.client) {
            guard -= 1;
            continue;
          }
          guard = ready.length;
          sent += 1;
          entry.client.publish(
            entry.topic,
            payload(options.payloadBytes, sent),
            { qos: options.qos },
            (error, packet) => {
              const code =
                (error as { code?: unknown } | undefined)?.code ??
                (packet as { reasonCode?: number } | undefined)?.reasonCode;
              if (typeof code === 'number' && code >= 0x80)
                refusals.add(`PUBACK ${code} (${explainReason(code).name})`);
              else if (!error && options.qos > 0) acknowledged += 1;
            },
          );
        }
      }, 5);
    });
  }
  const publishSeconds = (performance.now() - publishStart) / 1000;

  // 3. let the last messages arrive (up to 5 s), then close
  phase = 'draining';
  const drainUntil = performance.now() + 5000;
  while (received < sent && performance.now() < drainUntil && !stopped)
    await new Promise((r) => setTimeout(r, 50));
  phase = 'closing';
  await Promise.all(
    fleet.map(
      (f) =>
        new Promise<void>((resolve) => {
          if (!f.client) return resolve();
          const timer = setTimeout(resolve, 3000);
          f.client.end(false, () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
  clearInterval(progressTimer);
  options.signal?.removeEventListener('abort', onAbort);
  progress();

  return {
    url: options.url,
    protocol: options.protocol === 5 ? '5' : '3.1.1',
    qos: options.qos,
    clients: options.clients,
    connected,
    failed,
    failures: failures.list(),
    connectSeconds,
    handshakesPerSecond: connectSeconds > 0 ? connected / connectSeconds : 0,
    publishSeconds,
    sent,
    acknowledged,
    received,
    lost: Math.max(0, sent - received),
    sentPerSecond: publishSeconds > 0 ? sent / publishSeconds : 0,
    receivedPerSecond: publishSeconds > 0 ? received / publishSeconds : 0,
    latencyMs: {
      p50: latency.percentile(50),
      p95: latency.percentile(95),
      p99: latency.percentile(99),
      ...(latency.count > 0 ? { max: latency.max } : {}),
    },
    refusals: refusals.list(),
    dropped,
    stoppedEarly: stopped,
  };
}
