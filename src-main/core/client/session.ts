import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IClientOptions, IClientPublishOptions, IPublishPacket, ISubscriptionMap } from 'mqtt';
import { mqttLibrary, type MqttClient } from './commonjs-libraries.js';
import { UserError } from '../user-error.js';
import {
  closedBeforeConnackProblem,
  connectionLostProblem,
  disconnectProblem,
  explainConnectError,
  ownBrokerStoppedProblem,
  SERVER_VERIFY_CODES,
  timeoutProblem,
  type ClientProblem,
  type FailureContext,
  type PeerCertificateSummary,
} from './connection-problem.js';
import { openKeyLog, type KeyLogWriter } from './key-log.js';
import { MessageLog, type LoggedMessage, type MessageProperties } from './message-log.js';
import { encodePayload, PAYLOAD_FORMATS } from './payload.js';
import {
  isSecure,
  parseBrokerUrl,
  qosAt,
  type ConnectionProfile,
  type ParsedUrl,
  type QoS,
} from './profile.js';
import { PublishHistory, type PublishProperties, type PublishRequest } from './publish-history.js';
import { explainReason } from './reason-codes.js';
import { checkTopicFilter, checkTopicName } from './topic.js';
import type { ResolvedTls } from './tls-options.js';
import { openStream, probePeerChain, type TransportFacts } from './transport.js';
import { MAX_INCOMING_PACKET_BYTES, MAX_LOG_BYTES } from './peer-limits.js';

export type SessionState =
  'connecting' | 'connected' | 'reconnecting' | 'disconnecting' | 'disconnected' | 'failed';

/** Problems of a reconnect attempt worth another try: nobody answers yet (the broker is down or restarting). */
const RETRYABLE_PROBLEMS = new Set(['CONNECTION_REFUSED', 'TIMEOUT']);
/** A broker's DISCONNECT reason codes that announce a going-away, not a refusal of this client. */
const RETRYABLE_DISCONNECTS = new Set([
  0x88 /* server unavailable */, 0x89 /* busy */, 0x8b /* shutting down */,
]);

/** Does this problem leave room for automatic reconnect (no refusal, no TLS failure)? */
export function worthRetrying(problem: ClientProblem): boolean {
  if (problem.reasonCode !== undefined) return RETRYABLE_DISCONNECTS.has(problem.reasonCode);
  return RETRYABLE_PROBLEMS.has(problem.code);
}

/** A failure with its explanation; its message is one line (what happened — what to do). */
export class ClientFailure extends UserError {
  readonly problem: ClientProblem;

  constructor(problem: ClientProblem) {
    super(`${problem.message} — ${problem.fix}`, problem.code);
    this.name = 'ClientFailure';
    this.problem = problem;
  }
}

export interface SubscriptionRequest {
  filter: string;
  qos: QoS;
  /** MQTT 5: no local, retain as published, retain handling (0, 1, 2). */
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: 0 | 1 | 2;
}

export interface SubscriptionResult extends SubscriptionRequest {
  /** True when the broker granted it. */
  granted: boolean;
  /** The QoS granted, or the failure code the broker answered. */
  code: number;
  /** The failure in words. */
  reason?: string;
}

export interface PublishResult {
  qos: QoS;
  /** QoS 1/2: the broker acknowledged it (PUBACK / PUBCOMP). */
  acknowledged: boolean;
  /** MQTT 5 reason code of the acknowledgement, when the broker sent one. */
  reasonCode?: number;
  /** A note for the user, e.g. 'No matching subscribers'. */
  note?: string;
  bytes: number;
}

export interface TlsFacts {
  protocol?: string;
  cipher?: string;
  alpn?: string;
  servername?: string;
  /** With "verify server" off: why the server certificate would have failed. */
  unverifiedBecause?: string;
  peerChain: PeerCertificateSummary[];
  clientCertificate?: { subject: string; issuer: string; fingerprint256: string; notAfter: string };
}

