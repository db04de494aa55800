import { EventEmitter } from 'node:events';
import { UserError } from '../user-error.js';
import type { ClientProblem } from './connection-problem.js';
import { checkKeyLogPath } from './key-log.js';
import type { LogPage, LogQuery, LoggedMessage } from './message-log.js';
import {
  isSecure,
  parseBrokerUrl,
  validateProfile,
  type ConnectionProfile,
  type ParsedUrl,
} from './profile.js';
import type { PublishHistoryEntry } from './publish-history.js';
import {
  Session,
  type PublishResult,
  type SessionOptions,
  type SessionSnapshot,
  type SessionTimeouts,
  type SubscriptionRequest,
  type SubscriptionResult,
} from './session.js';
import {
  resolveTls,
  resolveTlsAsync,
  type ConnectSecrets,
  type ResolvedTls,
  type WorkspaceCertificates,
} from './tls-options.js';

/** A batch of messages for one connection, sent at most every `batchMs`. */
export interface MessageBatch {
  sessionId: string;
  messages: LoggedMessage[];
  /** Messages that arrived in this interval but were already pushed out of the log (not in `messages`). */
  skipped: number;
}

export interface SessionManagerEvents {
  /** A connection changed state (or its subscriptions or log counters changed). */
  state: [SessionSnapshot];
  /** New messages, batched so that 10,000 messages/s become 20 events/s per connection. */
  messages: [MessageBatch];
  /** A failure or unexpected disconnect, explained. */
  problem: [{ sessionId: string; problem: ClientProblem }];
  /** A connection was closed and forgotten. */
  removed: [{ sessionId: string }];
}

export interface SessionManagerOptions {
  /** The workshop's certificates (workspace CA trust, client identities). */
  certificates?: WorkspaceCertificates;
  /** Interval of message batches in ms (default 50). */
  batchMs?: number;
  timeouts?: Partial<SessionTimeouts>;
  /** The workspace folder: TLS key logs are refused there. */
  workspaceDir?: string;
  /**
   * For a connection to the app's own broker: that broker's URL when it is stopped, else null (the api
   * layer knows the broker; the core does not).
   */
  stoppedOwnBroker?: (sessionId: string) => Promise<string | null>;
  /** Bounds on what a broker can make a connection hold (defaults: core/client/peer-limits.ts). */
  limits?: SessionOptions['limits'];
}

/**
 * Several MQTT connections at once, each with its state, errors, message log and publish history.
 * Events go out through the emitter for the api layer to forward.
 */
export class SessionManager extends EventEmitter<SessionManagerEvents> {
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Map<string, { messages: LoggedMessage[]; skipped: number; cap: number }>();
  private flushTimer?: NodeJS.Timeout;
  private nextId = 1;
  private readonly batchMs: number;

  constructor(private readonly options: SessionManagerOptions = {}) {
    super();
    this.batchMs = options.batchMs ?? 50;
  }

  /**
   * Create a connection from a profile (any JSON; validated) without connecting yet. TLS files and
   * passphrases are read now: a wrong passphrase is one UserError and no connection is created. An
   * encrypted key is derived inline here (CLI one-shots); the app uses openAsync.
   */
  open(profileInput: unknown, secrets: ConnectSecrets = {}): Session {
    const profile = validateProfile(profileInput);
    const url = parseBrokerUrl(profile.url);
    const tls = isSecure(url.scheme)
      ? resolveTls(profile.tls, this.options.certificates, secrets)
      : undefined;
    return this.create(profile, url, tls, secrets);
  }

  /** open, with the key derivation of an encrypted key or PKCS#12 file off the event loop. */
  async openAsync(profileInput: unknown, secrets: ConnectSecrets = {}): Promise<Session> {
    const profile = validateProfile(profileInput);
    const url = parseBrokerUrl(profile.url);
    const tls = isSecure(url.scheme)
      ? await resolveTlsAsync(profile.tls, this.options.certificates, secrets)
      : undefined;
    return this.create(profile, url, tls, secrets);
  }

