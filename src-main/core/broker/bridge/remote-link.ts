import type { IClientOptions, IPublishPacket } from 'mqtt';
import {
  closedBeforeConnackProblem,
  explainConnectError,
  timeoutProblem,
  connectionLostProblem,
  SERVER_VERIFY_CODES,
  type ClientProblem,
  type FailureContext,
} from '../../client/connection-problem.js';
import { mqttLibrary } from '../../client/commonjs-libraries.js';
import { openStream, probePeerChain, type TransportFacts } from '../../client/transport.js';
import type { BridgeAddress, ResolvedBridge } from './bridge-settings.js';
import type { BridgeTls } from './bridge-tls.js';

/** A remote message as the bridge hands it to the local broker. */
export interface RemoteMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface LinkEvents {
  /**
   * A message from the remote. A returned promise holds reading from the remote until it settles: the
   * remote is slowed down by TCP flow control instead of growing our memory (backpressure).
   */
  message(message: RemoteMessage): void | Promise<void>;
  /** The connection ended after it was made; `problem` says why when it was not our own doing. */
  closed(problem: ClientProblem | undefined): void;
}

/** An open connection to the remote broker (CONNACK 0 received). */
export interface RemoteLink {
  readonly address: BridgeAddress;
  readonly tls?: { protocol?: string; cipher?: string };
  publish(
    topic: string,
    payload: Buffer,
    qos: 0 | 1 | 2,
    retain: boolean,
    done: (error?: Error) => void,
  ): void;
  subscribe(filter: string, qos: 0 | 1 | 2, done: (error?: Error) => void): void;
  unsubscribe(filter: string, done: (error?: Error) => void): void;
  /** Close on purpose (DISCONNECT unless `force`): no `closed` problem is reported. */
  close(force?: boolean): Promise<void>;
  /** Bytes sent but not yet written to the socket (for bounding the writer). */
  writableLength(): number;
}

/** A failed attempt: the problem explained, and whether the remote refused the try_private bit. */
export class LinkFailure extends Error {
  constructor(
    readonly problem: ClientProblem,
    readonly refusedVersion: boolean,
  ) {
    super(problem.message);
  }
}

export interface OpenLinkOptions {
  bridge: ResolvedBridge;
  address: BridgeAddress;
  tls?: BridgeTls;
  /** Set the MQTT 3.x "bridge" bit (protocol version | 0x80) in CONNECT. */
  tryPrivate: boolean;
  /** Deadline for TCP + TLS + CONNACK. */
  connectTimeoutMs: number;
  events: LinkEvents;
}

function mqttOptions(o: OpenLinkOptions): IClientOptions {
  const b = o.bridge;
  const options: IClientOptions = {
    protocolVersion: b.protocol,
    ...(b.protocol === 3 ? { protocolId: 'MQIsdp' as const } : {}),
    clientId: b.remoteClientId,
    clean: b.cleanSession,
    keepalive: b.keepalive,
    reconnectPeriod: 0,
    // Our own deadline (below) decides and explains; mqtt.js's only backs it up.
    connectTimeout: o.connectTimeoutMs + 1000,
    resubscribe: false,
    manualConnect: true,
    queueQoSZero: false,
  };
  if (b.remoteUsername !== undefined) options.username = b.remoteUsername;
  if (b.remotePassword !== undefined) options.password = b.remotePassword;
  if (b.notifications && !b.notificationsLocalOnly) {
    // Mosquitto's bridge will: '0', retained, on the notification topic.
    options.will = { topic: b.notificationTopic, payload: Buffer.from('0'), qos: 1, retain: true };
  }
  if (b.protocol === 5 && !b.cleanSession) {
    // A persistent session that outlives the connection, as Mosquitto asks for it.
    options.properties = { sessionExpiryInterval: 0xffffffff };
  }
  return options;
}

/**
 * Open one connection to the remote broker with mqtt.js: TCP or TLS per the bridge's settings, CONNECT
 * with the bridge's client id, credentials, will and (for MQTT 3.x with try_private) the bridge bit.
 * Resolves once CONNACK 0 arrives; rejects with a LinkFailure explained in the inspector's terms after
 * at most `connectTimeoutMs` (plus a short probe of the server's chain when verification failed).
 */
