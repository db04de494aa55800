import { connect as netConnect } from 'node:net';
import type { ClientProblem } from '../../client/connection-problem.js';
import { Backoff } from './backoff.js';
import { MAX_QUEUED_MESSAGES, type ResolvedBridge } from './bridge-settings.js';
import type { BridgeProblem, BridgeState, BridgeStatus } from './bridge-status.js';
import type { BridgeTls } from './bridge-tls.js';
import type { LocalMessage, LocalSide } from './local-side.js';
import { localSubscriptions, remapIn, remapOut, remoteSubscriptions, type BridgeTopic } from './topic-map.js';
import { LinkFailure, openLink, type RemoteLink, type RemoteMessage } from './remote-link.js';
import { addressText, inspectTarget } from './inspect-target.js';

/** Messages in flight to the remote at once (Mosquitto's max_inflight_messages default). */
const MAX_INFLIGHT = 20;
/** Bytes the socket may hold unsent before QoS 0 messages are dropped instead of buffered. */
const MAX_UNSENT_BYTES = 1 << 20;
/**
 * Remote messages being published into the local broker at once, and their bytes: beyond either, the
 * bridge stops reading from the remote until the local broker caught up (a flooding remote is slowed
 * down by TCP, not buffered).
 */
const MAX_INBOUND_MESSAGES = 1000;
const MAX_INBOUND_BYTES = 16 << 20;
/** Mosquitto retries the first address every 5 s when connected to another one (round_robin false). */
const PRIMARY_RETRY_MS = 5000;

export interface BridgeLog {
  (level: 'info' | 'warning' | 'error', message: string, problem?: BridgeProblem): void;
}

export interface RunnerTiming {
  /** Deadline of one attempt: TCP, TLS and CONNACK (default 10 s). */
  connectTimeoutMs?: number;
}

interface Pending {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

const now = () => new Date().toISOString();

/**
 * One bridge of the local broker, run as Mosquitto 2.0.11 runs a `connection` section: local
 * subscriptions for `out` lines, a remote connection (mqtt.js) with `in` subscriptions, topic
 * remapping, notifications with a will, start types, restart backoff across the addresses, and a
 * bounded queue for QoS 1/2 messages while the remote is away. It never throws into the broker:
 * every failure becomes a state, a log line and `lastError`.
 */
export class BridgeRunner {
  private stateValue: BridgeState = 'stopped';
  private sinceValue = now();
  private link: RemoteLink | undefined;
  private queue: Pending[] = [];
  private inflight = 0;
  private localUnsubscribes: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private primaryTimer: NodeJS.Timeout | undefined;
  private addressIndex = 0;
  private tryPrivate: boolean;
  private readonly backoff: Backoff;
  private initialNotificationDone = false;
  private lastActivity = Date.now();
  private run = 0;
  private counters = { messagesIn: 0, messagesOut: 0, dropped: 0, attempts: 0 };
  private nextAttemptAt: string | undefined;
  private lastError: BridgeProblem | undefined;
  private droppedLogged = false;
  private readonly outTopics: BridgeTopic[];
  private inbound = { messages: 0, bytes: 0 };

  constructor(
    readonly bridge: ResolvedBridge,
    private readonly tls: BridgeTls | undefined,
    private readonly local: LocalSide,
    private readonly log: BridgeLog,
    private readonly changed: () => void,
    private readonly timing: RunnerTiming = {},
  ) {
    this.tryPrivate = bridge.tryPrivate;
    this.backoff = new Backoff(bridge.restart);
    this.outTopics = localSubscriptions(bridge.topics);
  }

  get state(): BridgeState {
    return this.stateValue;
  }

