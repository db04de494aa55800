import { hostname } from 'node:os';
import { locate, type BridgeSettings, type ConfLocation, type MosquittoConf } from '../../conf/index.js';
import { UserError } from '../../user-error.js';
import { parseTopicLine, TopicLineError, type BridgeTopic } from './topic-map.js';

/** One `address` entry: host and port (Mosquitto's default port is 1883, with or without TLS). */
export interface BridgeAddress {
  host: string;
  port: number;
}

export type StartType = 'automatic' | 'lazy' | 'once';

/** A bridge section with Mosquitto 2.0.11's defaults filled in, ready to run. */
export interface ResolvedBridge {
  name: string;
  /** Index of the section in the conf (for locating errors). */
  index: number;
  addresses: BridgeAddress[];
  topics: BridgeTopic[];
  remoteClientId: string;
  localClientId: string;
  remoteUsername?: string;
  remotePassword?: string;
  cleanSession: boolean;
  keepalive: number;
  protocol: 3 | 4 | 5;
  tryPrivate: boolean;
  notifications: boolean;
  notificationTopic: string;
  notificationsLocalOnly: boolean;
  roundRobin: boolean;
  startType: StartType;
  idleTimeout: number;
  threshold: number;
  /** Seconds: constant when `cap` is undefined, else decorrelated-jitter backoff from base up to cap. */
  restart: { base: number; cap?: number };
  attemptUnsubscribe: boolean;
  maxPacketSize: number;
  outgoingRetain: boolean;
  /** The TLS-relevant settings as written (paths relative to the conf's folder). */
  tls: Pick<
    BridgeSettings,
    'cafile' | 'capath' | 'certfile' | 'keyfile' | 'insecure' | 'tlsVersion' | 'alpn' | 'psk' | 'identity'
  >;
  /** The folder relative file paths are read from. */
  baseDir: string;
  /** Where the section starts, e.g. `mosquitto.conf:42`. */
  where: ConfLocation;
}

/** Messages Mosquitto keeps for one client while it is away (its `max_queued_messages` default). */
export const MAX_QUEUED_MESSAGES = 1000;

/** Where a bridge setting is written, falling back to the `connection` line. */
export function locateBridge(conf: MosquittoConf, index: number, field?: string): ConfLocation {
  const own = field ? locate(conf, `bridges[${index}].${field}`) : undefined;
  if (own?.line !== undefined) return own;
  return locate(conf, `bridges[${index}]`);
}

function refuse(conf: MosquittoConf, index: number, field: string | undefined, message: string): never {
  const where = locateBridge(conf, index, field);
  throw new UserError(`${where.label}: bridge "${conf.bridges[index]?.name}": ${message}`, 'BAD_BRIDGE', {
    ...(where.file ? { file: where.file } : {}),
    ...(where.line !== undefined ? { line: where.line } : {}),
    field: `bridges[${index}]${field ? `.${field}` : ''}`,
  });
}

function parseAddress(text: string): BridgeAddress {
  // `host:port`, `[v6]:port`, or a bare host (port 1883).
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 1883 };
  const colon = text.lastIndexOf(':');
  if (colon > 0 && text.indexOf(':') === colon)
    return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
  return { host: text, port: 1883 };
}

/** Fill in Mosquitto's defaults and check what the parser leaves to the runtime (topic lines). */
export function resolveBridge(conf: MosquittoConf, index: number, baseDir: string): ResolvedBridge {
  const b = conf.bridges[index]!;
  const topics = b.topics.map((line, i) => {
    try {
      return parseTopicLine(line);
    } catch (error) {
      if (error instanceof TopicLineError) refuse(conf, index, `topics[${i}]`, error.message);
      throw error;
    }
  });
  const remoteClientId = b.remoteClientId ?? `${hostname()}.${b.name}`;
  const protocol = b.protocolVersion === 'mqttv31' ? 3 : b.protocolVersion === 'mqttv50' ? 5 : 4;
  const resolved: ResolvedBridge = {
    name: b.name,
    index,
    addresses: b.addresses.map(parseAddress),
    topics,
    remoteClientId,
    localClientId: b.localClientId ?? `local.${remoteClientId}`,
    cleanSession: b.cleanSession ?? false,
    keepalive: b.keepaliveInterval ?? 60,
    protocol,
    tryPrivate: b.tryPrivate ?? true,
    notifications: b.notifications ?? true,
    notificationTopic: b.notificationTopic ?? `$SYS/broker/connection/${remoteClientId}/state`,
    notificationsLocalOnly: b.notificationsLocalOnly ?? false,
    roundRobin: b.roundRobin ?? false,
    startType: b.startType ?? 'automatic',
    idleTimeout: b.idleTimeout ?? 60,
    threshold: b.threshold ?? 10,
    restart: b.restartTimeout ?? { base: 5, cap: 30 },
    attemptUnsubscribe: b.attemptUnsubscribe ?? true,
    maxPacketSize: b.maxPacketSize ?? 0,
    outgoingRetain: b.outgoingRetain ?? true,
    tls: {
      cafile: b.cafile,
      capath: b.capath,
      certfile: b.certfile,
      keyfile: b.keyfile,
      insecure: b.insecure,
      tlsVersion: b.tlsVersion,
      alpn: b.alpn,
      psk: b.psk,
      identity: b.identity,
    },
    baseDir,
    where: locateBridge(conf, index),
  };
  if (b.remoteUsername !== undefined) resolved.remoteUsername = b.remoteUsername;
  if (b.remotePassword !== undefined) resolved.remotePassword = b.remotePassword;
  if (Boolean(b.certfile) !== Boolean(b.keyfile))
    refuse(
      conf,
      index,
      b.certfile ? 'certfile' : 'keyfile',
      'bridge_certfile and bridge_keyfile go together',
    );
  if ((b.certfile || b.insecure !== undefined || b.tlsVersion || b.alpn) && !b.cafile && !b.capath && !b.psk)
    refuse(
      conf,
      index,
      undefined,
      'TLS options need bridge_cafile or bridge_capath (Mosquitto needs one of them to use TLS)',
    );
  if (b.tlsVersion && !['tlsv1.1', 'tlsv1.2', 'tlsv1.3'].includes(b.tlsVersion))
    refuse(
      conf,
      index,
      'tlsVersion',
      `invalid bridge_tls_version "${b.tlsVersion}": use tlsv1.1, tlsv1.2 or tlsv1.3`,
    );
  if (b.psk && !/^[0-9a-fA-F]+$/.test(b.psk)) refuse(conf, index, 'psk', 'bridge_psk must be hexadecimal');
  return resolved;
}

/** True when the bridge talks TLS (certificates or PSK), as Mosquitto decides it. */
export function usesTls(bridge: ResolvedBridge): boolean {
  return Boolean(bridge.tls.cafile || bridge.tls.capath || bridge.tls.psk);
}
