import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import {
  assertValidConf,
  effectiveLimits,
  effectiveSecurity,
  locate,
  settingPath,
  type ConfIssue,
  type MosquittoConf,
} from '../conf/index.js';
import { UserError } from '../user-error.js';
import { decideConnect } from './authenticate.js';
import { checkAccess, type DenialLogger } from './authorize.js';
import type { ConnectionState } from './connection-state.js';
import { EventLog } from './event-log.js';
import type { BrokerEvent, BrokerEventInput, ClientCertificateSummary, TlsDetails } from './events.js';
import { aedesLocalSide, BridgeSet, prepareBridges, type BridgeStatus } from './bridge/index.js';
import { FileWatcher } from './file-watcher.js';
import { ListenerRuntime, type ListenerStatus } from './listener-runtime.js';
import type { DefaultBind } from './bind-hosts.js';
import { refusalConnack, sendRefusal } from './connack.js';
import { misplacedConnectProperty } from './connect-properties.js';
import { connackReasonCode, protocolName, reasonCodeName, reasonCodeText } from './reason-codes.js';
import { CONNACK_MEANING } from './refusal-reasons.js';
import { prepareConnect, reportAssignedId, tooLargeForClient } from './mqtt5-session.js';
import { aedesLimitOptions } from './aedes-limits.js';
import type { ProblemCode } from '../problems.js';
import { SecurityScope } from './security-store.js';

export interface StartBrokerOptions {
  /** Folder relative paths of the conf are resolved against (the conf's folder for the workspace). */
  baseDir: string;
  /** Called for every event of the log, as it happens. */
  onEvent?: (event: BrokerEvent) => void;
  /** Milliseconds a subscriber may block delivery before it is disconnected (default 10 s). */
  drainTimeout?: number;
  /** Milliseconds a connection may stay without CONNECT (default 10 s). */
  connectTimeout?: number;
  /** Reload certificates, keys, CRLs, password, PSK and ACL files when they change (default true). */
  watchFiles?: boolean;
  /** Events kept for `events()` (default 1000). */
  logSize?: number;
  /** Called when a bridge's state or counters change. */
  onBridgeChange?: (status: BridgeStatus) => void;
  /** Deadline of one bridge connection attempt in ms (default 10 s). */
  bridgeConnectTimeoutMs?: number;
  /**
   * Send our plain-words refusal reason to MQTT 5 clients as the Reason String (default true: the local
   * broker explains itself; production brokers do not, and `export` leaves it out).
   */
  reasonStrings?: boolean;
  /**
   * Where a listener without an address binds: 'any' (every interface, as Mosquitto; the default for a
   * conf run with --config) or 'loopback' (127.0.0.1 and ::1: the workspace broker unless opened to the LAN).
   */
  defaultBind?: DefaultBind;
}

export interface ConnectedClient {
  clientId: string;
  username?: string;
  /** How the username was established, e.g. `certificate CN as username`. */
  authenticatedBy: string;
  /** MQTT protocol level: 3 (MQTT 3.1), 4 (3.1.1) or 5. */
  protocolVersion?: number;
  listener: string;
  remoteAddress: string;
  remotePort?: number;
  connectedAt: string;
  tls?: TlsDetails;
  clientCertificate?: ClientCertificateSummary;
}

export interface RunningBroker {
  listeners: ListenerStatus[];
  /** What validation found that Mosquitto accepts silently. */
  warnings: ConfIssue[];
  clients(): ConnectedClient[];
  /** The most recent events, oldest first. */
  events(): BrokerEvent[];
  /** The bridges (`connection` sections) and where each one is. */
  bridges(): BridgeStatus[];
  /** Start or stop one bridge by its connection name (false: no such bridge). */
  startBridge(name: string): boolean;
  stopBridge(name: string): Promise<boolean>;
  stop(): Promise<void>;
  readonly stopped: boolean;
  /** Whether refused MQTT 5 clients get our reason as the Reason String; switchable while running. */
  reasonStrings: boolean;
}

interface SessionInfo {
  authenticatedBy: string;
}

function who(state: ConnectionState): string {
  const parts = [`client "${state.clientId ?? '?'}"`];
  if (state.username !== undefined) parts.push(`as "${state.username}"`);
  return parts.join(' ');
}