  status(): BridgeStatus {
    const b = this.bridge;
    const status: BridgeStatus = {
      name: b.name,
      addresses: b.addresses.map(addressText),
      remote: addressText(b.addresses[this.addressIndex]!),
      state: this.stateValue,
      since: this.sinceValue,
      startType: b.startType,
      ...this.counters,
      queued: this.queue.length,
      remoteClientId: b.remoteClientId,
      localClientId: b.localClientId,
      inspect: inspectTarget(b, b.addresses[this.addressIndex]!),
    };
    if (b.notifications) status.notificationTopic = b.notificationTopic;
    if (this.nextAttemptAt && this.stateValue === 'waiting') status.nextAttemptAt = this.nextAttemptAt;
    if (this.lastError) status.lastError = this.lastError;
    const tls = this.link?.tls;
    if (tls && this.stateValue === 'connected') status.tls = tls;
    if (b.where.file) status.file = b.where.file;
    if (b.where.line !== undefined) status.line = b.where.line;
    return status;
  }

  private setState(state: BridgeState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.sinceValue = now();
    this.changed();
  }

  /** Start: local subscriptions, the initial notification, and (unless lazy) the first attempt. */
  start(): void {
    if (this.stateValue !== 'stopped' && this.stateValue !== 'failed') return;
    const run = ++this.run;
    this.counters.attempts = 0;
    this.addressIndex = 0;
    this.backoff.reset();
    for (const topic of this.outTopics) {
      this.localUnsubscribes.push(this.local.subscribe(topic.localTopic, (m) => this.fromLocal(topic, m)));
    }
    if (this.bridge.notifications && !this.initialNotificationDone) {
      this.initialNotificationDone = true;
      this.notifyLocal('0');
    }
    if (this.bridge.startType === 'lazy') {
      this.setState('idle');
      this.log(
        'info',
        `bridge ${this.bridge.name} is lazy: it connects when ${this.bridge.threshold} messages wait`,
      );
      return;
    }
    if (run === this.run) void this.connect(run);
  }

  /** Stop on purpose: the remote sees '0' on the notification topic, then a clean DISCONNECT. */
  async stop(reason = 'stopped'): Promise<void> {
    const wasRunning = this.stateValue !== 'stopped';
    this.run++;
    this.clearTimers();
    for (const off of this.localUnsubscribes.splice(0)) off();
    const link = this.link;
    this.link = undefined;
    if (link) {
      if (this.bridge.notifications && !this.bridge.notificationsLocalOnly) {
        await new Promise<void>((done) => {
          const timer = setTimeout(done, 1000);
          link.publish(this.bridge.notificationTopic, Buffer.from('0'), 1, true, () => {
            clearTimeout(timer);
            done();
          });
        });
      }
      await link.close();
    }
    if (wasRunning && this.bridge.notifications) this.notifyLocal('0');
    this.inflight = 0;
    this.setState('stopped');
    if (wasRunning) this.log('info', `bridge ${this.bridge.name} ${reason}`);
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearInterval(this.idleTimer);
    clearInterval(this.primaryTimer);
    this.timer = this.idleTimer = this.primaryTimer = undefined;
    this.nextAttemptAt = undefined;
  }

  private notifyLocal(value: '0' | '1'): void {
    this.local
      .publish({
        topic: this.bridge.notificationTopic,
        payload: Buffer.from(value),
        qos: 1,
        retain: true,
        clientId: this.bridge.localClientId,
      })
      .catch(() => undefined);
  }