  private create(
    profile: ConnectionProfile,
    url: ParsedUrl,
    tls: ResolvedTls | undefined,
    secrets: ConnectSecrets,
  ): Session {
    // A key log given at connect wins over one the profile keeps; either way the place is checked now.
    const keyLogRequest = secrets.keyLogFile?.trim() || profile.tls.keyLogFile;
    const keyLogFile =
      keyLogRequest && isSecure(url.scheme)
        ? checkKeyLogPath(keyLogRequest, {
            field: secrets.keyLogFile?.trim() ? 'keyLogFile' : 'tls.keyLogFile',
            ...(this.options.workspaceDir ? { workspaceDir: this.options.workspaceDir } : {}),
          })
        : undefined;
    const id = `c${this.nextId++}`;
    const session = new Session({
      id,
      profile,
      ...(keyLogFile ? { keyLogFile } : {}),
      ...(this.options.workspaceDir ? { workspaceDir: this.options.workspaceDir } : {}),
      ...(tls ? { tls } : {}),
      ...(secrets.password !== undefined ? { password: secrets.password } : {}),
      ...(this.options.timeouts ? { timeouts: this.options.timeouts } : {}),
      ...(this.options.limits ? { limits: this.options.limits } : {}),
    });
    const stopped = this.options.stoppedOwnBroker;
    if (stopped) session.stoppedOwnBroker = () => stopped(id);
    session.on('state', (snapshot) => this.emit('state', snapshot));
    session.on('problem', (problem) => this.emit('problem', { sessionId: id, problem }));
    session.on('message', (message) => this.queue(id, message, session.log.capacity));
    this.sessions.set(id, session);
    return session;
  }

  /** Open and connect. On a refused or failed connection the session stays listed with its problem. */
  async connect(profileInput: unknown, secrets: ConnectSecrets = {}): Promise<SessionSnapshot> {
    const session = await this.openAsync(profileInput, secrets);
    return session.connect();
  }

  /** Connect an existing (disconnected or failed) connection again. */
  reconnect(id: string): Promise<SessionSnapshot> {
    return this.get(id).connect();
  }

  get(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new UserError(`no open connection "${id}"`, 'NOT_FOUND', { field: 'connection' });
    return session;
  }

  list(): SessionSnapshot[] {
    return [...this.sessions.values()].map((s) => s.snapshot());
  }

  disconnect(id: string): Promise<void> {
    return this.get(id).disconnect();
  }

  /** Disconnect and forget a connection (its log and history go with it). */
  async remove(id: string): Promise<void> {
    const session = this.get(id);
    await session.disconnect();
    this.flush();
    session.removeAllListeners();
    this.sessions.delete(id);
    this.pending.delete(id);
    this.emit('removed', { sessionId: id });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.remove(id)));
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  subscribe(id: string, requests: SubscriptionRequest[]): Promise<SubscriptionResult[]> {
    return this.get(id).subscribe(requests);
  }

  unsubscribe(id: string, filters: string[]): Promise<void> {
    return this.get(id).unsubscribe(filters);
  }

  publish(id: string, request: unknown): Promise<PublishResult> {
    return this.get(id).publish(request);
  }

  messages(id: string, query: LogQuery = {}): LogPage {
    return this.get(id).log.query(query);
  }

  clearLog(id: string): void {
    const session = this.get(id);
    session.log.clear();
    this.pending.delete(id);
    this.emit('state', session.snapshot());
  }

  resizeLog(id: string, size: number): void {
    const session = this.get(id);
    if (!Number.isInteger(size) || size < 10 || size > 1_000_000) {
      throw new UserError('logSize: must be a whole number from 10 to 1000000', 'BAD_PROFILE', {
        field: 'logSize',
      });
    }
    session.log.resize(size);
    this.emit('state', session.snapshot());
  }

  history(id: string): PublishHistoryEntry[] {
    return this.get(id).history.list();
  }

  private queue(id: string, message: LoggedMessage, cap: number): void {
    let batch = this.pending.get(id);
    if (!batch) {
      batch = { messages: [], skipped: 0, cap };
      this.pending.set(id, batch);
    }
    batch.messages.push(message);
    // More arrived in one interval than the log holds: the oldest are gone from the log already.
    if (batch.messages.length > batch.cap * 2) {
      const drop = batch.messages.length - batch.cap;
      batch.messages.splice(0, drop);
      batch.skipped += drop;
    }
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.batchMs);
  }

  /** Send every pending batch now. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batches = [...this.pending.entries()];
    this.pending.clear();
    for (const [sessionId, batch] of batches) {
      let { messages, skipped } = batch;
      if (messages.length > batch.cap) {
        skipped += messages.length - batch.cap;
        messages = messages.slice(messages.length - batch.cap);
      }
      if (messages.length > 0 || skipped > 0) this.emit('messages', { sessionId, messages, skipped });
    }
  }
}