function from(state: ConnectionState): string {
  return `${state.remoteAddress}${state.remotePort !== undefined ? `:${state.remotePort}` : ''}`;
}

function reasonFields(reasonCode: number): { reasonCode: number; reasonName: string } {
  return { reasonCode, reasonName: reasonCodeName(reasonCode) };
}

/** `CONNACK 5 (not authorized)` for MQTT 3.1/3.1.1, `CONNACK 0x87 Not authorized` for MQTT 5. */
function connackText(version: number | undefined, returnCode: number): string {
  return version === 5
    ? `CONNACK ${reasonCodeText(connackReasonCode(returnCode))}`
    : `CONNACK ${returnCode} (${CONNACK_MEANING[returnCode] ?? ''})`;
}

function tlsText(state: ConnectionState): string {
  const parts: string[] = [];
  if (state.tls?.protocol) parts.push(`${state.tls.protocol} ${state.tls.cipher ?? ''}`.trim());
  if (state.tls?.servername) parts.push(`SNI ${state.tls.servername}`);
  if (state.tls?.alpn) parts.push(`ALPN ${state.tls.alpn}`);
  if (state.tls?.pskIdentity !== undefined) parts.push(`PSK identity "${state.tls.pskIdentity}"`);
  if (state.clientCertificate) parts.push(`client certificate "${state.clientCertificate.subject}"`);
  return parts.length ? ` [${parts.join(', ')}]` : '';
}

/** The fields every connection event carries. */
function connectionFields(state: ConnectionState): Partial<BrokerEventInput> {
  const fields: Partial<BrokerEventInput> = {
    listener: state.listenerUrl,
    connection: state.id,
    remoteAddress: state.remoteAddress,
  };
  if (state.remotePort !== undefined) fields.remotePort = state.remotePort;
  if (state.tls) fields.tls = state.tls;
  if (state.clientCertificate) fields.clientCertificate = state.clientCertificate;
  if (state.clientId !== undefined) fields.clientId = state.clientId;
  if (state.username !== undefined) fields.username = state.username;
  if (state.protocolVersion !== undefined) fields.protocolVersion = state.protocolVersion;
  return fields;
}

/**
 * Start an aedes broker on every listener of a Mosquitto configuration, with Mosquitto 2.0.11's
 * authentication and ACL semantics. Stops with a UserError naming the conf line when the configuration,
 * a file it names, or a port is not usable.
 */