export interface SessionSnapshot {
  id: string;
  profile: string;
  url: string;
  protocol: '3.1.1' | '5.0';
  clientId: string;
  state: SessionState;
  /** The reason for the last failure or unexpected disconnect. */
  problem?: ClientProblem;
  tls?: TlsFacts;
  connectedAt?: number;
  sessionPresent?: boolean;
  /** MQTT 5 CONNACK properties (assigned client id, maximum QoS, retain available…). */
  serverProperties?: Record<string, unknown>;
  subscriptions: SubscriptionResult[];
  /** While state is 'reconnecting': attempts made so far in this series and the period between them. */
  reconnect?: { attempt: number; periodSeconds: number; nextAttemptAt?: number };
  log: { size: number; capacity: number; received: number; dropped: number; lastId: number };
  /** The TLS key log this connection appends to (secrets written so far), when the user asked for one. */
  keyLog?: { path: string; lines: number };
}

export interface SessionTimeouts {
  /** Subscribe, unsubscribe and publish acknowledgements. */
  operationMs: number;
  /** A clean DISCONNECT before the socket is cut. */
  disconnectMs: number;
}

export const DEFAULT_TIMEOUTS: SessionTimeouts = { operationMs: 10_000, disconnectMs: 3_000 };

export interface SessionOptions {
  id: string;
  profile: ConnectionProfile;
  tls?: ResolvedTls;
  password?: string;
  timeouts?: Partial<SessionTimeouts>;
  /** Append the TLS secrets to this file (checked already: see checkKeyLogPath). */
  keyLogFile?: string;
  /** The workspace folder, where a key log may never go. */
  workspaceDir?: string;
  /** Bounds on what the broker can make this connection hold (defaults: core/client/peer-limits.ts). */
  limits?: { maxPacketBytes?: number; logBytes?: number };
}

function toProperties(packet: IPublishPacket): MessageProperties | undefined {
  const p = packet.properties;
  if (!p) return undefined;
  const out: MessageProperties = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = Buffer.from(p.correlationData).toString('hex');
  if (p.userProperties !== undefined) out.userProperties = p.userProperties;
  if (p.subscriptionIdentifier !== undefined) out.subscriptionIdentifier = p.subscriptionIdentifier;
  if (p.topicAlias !== undefined) out.topicAlias = p.topicAlias;
  return Object.keys(out).length > 0 ? out : undefined;
}