  private async connect(run: number): Promise<void> {
    if (run !== this.run) return;
    const b = this.bridge;
    const address = b.addresses[this.addressIndex]!;
    this.counters.attempts++;
    this.nextAttemptAt = undefined;
    this.setState('connecting');
    // Mosquitto deletes what waited for a clean-session bridge when it connects again.
    if (b.cleanSession && this.queue.length > 0) this.queue = [];
    // Mosquitto queues the retained messages of the `out` lines at every attempt (bridge__connect) and
    // again once connected (bridge__on_connect): after a reconnection the remote gets them twice.
    await this.queueRetained(run);
    if (run !== this.run) return;
    let link: RemoteLink;
    try {
      link = await openLink({
        bridge: b,
        address,
        ...(this.tls ? { tls: this.tls } : {}),
        tryPrivate: this.tryPrivate,
        connectTimeoutMs: this.timing.connectTimeoutMs ?? 10_000,
        events: {
          message: (m) => this.fromRemote(m),
          closed: (problem) => this.onLost(run, link, problem),
        },
      });
    } catch (error) {
      if (run !== this.run) return;
      if (error instanceof LinkFailure) {
        if (error.refusedVersion && this.tryPrivate) {
          // Mosquitto: the remote refused the bridge bit, so try again without it.
          this.tryPrivate = false;
          this.log(
            'warning',
            `bridge ${b.name}: ${addressText(address)} refused the bridge protocol bit (try_private); trying again without it`,
          );
          void this.connect(run);
          return;
        }
        this.failed(run, error.problem, `cannot connect to ${addressText(address)}`);
      } else {
        this.failed(run, localProblem(error, address), `cannot connect to ${addressText(address)}`);
      }
      return;
    }
    if (run !== this.run) {
      void link.close(true);
      return;
    }
    this.link = link;
    this.backoff.reset();
    this.counters.attempts = 0;
    this.lastActivity = Date.now();
    const tls = link.tls;
    this.setState('connected');
    this.log(
      'info',
      `bridge ${b.name} connected to ${addressText(address)} as "${b.remoteClientId}"${tls?.protocol ? ` (${tls.protocol} ${tls.cipher ?? ''})`.replace(' )', ')') : ' (plain MQTT)'}`,
    );
    this.onConnected(link);
  }

  private async queueRetained(run: number): Promise<void> {
    for (const t of this.outTopics) {
      let messages: LocalMessage[];
      try {
        messages = await this.local.retained(t.localTopic);
      } catch {
        continue;
      }
      if (run !== this.run) return;
      for (const m of messages) if (m.clientId !== this.bridge.localClientId) this.fromLocal(t, m, true);
    }
  }

  private onConnected(link: RemoteLink): void {
    const b = this.bridge;
    if (b.notifications) {
      if (!b.notificationsLocalOnly)
        link.publish(b.notificationTopic, Buffer.from('1'), 1, b.outgoingRetain, () => undefined);
      this.notifyLocal('1');
    }
    const { subscribe, unsubscribe } = remoteSubscriptions(b.topics);
    for (const t of subscribe) {
      link.subscribe(t.remoteTopic, t.qos, (error) => {
        if (error)
          this.log(
            'warning',
            `bridge ${b.name}: the remote refused the subscription to ${t.remoteTopic}: ${error.message}`,
          );
      });
    }
    if (b.attemptUnsubscribe) for (const t of unsubscribe) link.unsubscribe(t.remoteTopic, () => undefined);
    // Retained local messages of the `out` lines go out on (re)connection, as Mosquitto queues them.
    for (const t of this.outTopics) {
      this.local.retained(t.localTopic).then(
        (messages) => {
          if (this.link !== link) return;
          for (const m of messages) if (m.clientId !== b.localClientId) this.fromLocal(t, m, true);
        },
        () => undefined,
      );
    }
    this.pump();
    if (b.startType === 'lazy') {
      this.idleTimer = setInterval(() => this.checkIdle(link), Math.min(1000, b.idleTimeout * 1000));
      this.idleTimer.unref();
    }
    if (!b.roundRobin && this.addressIndex !== 0) {
      this.primaryTimer = setInterval(() => this.tryPrimary(link), PRIMARY_RETRY_MS);
      this.primaryTimer.unref();
    }
  }

  private checkIdle(link: RemoteLink): void {
    if (this.link !== link || Date.now() - this.lastActivity < this.bridge.idleTimeout * 1000) return;
    this.log(
      'info',
      `bridge ${this.bridge.name} has exceeded its idle timeout (${this.bridge.idleTimeout} s): disconnecting until ${this.bridge.threshold} messages wait`,
    );
    this.dropLink();
    if (this.bridge.notifications) this.notifyLocal('0');
    this.setState('idle');
  }

  private dropLink(): void {
    const link = this.link;
    this.link = undefined;
    clearInterval(this.idleTimer);
    clearInterval(this.primaryTimer);
    this.idleTimer = this.primaryTimer = undefined;
    this.inflight = 0;
    if (link) void link.close();
  }