export async function startBroker(conf: MosquittoConf, options: StartBrokerOptions): Promise<RunningBroker> {
  const { baseDir } = options;
  let reasonStrings = options.reasonStrings ?? true;
  const warnings = assertValidConf(conf, { baseDir });
  const preparedBridges = prepareBridges(conf, baseDir);
  const log = new EventLog(options.onEvent, options.logSize);
  const emit = (event: BrokerEventInput) => log.emit(event);
  for (const notice of conf.notices) {
    if (notice.level !== 'info') continue;
    const where = notice.file ? `${notice.file}${notice.line !== undefined ? `:${notice.line}` : ''}: ` : '';
    emit({
      kind: 'notice',
      level: 'info',
      message: `${where}${notice.message}`,
      file: notice.file,
      line: notice.line,
    });
  }
  for (const warning of warnings) {
    emit({ kind: 'notice', level: 'warning', message: warning.text, file: warning.file, line: warning.line });
  }

  let globalScope: SecurityScope | undefined;
  const scopes = conf.listeners.map((listener) =>
    conf.perListenerSettings
      ? new SecurityScope(listener.security ?? {}, baseDir)
      : (globalScope ??= new SecurityScope(conf.security, baseDir)),
  );

  const states = new WeakMap<object, ConnectionState>();
  const sessions = new WeakMap<ConnectionState, SessionInfo>();
  /** Refused 3.1.1 PUBLISH packets (acknowledged, not published), and how many may still be on their way. */
  const dropped = new WeakSet<object>();
  let droppedPending = 0;
  /** authorizePublish errors of MQTT 5 clients: aedes reports them as clientError but keeps the connection. */
  const publishRefusals = new WeakSet<Error>();
  let connectionCounter = 0;
  let runtimes: ListenerRuntime[] = [];
  const stateOf = (client: Client | null | undefined) => (client ? states.get(client.conn) : undefined);

  const logDenial: DenialLogger = (state, scope, denial, qos) => {
    const { access, topic, answer } = denial;
    const v5Ack = access === 'write' && state.protocolVersion === 5 && qos > 0;
    const consequence =
      access !== 'write'
        ? 'the message was not delivered to it'
        : v5Ack
          ? `the message was dropped (${qos === 1 ? 'PUBACK' : 'PUBREC'} ${reasonCodeText(0x87)}) and the connection kept, as Mosquitto does`
          : 'the message was dropped (PUBACK still sent for QoS 1) and the connection kept, as Mosquitto does';
    const event: BrokerEventInput = {
      ...connectionFields(state),
      kind: 'acl-denied',
      level: 'warning',
      message: `denied ${who(state)} ${access === 'write' ? 'publishing to' : 'receiving'} '${topic}': ${answer.reason}; ${consequence}`,
      access,
      topic,
      reason: answer.reason,
      ...(v5Ack ? reasonFields(0x87) : {}),
    };
    if (answer.rule && scope.aclPath)
      event.rule = { file: scope.aclPath, line: answer.rule.line, text: answer.rule.text };
    emit(event);
  };

  const assignedIds = new WeakSet<Client>();
  const limits = effectiveLimits(conf.limits);
  const aedesOptions: AedesOptions = {
    drainTimeout: options.drainTimeout ?? 10_000,
    connectTimeout: options.connectTimeout ?? 10_000,
    ...aedesLimitOptions(limits),
    preConnect(client, packet, callback) {
      const state = stateOf(client);
      if (!state) return callback(null, true);
      const version = packet.protocolVersion ?? 4;
      state.protocolVersion = version;
      if (packet.clientId) state.clientId = packet.clientId;
      const refuse = (returnCode: number, reason: string, problem: ProblemCode) => {
        state.refusalLogged = true;
        emit({
          ...connectionFields(state),
          kind: 'refused',
          level: 'warning',
          message: `refused ${state.clientId === undefined ? 'a client' : who(state)} from ${from(state)} on ${state.listenerUrl}: ${connackText(version, returnCode)} — ${reason}${tlsText(state)}`,
          returnCode,
          ...(version === 5 ? reasonFields(connackReasonCode(returnCode)) : {}),
          reason,
          problem,
        });
        const connack = refusalConnack(
          version,
          returnCode,
          reasonStrings ? reason : undefined,
          packet.properties?.maximumPacketSize,
        );
        sendRefusal(client.conn, connack, () => callback(new Error(reason), false));
      };
      const misplaced = version === 5 ? misplacedConnectProperty(packet) : undefined;
      if (misplaced) {
        // Mosquitto closes the connection without a CONNACK ("disconnected due to protocol error")
        const reason = `protocol error: the CONNECT carries the property ${misplaced}, which MQTT 5 does not allow there`;
        state.refusalLogged = true;
        emit({
          ...connectionFields(state),
          kind: 'refused',
          level: 'warning',
          message: `refused ${from(state)} on ${state.listenerUrl}: ${reason}; connection closed without CONNACK, as Mosquitto does`,
          reason,
          problem: 'MQTT_REFUSED',
        });
        callback(new Error(reason), false);
        return;
      }
      // Mosquitto: a zero-length client id needs clean session and MQTT 3.1.1 (MQTT 5 gets one assigned),
      // and allow_zero_length_clientid (v5 refused with 0x80 Unspecified error, as Mosquitto 2.0.11 does)
      const idRules = effectiveSecurity(conf, conf.listeners[state.listenerIndex]);
      if (!packet.clientId && (version === 3 || (version === 4 && !packet.clean))) {
        refuse(
          2,
          version === 3
            ? 'an empty client id is not allowed with MQTT 3.1'
            : 'an empty client id needs clean session',
          'MQTT_REFUSED',
        );
        return;
      }
      if (!packet.clientId && idRules.allowZeroLengthClientid === false) {
        refuse(
          version === 5 ? 0x80 : 2,
          'a client id is required: allow_zero_length_clientid is false',
          'MQTT_REFUSED',
        );
        return;
      }
      if (prepareConnect(client, packet, limits.maxKeepalive, idRules.autoIdPrefix)) {
        assignedIds.add(client);
        state.clientId = packet.clientId;
      }
      // What aedes refuses before authentication (as Mosquitto does): its own CONNACK answers these.
      const properties = packet.properties;
      if (
        !state.certificateRefusal &&
        version === 5 &&
        (properties?.authenticationMethod !== undefined ||
          properties?.authenticationData !== undefined ||
          properties?.receiveMaximum === 0)
      ) {
        const explaining: Record<string, string | number | boolean> = {};
        if (properties.authenticationMethod !== undefined)
          explaining.authenticationMethod = properties.authenticationMethod;
        if (properties.authenticationData !== undefined)
          explaining.authenticationData = `${properties.authenticationData.length} bytes`;
        if (properties.receiveMaximum === 0) explaining.receiveMaximum = 0;
        state.refusedProperties = explaining;
        return callback(null, true);
      }
      const runtime = runtimes[state.listenerIndex];
      const username = packet.username ?? undefined;
      if (username !== undefined) state.username = username;
      decideConnect(runtime.settings, runtime.scope, state, username, packet.password ?? undefined).then(
        (decision) => {
          if (decision.accepted) {
            state.accepted = { username: decision.username, how: decision.how };
            callback(null, true);
            return;
          }
          refuse(decision.returnCode, decision.reason, decision.problem);
        },
        (error: Error) => refuse(3, `authentication failed: ${error.message}`, 'MQTT_REFUSED'),
      );
    },
    authenticate(client, _username, _password, callback) {
      const state = stateOf(client);
      if (!state?.accepted) {
        const error = new Error('unknown connection') as AuthenticateError;
        error.returnCode = 3;
        return callback(error, false);
      }
      state.clientId = client.id;
      if (assignedIds.has(client)) reportAssignedId(client);
      if (state.accepted.username !== undefined) state.username = state.accepted.username;
      else delete state.username;
      sessions.set(state, { authenticatedBy: state.accepted.how });
      callback(null, true);
    },
    authorizePublish(client, packet, callback) {
      const state = stateOf(client);
      if (!state) return callback(null);
      const scope = runtimes[state.listenerIndex].scope;
      const refusal = checkAccess(state, scope, 'write', packet.topic, logDenial, packet.qos);
      if (refusal === undefined) return callback(null);
      if (state.protocolVersion === 5) {
        // aedes answers an MQTT 5 refusal as Mosquitto does: PUBACK/PUBREC 0x87 Not authorized (with this
        // message as the Reason String, when the client allows problem information), QoS 0 dropped silently;
        // the packet is not published and the connection stays open.
        const error = new Error(
          reasonStrings ? `not allowed to publish to '${packet.topic}': ${refusal.reason}` : '',
        );
        publishRefusals.add(error);
        return callback(error);
      }
      dropped.add(packet);
      droppedPending++;
      callback(null);
    },
    authorizeSubscribe(_client, subscription, callback) {
      // Mosquitto's acl_file never refuses a SUBSCRIBE; each delivery is read-checked instead.
      callback(null, subscription);
    },
    authorizeForward(client, packet) {
      if (tooLargeForClient(client, packet)) return null;
      const state = states.get(client.conn);
      if (!state) return packet;
      const scope = runtimes[state.listenerIndex].scope;
      return checkAccess(state, scope, 'read', packet.topic, logDenial) === undefined ? packet : null;
    },
  };
  const aedes = await Aedes.createBroker(aedesOptions);

  // A refused PUBLISH goes nowhere, without the disconnect aedes makes of an authorizePublish error: the
  // publish handler hands the same packet to broker.publish after the QoS 1 PUBACK (or QoS 2 PUBREC).
  const publish = aedes.publish.bind(aedes) as (
    packet: object,
    client: unknown,
    done?: (e?: Error) => void,
  ) => void;
  (aedes as unknown as { publish: typeof publish }).publish = (packet, client, done) => {
    // (the counter spares every other message the WeakSet lookup)
    if (droppedPending > 0 && dropped.has(packet)) {
      dropped.delete(packet);
      droppedPending--;
      const callback = typeof client === 'function' ? (client as () => void) : done;
      callback?.();
      return;
    }
    publish(packet, client, done);
  };

  // Listed from the moment aedes registers the accepted client, just before it writes the CONNACK: the
  // 'connackSent' event comes a turn of the event loop later, when a client on this machine may already
  // have read its CONNACK (clients() would miss it).
  aedes.on('client', (client) => {
    const state = stateOf(client);
    if (state && !state.connectedAt) state.connectedAt = new Date();
  });
  // Logged when the CONNACK goes out ('clientReady' can come after a quick client already left).
  aedes.on('connackSent', (packet, client) => {
    const state = stateOf(client);
    // MQTT 5's CONNACK carries a reasonCode, 3.1.1's a returnCode
    if (!state || (packet.returnCode ?? packet.reasonCode) !== 0) return;
    state.connectedAt = new Date();
    const session = sessions.get(state);
    emit({
      ...connectionFields(state),
      kind: 'connected',
      level: 'info',
      message: `connected ${who(state)} from ${from(state)} on ${state.listenerUrl} (${protocolName(state.protocolVersion)}, ${session?.authenticatedBy ?? 'accepted'})${tlsText(state)}`,
      returnCode: 0,
      ...(state.protocolVersion === 5 ? reasonFields(0) : {}),
    });
  });
  aedes.on('clientError', (client, error: Error & { size?: number; maximumPacketSize?: number }) => {
    const state = stateOf(client);
    if (!state || state.closeReason || publishRefusals.has(error)) return;
    state.closeReason =
      error.maximumPacketSize !== undefined
        ? `the client sent a ${error.size}-byte packet, over max_packet_size ${error.maximumPacketSize} (Packet too large)`
        : error.message;
  });
  aedes.on('keepaliveTimeout', (client) => {
    const state = stateOf(client);
    if (state) state.closeReason = 'keep-alive timeout: the client went silent';
  });
  aedes.on('connectionError', (client, error: Error & { errorCode?: number; reasonCode?: number }) => {
    const state = stateOf(client);
    if (!state || state.refusalLogged) return;
    state.refusalLogged = true;
    if (error.errorCode || error.reasonCode) {
      // aedes answered the CONNECT itself: an unsupported protocol level, or (MQTT 5) an AUTH method,
      // Authentication Data without one, or a Receive Maximum of 0.
      const method = state.refusedProperties?.authenticationMethod;
      const reason =
        error.errorCode === 1
          ? 'unacceptable protocol version: the local broker speaks MQTT 3.1, 3.1.1 and 5'
          : error.reasonCode === 0x8c
            ? `the CONNECT asks for enhanced authentication (Authentication Method "${String(method)}"), which this broker does not offer (Mosquitto without an authentication plugin answers the same)`
            : error.reasonCode === 0x82
              ? `protocol error in the CONNECT: ${error.message}`
              : error.message;
      const code = error.reasonCode ?? (error.errorCode ? connackReasonCode(error.errorCode) : 0x80);
      const v5 = state.protocolVersion === 5;
      emit({
        ...connectionFields(state),
        kind: 'refused',
        level: 'warning',
        message: `refused a client from ${from(state)} on ${state.listenerUrl}: ${v5 ? `CONNACK ${reasonCodeText(code)}` : connackText(state.protocolVersion, error.errorCode ?? 5)} — ${reason}`,
        ...(error.errorCode ? { returnCode: error.errorCode } : {}),
        ...(v5 ? reasonFields(code) : {}),
        ...(state.refusedProperties ? { properties: state.refusedProperties } : {}),
        reason,
        problem: error.errorCode === 1 ? 'PROTOCOL_VERSION' : 'MQTT_REFUSED',
      });
      return;
    }
    const tlsOnPlain = state.firstByte === 0x16;
    const reason = tlsOnPlain
      ? 'the client started a TLS handshake on a plain MQTT listener (use mqtt://, or connect to the TLS port)'
      : `not MQTT: ${error.message}`;
    emit({
      ...connectionFields(state),
      kind: 'refused',
      level: 'warning',
      message: `refused ${from(state)} on ${state.listenerUrl}: ${reason}`,
      reason,
      problem: tlsOnPlain ? 'TLS_ON_PLAIN_PORT' : 'MQTT_REFUSED',
    });
  });
  aedes.on('clientDisconnect', (client) => {
    const state = stateOf(client);
    if (!state) return;
    const clean = (client as unknown as { _disconnected?: boolean })._disconnected;
    const reason = state.closeReason ?? (clean ? 'the client sent DISCONNECT' : 'the connection closed');
    emit({
      ...connectionFields(state),
      kind: 'disconnected',
      level: 'info',
      message: `disconnected ${who(state)} from ${from(state)} on ${state.listenerUrl}: ${reason}`,
      reason,
    });
  });

  const hooks = {
    nextConnectionId: () => ++connectionCounter,
    emit,
    accept(conn: Duplex, state: ConnectionState, req?: IncomingMessage) {
      const runtime = runtimes[state.listenerIndex];
      if (runtime.material?.crls && state.peerDer && !state.certificateRefusal) {
        try {
          const revoked = runtime.leafRevocation(state.peerDer, state.issuerDer);
          if (revoked) state.certificateRefusal = revoked;
        } catch (error) {
          state.certificateRefusal = { reason: (error as Error).message, problem: 'CLIENT_CERT_REJECTED' };
        }
      }
      states.set(conn, state);
      const closed = () => {
        if (state.clientId !== undefined || state.refusalLogged) return;
        state.refusalLogged = true;
        const refusal = state.certificateRefusal;
        emit({
          ...connectionFields(state),
          kind: refusal ? 'refused' : 'disconnected',
          level: refusal ? 'warning' : 'info',
          message: refusal
            ? `refused ${from(state)} on ${state.listenerUrl}: ${refusal.reason} (the client closed before sending CONNECT)${tlsText(state)}`
            : `closed ${from(state)} on ${state.listenerUrl} before any MQTT CONNECT${tlsText(state)}`,
          reason: refusal?.reason ?? 'closed before CONNECT',
          ...(refusal ? { problem: refusal.problem } : {}),
        });
      };
      conn.once('close', closed);
      // (a connection handed over after its certificate's full parse may have closed meanwhile)
      if (conn.destroyed) closed();
      aedes.handle(conn, req);
    },
  };

  runtimes = conf.listeners.map(
    (listener, index) =>
      new ListenerRuntime(
        index,
        listener,
        baseDir,
        scopes[index],
        hooks,
        locate(conf, settingPath(index)),
        options.defaultBind ?? 'any',
      ),
  );
  const started: ListenerRuntime[] = [];
  for (const runtime of runtimes) {
    try {
      await runtime.listen();
      started.push(runtime);
    } catch (error) {
      await Promise.all(started.map((r) => r.close()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      const where = locate(conf, settingPath(runtime.index));
      throw new UserError(
        `${where.label}: listener ${runtime.settings.port}: ${(error as Error).message}`,
        'BROKER_START',
        {
          file: where.file,
          line: where.line,
        },
      );
    }
  }
  for (const runtime of runtimes) {
    const status = runtime.status();
    emit({
      kind: 'listening',
      level: 'info',
      message: `listening ${status.url} (${status.tls})`,
      listener: status.url,
    });
  }

  const bridges = new BridgeSet(
    preparedBridges,
    aedesLocalSide(aedes),
    {
      log: (entry) =>
        emit({
          kind: 'bridge',
          level: entry.level,
          message: entry.message,
          bridge: entry.bridge,
          ...(entry.problem ? { problem: entry.problem.code, reason: entry.problem.message } : {}),
          ...(entry.file ? { file: entry.file } : {}),
          ...(entry.line !== undefined ? { line: entry.line } : {}),
        }),
      changed: (status) => options.onBridgeChange?.(status),
      watch: options.watchFiles !== false,
      ...(options.bridgeConnectTimeoutMs
        ? { timing: { connectTimeoutMs: options.bridgeConnectTimeoutMs } }
        : {}),
    },
    conf.source?.file,
  );
  bridges.startAll();

  const watcher = new FileWatcher(150, (error) =>
    emit({ kind: 'error', level: 'warning', message: `file watching failed: ${error.message}` }),
  );
  if (options.watchFiles !== false) watchFiles();

  function watchFiles(): void {
    for (const runtime of runtimes) {
      for (const file of runtime.material?.files ?? [])
        watcher.add(file, () => reloadListener(runtime, file));
      const folder = runtime.material?.folder;
      if (folder) watcher.add(folder, () => reloadListener(runtime, folder), true);
    }
    const seen = new Set<SecurityScope>();
    for (const scope of scopes) {
      if (seen.has(scope)) continue;
      seen.add(scope);
      for (const entry of scope.files())
        watcher.add(entry.path, () => reloadScopeFile(entry.path, entry.what, entry.reload));
    }
  }

  function reloadListener(runtime: ListenerRuntime, file: string): void {
    try {
      runtime.reloadTls();
    } catch (error) {
      emit({
        kind: 'error',
        level: 'error',
        message: `${file} changed but cannot be used, ${runtime.url} keeps the previous certificates: ${(error as Error).message}`,
        listener: runtime.url,
        file,
      });
      return;
    }
    emit({
      kind: 'reloaded',
      level: 'info',
      message: `${file} changed: ${runtime.url} reloaded its certificate, key, CA and CRL files (Mosquitto would need a restart)`,
      listener: runtime.url,
      file,
    });
    if (!runtime.material?.crls) return;
    for (const client of Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)) {
      const state = stateOf(client);
      if (!state || state.listenerIndex !== runtime.index || !state.peerDer) continue;
      let revoked;
      try {
        revoked = runtime.leafRevocation(state.peerDer, state.issuerDer);
      } catch {
        continue;
      }
      if (!revoked) continue;
      state.closeReason = `${revoked.reason} (found in the reloaded CRL)`;
      client.close();
    }
  }

  function reloadScopeFile(file: string, what: string, reload: () => void): void {
    try {
      reload();
      emit({ kind: 'reloaded', level: 'info', message: `${what} ${file} reloaded`, file });
    } catch (error) {
      emit({
        kind: 'error',
        level: 'error',
        message: `${what} ${file} changed but cannot be used, the previous one stays in force: ${(error as Error).message}`,
        file,
      });
    }
  }

  let stopped = false;
  let stopping: Promise<void> | undefined;
  return {
    listeners: runtimes.map((r) => r.status()),
    warnings,
    clients() {
      const out: ConnectedClient[] = [];
      for (const client of Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)) {
        const state = stateOf(client);
        if (!state || !state.connectedAt) continue;
        const entry: ConnectedClient = {
          clientId: client.id,
          authenticatedBy: sessions.get(state)?.authenticatedBy ?? 'accepted',
          listener: state.listenerUrl,
          remoteAddress: state.remoteAddress,
          connectedAt: state.connectedAt.toISOString(),
        };
        if (state.username !== undefined) entry.username = state.username;
        if (state.protocolVersion !== undefined) entry.protocolVersion = state.protocolVersion;
        if (state.remotePort !== undefined) entry.remotePort = state.remotePort;
        if (state.tls) entry.tls = state.tls;
        if (state.clientCertificate) entry.clientCertificate = state.clientCertificate;
        out.push(entry);
      }
      return out;
    },
    events: () => log.recent(),
    bridges: () => bridges.list(),
    startBridge(name) {
      const runner = bridges.get(name);
      if (!runner) return false;
      runner.start();
      return true;
    },
    async stopBridge(name) {
      const runner = bridges.get(name);
      if (!runner) return false;
      await runner.stop('stopped by the user');
      return true;
    },
    get stopped() {
      return stopped;
    },
    get reasonStrings() {
      return reasonStrings;
    },
    set reasonStrings(on: boolean) {
      reasonStrings = on;
    },
    stop() {
      stopping ??= (async () => {
        watcher.close();
        await bridges.close();
        await Promise.all(runtimes.map((r) => r.close()));
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        stopped = true;
        emit({ kind: 'stopped', level: 'info', message: 'broker stopped' });
      })();
      return stopping;
    },
  };
}