function publishProperties(props: PublishProperties): IClientPublishOptions['properties'] {
  const out: NonNullable<IClientPublishOptions['properties']> = {};
  if (props.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = props.payloadFormatIndicator;
  if (props.messageExpiryInterval !== undefined) out.messageExpiryInterval = props.messageExpiryInterval;
  if (props.contentType !== undefined) out.contentType = props.contentType;
  if (props.responseTopic !== undefined) out.responseTopic = props.responseTopic;
  if (props.correlationData !== undefined) out.correlationData = Buffer.from(props.correlationData, 'hex');
  if (props.userProperties !== undefined) out.userProperties = props.userProperties;
  return out;
}

/** Check MQTT 5 publish properties from any JSON; UserError naming the field. */
export function checkPublishProperties(value: unknown, field = 'properties'): PublishProperties | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`${field}: must be an object`, 'BAD_PUBLISH', { field });
  }
  const input = value as Record<string, unknown>;
  const out: PublishProperties = {};
  const bad = (name: string, why: string): never => {
    throw new UserError(`${field}.${name}: ${why}`, 'BAD_PUBLISH', { field: `${field}.${name}` });
  };
  for (const key of Object.keys(input)) {
    const v = input[key];
    if (v === undefined || v === null || v === '') continue;
    switch (key) {
      case 'payloadFormatIndicator':
        if (typeof v !== 'boolean') bad(key, 'must be true or false');
        out.payloadFormatIndicator = v as boolean;
        break;
      case 'messageExpiryInterval':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
          bad(key, 'must be a whole number of seconds');
        }
        out.messageExpiryInterval = v as number;
        break;
      case 'contentType':
        if (typeof v !== 'string') bad(key, 'must be text');
        out.contentType = v as string;
        break;
      case 'responseTopic':
        if (typeof v !== 'string') bad(key, 'must be text');
        checkTopicName(v as string, `${field}.${key}`);
        out.responseTopic = v as string;
        break;
      case 'correlationData': {
        const hex = typeof v === 'string' ? v.replace(/\s/g, '') : '';
        if (!/^([0-9a-fA-F]{2})*$/.test(hex) || typeof v !== 'string')
          bad(key, 'must be hex bytes, e.g. "0a1b"');
        out.correlationData = hex.toLowerCase();
        break;
      }
      case 'userProperties': {
        if (typeof v !== 'object' || Array.isArray(v)) bad(key, 'must be an object of name → text');
        const entries = Object.entries(v as Record<string, unknown>);
        for (const [name, text] of entries)
          if (typeof text !== 'string') bad(`${key}.${name}`, 'must be text');
        if (entries.length > 0) out.userProperties = Object.fromEntries(entries) as Record<string, string>;
        break;
      }
      default:
        bad(key, 'is not a publish property this client sets');
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** One MQTT connection of a profile: state, subscriptions, message log, publish history. */
export class Session extends EventEmitter<{
  state: [SessionSnapshot];
  message: [LoggedMessage];
  problem: [ClientProblem];
}> {
  readonly id: string;
  readonly profile: ConnectionProfile;
  readonly log: MessageLog;
  readonly history = new PublishHistory();
  private readonly url: ParsedUrl;
  private readonly resolvedTls?: ResolvedTls;
  private readonly password?: string;
  private readonly timeouts: SessionTimeouts;
  private readonly protocol: 4 | 5;
  private clientId: string;
  private client?: MqttClient;
  private facts: TransportFacts = { secure: false, tlsEstablished: false };
  private stateValue: SessionState = 'disconnected';
  private problemValue?: ClientProblem;
  private connectedAt?: number;
  private sessionPresent?: boolean;
  private serverProperties?: Record<string, unknown>;
  private subscriptions = new Map<string, SubscriptionResult>();
  private closingOnPurpose = false;
  private cancelConnect?: () => void;
  private retryTimer?: NodeJS.Timeout;
  private nextAttemptAt?: number;
  private reconnectAttempt = 0;
  private readonly pendingOps = new Set<(error: Error) => void>();
  private readonly keyLogFile?: string;
  private readonly workspaceDir?: string;
  private keyLog?: KeyLogWriter;
  private keyLogLines = 0;
  /**
   * Asked when the connection is lost or refused by the network: when the target is the app's own
   * broker and it is stopped, its URL (the problem then says so), else null.
   */
  stoppedOwnBroker?: () => Promise<string | null>;

  private readonly limits: { maxPacketBytes: number; logBytes: number };

  constructor(options: SessionOptions) {
    super();
    this.id = options.id;
    this.profile = options.profile;
    this.url = parseBrokerUrl(options.profile.url);
    this.resolvedTls = options.tls;
    this.password = options.password ?? options.profile.password;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.protocol = options.profile.protocol === '5.0' ? 5 : 4;
    this.clientId = options.profile.clientId || `mts-${randomBytes(4).toString('hex')}`;
    this.limits = {
      maxPacketBytes: options.limits?.maxPacketBytes ?? MAX_INCOMING_PACKET_BYTES,
      logBytes: options.limits?.logBytes ?? MAX_LOG_BYTES,
    };
    this.log = new MessageLog(options.profile.logSize, this.limits.logBytes);
    this.keyLogFile = options.keyLogFile;
    this.workspaceDir = options.workspaceDir;
  }

  get state(): SessionState {
    return this.stateValue;
  }

  snapshot(): SessionSnapshot {
    const tls = this.resolvedTls && isSecure(this.url.scheme) ? this.tlsFacts() : undefined;
    return {
      id: this.id,
      profile: this.profile.name,
      url: this.profile.url,
      protocol: this.profile.protocol,
      clientId: this.clientId,
      state: this.stateValue,
      ...(this.problemValue ? { problem: this.problemValue } : {}),
      ...(tls ? { tls } : {}),
      ...(this.connectedAt !== undefined ? { connectedAt: this.connectedAt } : {}),
      ...(this.sessionPresent !== undefined ? { sessionPresent: this.sessionPresent } : {}),
      ...(this.serverProperties ? { serverProperties: this.serverProperties } : {}),
      subscriptions: [...this.subscriptions.values()].map((s) => ({ ...s })),
      ...(this.stateValue === 'reconnecting'
        ? {
            reconnect: {
              attempt: this.reconnectAttempt,
              periodSeconds: this.profile.reconnectPeriod,
              ...(this.nextAttemptAt !== undefined ? { nextAttemptAt: this.nextAttemptAt } : {}),
            },
          }
        : {}),
      log: {
        size: this.log.size,
        capacity: this.log.capacity,
        received: this.log.received,
        dropped: this.log.dropped,
        lastId: this.log.lastId,
      },
      ...(this.keyLogFile
        ? { keyLog: { path: this.keyLogFile, lines: this.keyLogLines + (this.keyLog?.lines ?? 0) } }
        : {}),
    };
  }

  private tlsFacts(): TlsFacts {
    const f = this.facts;
    return {
      ...(f.tlsProtocol ? { protocol: f.tlsProtocol } : {}),
      ...(f.cipher ? { cipher: f.cipher } : {}),
      ...(f.alpn ? { alpn: f.alpn } : {}),
      ...(f.servername ? { servername: f.servername } : {}),
      ...(f.authorizationError ? { unverifiedBecause: f.authorizationError } : {}),
      peerChain: f.peerChain ?? [],
      ...(this.resolvedTls?.clientCertificate
        ? { clientCertificate: this.resolvedTls.clientCertificate }
        : {}),
    };
  }

  private context(): FailureContext {
    const tls = this.resolvedTls?.options;
    return {
      secure: isSecure(this.url.scheme),
      host: this.url.host,
      port: this.url.port,
      ...(this.facts.servername ? { servername: this.facts.servername } : {}),
      protocol: this.protocol,
      sentClientCert: Boolean(tls?.cert || tls?.pfx),
      trust: this.resolvedTls?.trustLabel ?? 'the system roots',
      tlsEstablished: this.facts.tlsEstablished,
      ...(this.facts.tlsProtocol ? { tlsProtocol: this.facts.tlsProtocol } : {}),
      ...(this.facts.peerChain ? { peerChain: this.facts.peerChain } : {}),
      connected: this.stateValue === 'connected' || this.stateValue === 'disconnecting',
    };
  }

  /** A problem while the state stays as it is (e.g. a failed renewal of subscriptions). */
  private report(problem: ClientProblem): void {
    this.problemValue = problem;
    this.emit('problem', problem);
    this.emit('state', this.snapshot());
  }

  private setState(state: SessionState, problem?: ClientProblem): void {
    this.stateValue = state;
    if ((state === 'disconnected' || state === 'failed') && this.keyLog) {
      this.keyLogLines += this.keyLog.lines;
      this.keyLog.close();
      this.keyLog = undefined;
    }
    if (problem) {
      this.problemValue = problem;
      this.emit('problem', problem);
    }
    if (state !== 'connected' && this.pendingOps.size > 0) {
      // Acknowledgements will not come on a closed connection: fail what waits for them now.
      const error = new ClientFailure(this.problemValue ?? connectionLostProblem(this.context()));
      for (const abort of [...this.pendingOps]) abort(error);
    }
    this.emit('state', this.snapshot());
  }

  private mqttOptions(): IClientOptions {
    const p = this.profile;
    const options: IClientOptions = {
      protocolVersion: this.protocol,
      clientId: this.clientId,
      clean: p.clean,
      keepalive: p.keepalive,
      reconnectPeriod: 0,
      connectTimeout: p.connectTimeout * 1000,
      resubscribe: false,
      manualConnect: true,
      queueQoSZero: false,
    };
    if (p.username !== undefined) options.username = p.username;
    if (this.password !== undefined) options.password = this.password;
    if (this.protocol === 5) {
      // Tell the broker the bound the transport enforces: it then skips larger messages for this client
      // (MQTT 5 §3.1.2.11.4) instead of sending them and losing the connection.
      options.properties = { maximumPacketSize: this.limits.maxPacketBytes };
      if (p.sessionExpiry !== undefined) options.properties.sessionExpiryInterval = p.sessionExpiry;
    }
    if (p.will) {
      const w = p.will;
      options.will = {
        topic: w.topic,
        payload: encodePayload(w.payload, w.format, 'will.payload'),
        qos: w.qos,
        retain: w.retain,
      };
      if (this.protocol === 5) {
        const props: Record<string, unknown> = {};
        if (w.delayInterval !== undefined) props.willDelayInterval = w.delayInterval;
        if (w.messageExpiryInterval !== undefined) props.messageExpiryInterval = w.messageExpiryInterval;
        if (w.contentType !== undefined) props.contentType = w.contentType;
        if (Object.keys(props).length > 0) options.will.properties = props;
      }
    }
    return options;
  }

  /** Open the connection; resolves once the broker accepted it (CONNACK 0), rejects with a ClientFailure. */
  connect(): Promise<SessionSnapshot> {
    if (this.stateValue === 'reconnecting') {
      return Promise.reject(
        new UserError(
          `connection ${this.id} is reconnecting (attempt ${this.reconnectAttempt}); disconnect it to stop`,
          'BAD_STATE',
        ),
      );
    }
    if (
      this.stateValue === 'connecting' ||
      this.stateValue === 'connected' ||
      this.stateValue === 'disconnecting'
    ) {
      return Promise.reject(
        new UserError(`connection ${this.id} is already ${this.stateValue}`, 'BAD_STATE'),
      );
    }
    this.problemValue = undefined;
    this.reconnectAttempt = 0;
    return this.attempt(false);
  }

  /**
   * One connection attempt with its deadline. `retrying`: an automatic reconnect — the state stays
   * 'reconnecting' and a failure worth retrying schedules the next attempt instead of 'failed'.
   */
  private attempt(retrying: boolean): Promise<SessionSnapshot> {
    this.connectedAt = undefined;
    this.sessionPresent = undefined;
    this.serverProperties = undefined;
    this.closingOnPurpose = false;
    const facts: TransportFacts = { secure: false, tlsEstablished: false };
    this.facts = facts;
    const deadlineMs = this.profile.connectTimeout * 1000;
    if (this.keyLogFile && !this.keyLog && isSecure(this.url.scheme)) {
      try {
        this.keyLog = openKeyLog(this.keyLogFile, {
          field: 'keyLogFile',
          ...(this.workspaceDir ? { workspaceDir: this.workspaceDir } : {}),
        });
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    const keyLog = this.keyLog;
    const client = new (mqttLibrary().MqttClient)(
      () =>
        openStream({
          url: this.url,
          tls: this.resolvedTls?.options ?? {},
          handshakeTimeoutMs: deadlineMs,
          facts,
          maxPacketBytes: this.limits.maxPacketBytes,
          ...(keyLog ? { keyLog } : {}),
        }),
      this.mqttOptions(),
    );
    this.client = client;
    this.setState(retrying ? 'reconnecting' : 'connecting');

    return new Promise<SessionSnapshot>((resolve, reject) => {
      let settled = false;
      const settle = (problem?: ClientProblem) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.cancelConnect = undefined;
        if (problem) {
          client.removeAllListeners('message');
          client.end(true);
          this.client = undefined;
          if (retrying && worthRetrying(problem)) this.scheduleRetry(problem);
          else {
            this.reconnectAttempt = 0;
            this.setState('failed', problem);
          }
          reject(new ClientFailure(problem));
        } else {
          resolve(this.snapshot());
        }
      };
      const timer = setTimeout(
        () => settle(timeoutProblem('connecting', deadlineMs, this.context())),
        deadlineMs,
      );
      this.cancelConnect = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.cancelConnect = undefined;
        client.removeAllListeners('message');
        client.end(true);
        this.client = undefined;
        this.reconnectAttempt = 0;
        this.setState('disconnected');
        reject(new UserError(`connecting ${this.profile.name} was cancelled`, 'CANCELLED'));
      };
      // The first failure wins; explaining it may take a moment (a probe for the server's chain).
      let explaining = false;
      const fail = (error: unknown) => {
        if (settled || explaining) return;
        explaining = true;
        void this.explainFailure(error, Math.min(3000, deadlineMs)).then((problem) => settle(problem));
      };

      client.on('connect', (packet) => {
        if (this.client !== client) return;
        this.connectedAt = Date.now();
        this.reconnectAttempt = 0;
        // The drop that started the retries is over.
        if (retrying) this.problemValue = undefined;
        this.sessionPresent = packet.sessionPresent;
        if (packet.properties && Object.keys(packet.properties).length > 0) {
          this.serverProperties = { ...packet.properties } as Record<string, unknown>;
        }
        this.setState('connected');
        settle();
        void this.resubscribe();
      });
      client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
      client.on('error', (error) => {
        if (this.client !== client) return;
        if (!settled) {
          fail(error);
          return;
        }
        this.report(explainConnectError(error, this.context()));
      });
      client.on('disconnect', (packet) => {
        if (this.client !== client) return;
        if (packet.reasonCode !== undefined && packet.reasonCode !== 0) {
          this.report(disconnectProblem(packet.reasonCode, this.context()));
        }
      });
      client.on('close', () => {
        if (this.client !== client) return;
        if (!settled) {
          fail(facts.lastError);
          return;
        }
        this.onClosed(client);
      });
      client.connect();
    });
  }

  private async explainFailure(error: unknown, probeMs: number): Promise<ClientProblem> {
    if (error === undefined) return closedBeforeConnackProblem(this.context());
    const code = (error as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' && this.stoppedOwnBroker) {
      const broker = await this.stoppedOwnBroker().catch(() => null);
      if (broker)
        return {
          ...ownBrokerStoppedProblem(this.context(), broker),
          detail: explainConnectError(error, this.context()).detail,
        };
    }
    if (
      typeof code === 'string' &&
      SERVER_VERIFY_CODES.has(code) &&
      !this.facts.peerChain?.length &&
      this.resolvedTls
    ) {
      this.facts.peerChain = await probePeerChain(this.url, this.resolvedTls.options, probeMs);
    }
    return explainConnectError(error, this.context());
  }

  private onClosed(client: MqttClient): void {
    client.removeAllListeners('message');
    client.end(true);
    this.client = undefined;
    if (this.closingOnPurpose) {
      this.setState('disconnected');
      return;
    }
    const problem =
      this.problemValue ??
      (this.facts.lastError
        ? explainConnectError(this.facts.lastError, { ...this.context(), connected: true })
        : connectionLostProblem(this.context()));
    if (!this.stoppedOwnBroker || this.problemValue?.reasonCode !== undefined) {
      this.afterLoss(problem);
      return;
    }
    // The caller may know better (the app's own broker was stopped); the state waits for its answer.
    const context = this.context();
    void this.stoppedOwnBroker()
      .catch(() => null)
      .then((broker) => {
        const known = broker ? ownBrokerStoppedProblem({ ...context, connected: true }, broker) : null;
        // Reconnected, disconnected or closed meanwhile: that is the news now.
        if (this.client || this.closingOnPurpose || this.stateValue !== 'connected') return;
        this.afterLoss(known ? { ...known, detail: problem.detail } : problem);
      });
  }

  private afterLoss(problem: ClientProblem): void {
    if (this.profile.reconnectPeriod > 0 && worthRetrying(problem)) {
      this.reconnectAttempt = 0;
      this.scheduleRetry(problem);
      return;
    }
    this.setState('disconnected', problem);
  }

  /** Wait the profile's reconnect period ('reconnecting', the problem shown), then try again. */
  private scheduleRetry(problem: ClientProblem): void {
    const periodMs = this.profile.reconnectPeriod * 1000;
    this.nextAttemptAt = Date.now() + periodMs;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.nextAttemptAt = undefined;
      this.reconnectAttempt += 1;
      // The outcome shows in the state: connected, the next retry, or failed.
      this.attempt(true).catch(() => undefined);
    }, periodMs);
    this.setState('reconnecting', problem);
  }

  private stopRetrying(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.nextAttemptAt = undefined;
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const properties = toProperties(packet);
    const message = this.log.push({
      time: Date.now(),
      topic,
      payload,
      qos: packet.qos,
      retain: packet.retain,
      dup: packet.dup,
      ...(properties ? { properties } : {}),
    });
    this.emit('message', message);
  }

  private requireConnected(action: string): MqttClient {
    if (this.stateValue !== 'connected' || !this.client) {
      throw new UserError(
        `cannot ${action}: connection ${this.id} (${this.profile.name}) is ${this.stateValue}`,
        'NOT_CONNECTED',
      );
    }
    return this.client;
  }

  /** Run one acknowledged operation with a deadline; a lost connection or timeout is a ClientFailure. */
  private withDeadline<T>(
    what: string,
    start: (done: (error: Error | null, value?: T) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let finished = false;
      const finish = (error: Error | null, value?: T) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.pendingOps.delete(abort);
        if (error) reject(error);
        else resolve(value as T);
      };
      const timer = setTimeout(
        () => finish(new ClientFailure(timeoutProblem(what, this.timeouts.operationMs, this.context()))),
        this.timeouts.operationMs,
      );
      const abort = (error: Error) => finish(error);
      this.pendingOps.add(abort);
      start(finish);
    });
  }

  async subscribe(requests: SubscriptionRequest[]): Promise<SubscriptionResult[]> {
    if (!Array.isArray(requests) || requests.length === 0) {
      throw new UserError('filters: give at least one topic filter', 'BAD_SUBSCRIBE', { field: 'filters' });
    }
    const checked = requests.map((r, i) => this.checkSubscription(r, i));
    const client = this.requireConnected('subscribe');
    const map: ISubscriptionMap = {};
    for (const r of checked) {
      map[r.filter] = {
        qos: r.qos,
        ...(this.protocol === 5
          ? { nl: r.noLocal ?? false, rap: r.retainAsPublished ?? false, rh: r.retainHandling ?? 0 }
          : {}),
      };
    }
    const granted = await this.withDeadline<number[]>(
      `subscribing to ${checked.map((r) => r.filter).join(', ')}`,
      (done) => {
        client.subscribe(map, (error, _grants, packet) => {
          const codes = (packet as { granted?: number[] } | undefined)?.granted;
          if (codes) done(null, codes);
          else done(error ?? new Error('no SUBACK'));
        });
      },
    );
    const results = checked.map((r, i) => {
      const code = granted[i] ?? 0x80;
      const ok = code < 0x80;
      const result: SubscriptionResult = { ...r, granted: ok, code };
      if (!ok) {
        result.reason =
          this.protocol === 5
            ? `${explainReason(code).name}: ${explainReason(code).meaning}`
            : 'Failure (128): the broker refused this filter (its ACL, or an invalid filter)';
      }
      if (ok) this.subscriptions.set(r.filter, result);
      else this.subscriptions.delete(r.filter);
      return result;
    });
    this.emit('state', this.snapshot());
    return results;
  }

  private checkSubscription(request: SubscriptionRequest, index: number): SubscriptionRequest {
    const field = `filters[${index}]`;
    if (!request || typeof request !== 'object') {
      throw new UserError(`${field}: must be { filter, qos }`, 'BAD_SUBSCRIBE', { field });
    }
    const filter = checkTopicFilter(
      typeof request.filter === 'string' ? request.filter : '',
      `${field}.filter`,
    );
    const qos = qosAt(request.qos, `${field}.qos`);
    const out: SubscriptionRequest = { filter, qos };
    const v5 = (['noLocal', 'retainAsPublished', 'retainHandling'] as const).filter(
      (k) => request[k] !== undefined,
    );
    if (v5.length > 0 && this.protocol !== 5) {
      throw new UserError(
        `${field}.${v5[0]}: is an MQTT 5 subscription option; this connection speaks 3.1.1`,
        'BAD_SUBSCRIBE',
        {
          field: `${field}.${v5[0]}`,
        },
      );
    }
    if (request.noLocal !== undefined) out.noLocal = Boolean(request.noLocal);
    if (request.retainAsPublished !== undefined) out.retainAsPublished = Boolean(request.retainAsPublished);
    if (request.retainHandling !== undefined) {
      if (![0, 1, 2].includes(request.retainHandling)) {
        throw new UserError(`${field}.retainHandling: must be 0, 1 or 2`, 'BAD_SUBSCRIBE', {
          field: `${field}.retainHandling`,
        });
      }
      out.retainHandling = request.retainHandling;
    }
    return out;
  }

  async unsubscribe(filters: string[]): Promise<void> {
    if (!Array.isArray(filters) || filters.length === 0) {
      throw new UserError('filters: give at least one topic filter', 'BAD_SUBSCRIBE', { field: 'filters' });
    }
    filters.forEach((f, i) => checkTopicFilter(f, `filters[${i}]`));
    const client = this.requireConnected('unsubscribe');
    await this.withDeadline<void>(`unsubscribing from ${filters.join(', ')}`, (done) => {
      client.unsubscribe(filters, (error) => done(error ?? null));
    });
    for (const f of filters) this.subscriptions.delete(f);
    this.emit('state', this.snapshot());
  }

  /** Subscriptions survive a reconnect: renew them when the broker kept no session. */
  private async resubscribe(): Promise<void> {
    if (this.sessionPresent || this.subscriptions.size === 0) return;
    const again = [...this.subscriptions.values()].map(
      ({ filter, qos, noLocal, retainAsPublished, retainHandling }) => ({
        filter,
        qos,
        ...(noLocal !== undefined ? { noLocal } : {}),
        ...(retainAsPublished !== undefined ? { retainAsPublished } : {}),
        ...(retainHandling !== undefined ? { retainHandling } : {}),
      }),
    );
    try {
      await this.subscribe(again);
    } catch (error) {
      if (error instanceof ClientFailure) this.report(error.problem);
    }
  }

  /** Check a publish request from any JSON: UserError naming the field. */
  checkPublish(value: unknown): PublishRequest {
    if (!value || typeof value !== 'object') throw new UserError('publish: must be an object', 'BAD_PUBLISH');
    const input = value as Record<string, unknown>;
    const topic = checkTopicName(typeof input.topic === 'string' ? input.topic : '', 'topic');
    const format = (input.format ?? 'text') as PublishRequest['format'];
    if (!PAYLOAD_FORMATS.includes(format)) {
      throw new UserError(`format: must be one of ${PAYLOAD_FORMATS.join(', ')}`, 'BAD_PUBLISH', {
        field: 'format',
      });
    }
    const payload = input.payload ?? '';
    if (typeof payload !== 'string')
      throw new UserError('payload: must be text', 'BAD_PUBLISH', { field: 'payload' });
    encodePayload(payload, format, 'payload');
    const qos = qosAt(input.qos, 'qos');
    const retain = input.retain ?? false;
    if (typeof retain !== 'boolean')
      throw new UserError('retain: must be true or false', 'BAD_PUBLISH', { field: 'retain' });
    const properties = checkPublishProperties(input.properties);
    if (properties && this.protocol !== 5) {
      throw new UserError('properties: MQTT 5 properties need a 5.0 connection', 'BAD_PUBLISH', {
        field: 'properties',
      });
    }
    return { topic, payload, format, qos, retain, ...(properties ? { properties } : {}) };
  }

  async publish(value: unknown): Promise<PublishResult> {
    const request = this.checkPublish(value);
    const client = this.requireConnected('publish');
    const bytes = encodePayload(request.payload, request.format, 'payload');
    this.history.record(request);
    const options: IClientPublishOptions = { qos: request.qos, retain: request.retain };
    if (request.properties) options.properties = publishProperties(request.properties);
    const what = `publishing to ${request.topic}`;
    const packet = await this.withDeadline<{ reasonCode?: number } | undefined>(what, (done) => {
      client.publish(request.topic, bytes, options, (error, ack) => {
        if (error) {
          const code = (error as { code?: unknown }).code;
          if (typeof code === 'number') {
            const reason = explainReason(code);
            done(
              new ClientFailure({
                code: code === 0x87 ? 'MQTT_NOT_AUTHORIZED' : 'MQTT_REFUSED',
                message: `the broker refused the publish to ${request.topic}: ${reason.name} (${code}) — ${reason.meaning}`,
                fix: reason.fix,
                detail: error.message,
                reasonCode: code,
              }),
            );
            return;
          }
          done(error);
          return;
        }
        done(null, ack as { reasonCode?: number } | undefined);
      });
    });
    const result: PublishResult = { qos: request.qos, acknowledged: request.qos > 0, bytes: bytes.length };
    const reasonCode = packet?.reasonCode;
    if (this.protocol === 5 && request.qos > 0 && reasonCode !== undefined) {
      result.reasonCode = reasonCode;
      if (reasonCode !== 0) result.note = explainReason(reasonCode).name;
    }
    return result;
  }

  /** Send DISCONNECT and close; after the deadline the socket is cut. Resolves when closed. */
  disconnect(): Promise<void> {
    this.stopRetrying();
    const client = this.client;
    if (this.stateValue === 'reconnecting') {
      // The user stops the retries: the drop they were answering is no longer the news.
      this.problemValue = undefined;
      this.reconnectAttempt = 0;
      if (!client) {
        // Between two attempts: nothing is open, just stop.
        this.setState('disconnected');
        return Promise.resolve();
      }
    }
    if (!client || this.stateValue === 'disconnected' || this.stateValue === 'failed') {
      this.client = undefined;
      if (this.stateValue !== 'failed') this.stateValue = 'disconnected';
      return Promise.resolve();
    }
    if (this.cancelConnect) {
      this.cancelConnect();
      return Promise.resolve();
    }
    this.closingOnPurpose = true;
    this.problemValue = undefined;
    this.setState('disconnecting');
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        client.removeAllListeners('message');
        if (this.client === client) {
          this.client = undefined;
          this.setState('disconnected');
        }
        resolve();
      };
      // mqtt.js ignores a forced end once a graceful one started: cut the stream ourselves.
      const timer = setTimeout(() => {
        client.stream?.destroy();
        finish();
      }, this.timeouts.disconnectMs);
      client.end(false, finish);
    });
  }
}