export function openLink(o: OpenLinkOptions): Promise<RemoteLink> {
  const { address } = o;
  const facts: TransportFacts = { secure: false, tlsEstablished: false };
  const secure = Boolean(o.tls);
  const url = {
    scheme: secure ? ('mqtts' as const) : ('mqtt' as const),
    host: address.host,
    port: address.port,
    path: '',
  };
  const client = new (mqttLibrary().MqttClient)(
    () => openStream({ url, tls: o.tls?.options ?? {}, handshakeTimeoutMs: o.connectTimeoutMs, facts }),
    mqttOptions(o),
  );
  if (o.tryPrivate && o.bridge.protocol !== 5) {
    // mqtt.js has no option for the bridge bit that mqtt-packet writes (`bridgeMode`): add it to CONNECT.
    const internal = client as unknown as {
      _writePacket: (packet: Record<string, unknown>, cb?: () => void) => void;
    };
    const write = internal._writePacket.bind(client);
    internal._writePacket = (packet, cb) => {
      if (packet.cmd === 'connect') packet.bridgeMode = true;
      write(packet, cb);
    };
  }
  const context = (connected: boolean): FailureContext => ({
    secure,
    host: address.host,
    port: address.port,
    ...(facts.servername ? { servername: facts.servername } : {}),
    protocol: o.bridge.protocol === 5 ? 5 : 4,
    sentClientCert: Boolean(o.tls?.sendsClientCertificate),
    trust: o.tls?.trust ?? 'none (plain MQTT)',
    tlsEstablished: facts.tlsEstablished,
    ...(facts.tlsProtocol ? { tlsProtocol: facts.tlsProtocol } : {}),
    ...(facts.peerChain ? { peerChain: facts.peerChain } : {}),
    connected,
  });

  return new Promise<RemoteLink>((resolve, reject) => {
    let settled = false;
    let closingOnPurpose = false;
    let explaining = false;
    const timer = setTimeout(() => {
      finish(
        new LinkFailure(timeoutProblem('connecting the bridge', o.connectTimeoutMs, context(false)), false),
      );
    }, o.connectTimeoutMs);
    const finish = (failure?: LinkFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (failure) {
        closingOnPurpose = true;
        client.removeAllListeners('message');
        client.end(true);
        reject(failure);
        return;
      }
      resolve(link);
    };
    const fail = (error: unknown) => {
      if (settled || explaining) return;
      explaining = true;
      void explain(error).then((problem) => {
        const code = (error as { code?: unknown })?.code;
        finish(new LinkFailure(problem, code === 1 || code === 0x84));
      });
    };
    const explain = async (error: unknown): Promise<ClientProblem> => {
      if (error === undefined) return closedBeforeConnackProblem(context(false));
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && SERVER_VERIFY_CODES.has(code) && !facts.peerChain?.length && o.tls) {
        facts.peerChain = await probePeerChain(url, o.tls.options, Math.min(3000, o.connectTimeoutMs));
      }
      return explainConnectError(error, context(false));
    };

    const link: RemoteLink = {
      address,
      get tls() {
        return facts.tlsEstablished ? { protocol: facts.tlsProtocol, cipher: facts.cipher } : undefined;
      },
      publish(topic, payload, qos, retain, done) {
        client.publish(topic, payload, { qos, retain }, (error) => done(error ?? undefined));
      },
      subscribe(filter, qos, done) {
        const options = o.bridge.protocol === 5 ? { qos, nl: true, rap: true, rh: 0 as const } : { qos };
        client.subscribe(filter, options, (error) => done(error ?? undefined));
      },
      unsubscribe(filter, done) {
        client.unsubscribe(filter, (error) => done(error ?? undefined));
      },
      close(force = false) {
        closingOnPurpose = true;
        return new Promise<void>((done) => {
          const hardStop = setTimeout(() => {
            client.end(true);
            done();
          }, 2000);
          client.end(force, () => {
            clearTimeout(hardStop);
            done();
          });
        });
      },
      writableLength() {
        const stream = (client as unknown as { stream?: { writableLength?: number } }).stream;
        return stream?.writableLength ?? 0;
      },
    };

    let lastError: unknown;
    let hold: Promise<void> | undefined;
    client.on('connect', () => finish());
    client.on('message', (topic, payload, packet: IPublishPacket) => {
      const wait = o.events.message({ topic, payload, qos: packet.qos, retain: packet.retain });
      if (wait) hold = wait;
    });
    // mqtt.js calls handleMessage right after emitting 'message' (every QoS) and parses the next packet
    // only after its callback: waiting here stops reading from the socket.
    client.handleMessage = (_packet, callback) => {
      const wait = hold;
      hold = undefined;
      if (!wait) return callback();
      wait.then(
        () => callback(),
        () => callback(),
      );
    };
    client.on('error', (error) => {
      if (!settled) fail(error);
      else lastError = error;
    });
    client.on('close', () => {
      if (!settled) {
        fail(facts.lastError);
        return;
      }
      if (closingOnPurpose) return;
      closingOnPurpose = true;
      client.removeAllListeners('message');
      client.end(true);
      const cause = lastError ?? facts.lastError;
      o.events.closed(
        cause ? explainConnectError(cause, context(true)) : connectionLostProblem(context(true)),
      );
    });
    client.connect();
  });
}