  /** Connected to a backup address: go back to the first one as soon as it accepts TCP again. */
  private tryPrimary(link: RemoteLink): void {
    if (this.link !== link) return;
    const primary = this.bridge.addresses[0]!;
    const socket = netConnect({ host: primary.host, port: primary.port });
    const timer = setTimeout(() => socket.destroy(), PRIMARY_RETRY_MS - 500);
    socket.once('error', () => clearTimeout(timer));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      if (this.link !== link) return;
      this.log(
        'info',
        `bridge ${this.bridge.name}: the first address ${addressText(primary)} is back; moving to it`,
      );
      this.dropLink();
      this.addressIndex = 0;
      void this.connect(this.run);
    });
  }

  private onLost(run: number, link: RemoteLink | undefined, problem: ClientProblem | undefined): void {
    if (run !== this.run || !link || this.link !== link) return;
    this.link = undefined;
    clearInterval(this.idleTimer);
    clearInterval(this.primaryTimer);
    this.idleTimer = this.primaryTimer = undefined;
    this.inflight = 0;
    if (this.bridge.notifications) this.notifyLocal('0');
    this.failed(
      run,
      problem,
      `lost the connection to ${addressText(this.bridge.addresses[this.addressIndex]!)}`,
    );
  }

  private failed(run: number, problem: ClientProblem | undefined, what: string): void {
    if (run !== this.run) return;
    const b = this.bridge;
    if (problem) {
      this.lastError = {
        code: problem.code,
        message: problem.message,
        fix: problem.fix,
        detail: problem.detail,
        at: now(),
      };
    }
    // Next time, the next address (Mosquitto moves on after every failure).
    this.addressIndex = (this.addressIndex + 1) % b.addresses.length;
    const why = problem ? `: ${problem.message} — ${problem.fix}` : '';
    if (b.startType === 'once') {
      this.log(
        'error',
        `bridge ${b.name} ${what}${why}; start_type once: it will not try again`,
        this.lastError,
      );
      this.setState('failed');
      return;
    }
    const wait = this.backoff.next();
    this.nextAttemptAt = new Date(Date.now() + wait * 1000).toISOString();
    this.log('error', `bridge ${b.name} ${what}${why}; next attempt in ${wait} s`, this.lastError);
    this.setState('waiting');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (b.startType === 'lazy' && this.queue.length < b.threshold) {
        this.setState('idle');
        return;
      }
      void this.connect(run);
    }, wait * 1000);
    this.timer.unref();
  }

  // --- messages --------------------------------------------------------------------------------

  /** A local message matched an `out`/`both` line. */
  private fromLocal(topic: BridgeTopic, message: LocalMessage, retainedOnConnect = false): void {
    const b = this.bridge;
    // No-local: what this bridge brought in does not go back out (Mosquitto's MQTT_SUB_OPT_NO_LOCAL).
    if (message.clientId === b.localClientId) return;
    const pending: Pending = {
      topic: remapOut(b.topics, message.topic),
      payload: message.payload,
      qos: Math.min(message.qos, topic.qos) as 0 | 1 | 2,
      // Retain as published (and bridge_outgoing_retain false clears it).
      retain: (message.retain || retainedOnConnect) && b.outgoingRetain,
    };
    if (b.maxPacketSize > 0 && publishSize(pending) > b.maxPacketSize) {
      this.drop(`a message on ${message.topic} is larger than bridge_max_packet_size ${b.maxPacketSize}`);
      return;
    }
    this.lastActivity = Date.now();
    if (
      this.link &&
      this.stateValue === 'connected' &&
      this.queue.length === 0 &&
      this.inflight < MAX_INFLIGHT
    ) {
      this.send(this.link, pending);
      return;
    }
    if (pending.qos === 0 && b.startType !== 'lazy' && !(this.link && this.stateValue === 'connected')) {
      // Mosquitto keeps no QoS 0 message for an absent client (queue_qos0_messages false).
      this.counters.dropped++;
      return;
    }
    if (this.queue.length >= MAX_QUEUED_MESSAGES) {
      this.drop(`the queue holds ${MAX_QUEUED_MESSAGES} messages (Mosquitto's max_queued_messages)`);
      return;
    }
    this.queue.push(pending);
    if (b.startType === 'lazy' && this.stateValue === 'idle' && this.queue.length >= b.threshold) {
      this.log(
        'info',
        `bridge ${b.name}: ${this.queue.length} messages wait (threshold ${b.threshold}): connecting`,
      );
      void this.connect(this.run);
    }
  }

  private drop(why: string): void {
    this.counters.dropped++;
    if (!this.droppedLogged) {
      this.droppedLogged = true;
      this.log(
        'warning',
        `bridge ${this.bridge.name} dropped a message: ${why} (further drops are only counted)`,
      );
    }
  }

  private send(link: RemoteLink, pending: Pending): void {
    if (pending.qos === 0) {
      if (link.writableLength() > MAX_UNSENT_BYTES) {
        this.drop(`the remote reads too slowly (${MAX_UNSENT_BYTES} bytes unsent)`);
        return;
      }
      link.publish(pending.topic, pending.payload, 0, pending.retain, () => undefined);
      this.counters.messagesOut++;
      this.changedSoon();
      return;
    }
    this.inflight++;
    link.publish(pending.topic, pending.payload, pending.qos, pending.retain, (error) => {
      if (this.link !== link) {
        // The connection went away before the acknowledgement: send it again on the next one.
        if (error && this.queue.length < MAX_QUEUED_MESSAGES) this.queue.unshift(pending);
        return;
      }
      this.inflight--;
      if (!error) {
        this.counters.messagesOut++;
        this.changedSoon();
      }
      this.pump();
    });
  }

  private pump(): void {
    const link = this.link;
    while (link && this.link === link && this.queue.length > 0 && this.inflight < MAX_INFLIGHT) {
      this.send(link, this.queue.shift()!);
    }
  }

  private fromRemote(message: RemoteMessage): Promise<void> | void {
    const b = this.bridge;
    this.lastActivity = Date.now();
    this.counters.messagesIn++;
    this.changedSoon();
    const size = message.payload.length;
    this.inbound.messages++;
    this.inbound.bytes += size;
    const published = this.local
      .publish({
        topic: remapIn(b.topics, message.topic),
        payload: message.payload,
        qos: message.qos,
        retain: message.retain,
        clientId: b.localClientId,
      })
      .catch((error: Error) =>
        this.log(
          'warning',
          `bridge ${b.name}: a message from the remote on ${message.topic} could not be published locally: ${error.message}`,
        ),
      )
      .finally(() => {
        this.inbound.messages--;
        this.inbound.bytes -= size;
      });
    // Over the bound: read nothing more from the remote until this (the newest) message is in.
    if (this.inbound.messages > MAX_INBOUND_MESSAGES || this.inbound.bytes > MAX_INBOUND_BYTES) {
      return published;
    }
  }

  /** Remote messages still being published locally (for tests and status). */
  get inboundBacklog(): { messages: number; bytes: number } {
    return { ...this.inbound };
  }

  private changeTimer: NodeJS.Timeout | undefined;
  /** Counters change often: tell the watchers at most every 250 ms. */
  private changedSoon(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.changed();
    }, 250);
    this.changeTimer.unref();
  }
}

/** Approximate size of a PUBLISH on the wire (fixed header, topic, packet id, payload). */
function publishSize(p: Pending): number {
  const body = 2 + Buffer.byteLength(p.topic) + (p.qos > 0 ? 2 : 0) + p.payload.length;
  return 1 + (body < 128 ? 1 : body < 16384 ? 2 : body < 2097152 ? 3 : 4) + body;
}

/** A failure on our side before any network exchange (e.g. a key that does not match its certificate). */
function localProblem(error: unknown, address: { host: string; port: number }): ClientProblem {
  const text = error instanceof Error ? error.message : String(error);
  return {
    code: 'HANDSHAKE_FAILED',
    message: `the bridge could not start a connection to ${address.host}:${address.port}: ${text}`,
    fix: 'check bridge_certfile and bridge_keyfile (the key must belong to the certificate)',
    detail: text,
  };
}
