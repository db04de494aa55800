/**
 * The model of a Mosquitto 2.x configuration (mosquitto.conf) as the broker, the export and the UI use it.
 * One model serves a conf file and the workspace's broker settings alike: `source` says where each
 * setting was written when the model came from a file, so every error can name the line.
 */

import type { BrokerLimits } from './limits.js';

export type ListenerProtocol = 'mqtt' | 'websockets';

/** `tls_version` values Mosquitto 2.0.11 accepts; each is a minimum. */
export const TLS_VERSIONS = ['tlsv1.1', 'tlsv1.2', 'tlsv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/**
 * Authentication and access settings. Global unless `per_listener_settings true`, in which case each
 * listener has its own (Mosquitto's rule).
 */
export interface SecuritySettings {
  /** Undefined means Mosquitto 2.x's default: false. */
  allowAnonymous?: boolean;
  passwordFile?: string;
  aclFile?: string;
  pskFile?: string;
  /** `allow_zero_length_clientid` (default true): a client may connect without a client id and get one. */
  allowZeroLengthClientid?: boolean;
  /** `auto_id_prefix` (default `auto-`): the start of the client ids the broker assigns. */
  autoIdPrefix?: string;
}

export interface ListenerSettings {
  port: number;
  /** Address or host to bind; undefined binds every interface, as Mosquitto does. */
  bindAddress?: string;
  protocol: ListenerProtocol;
  cafile?: string;
  capath?: string;
  certfile?: string;
  keyfile?: string;
  crlfile?: string;
  ciphers?: string;
  ciphersTls13?: string;
  tlsVersion?: TlsVersion;
  requireCertificate?: boolean;
  useIdentityAsUsername?: boolean;
  useSubjectAsUsername?: boolean;
  pskHint?: string;
  /**
   * OpenSSL engine options (`tls_engine`, `tls_keyform`, `tls_engine_kpass_sha1`): Mosquitto's, for a key
   * held in a hardware module. Kept for export; the local broker (Node's OpenSSL, no engines) ignores them.
   */
  tlsEngine?: string;
  tlsKeyform?: 'pem' | 'engine';
  tlsEngineKpassSha1?: string;
  /** Used only when the configuration has `perListenerSettings`. */
  security?: SecuritySettings;
}

/** A bridge section (`connection NAME` and the lines after it); the local broker runs it (core/broker/bridge). */
export interface BridgeSettings {
  name: string;
  /** `host[:port]` entries of the `address` line. */
  addresses: string[];
  /** The text after each `topic` keyword, e.g. `sensors/# out 1`. */
  topics: string[];
  cafile?: string;
  capath?: string;
  certfile?: string;
  keyfile?: string;
  insecure?: boolean;
  tlsVersion?: string;
  alpn?: string;
  psk?: string;
  identity?: string;
  remoteUsername?: string;
  remotePassword?: string;
  remoteClientId?: string;
  cleanSession?: boolean;
  keepaliveInterval?: number;
  protocolVersion?: 'mqttv31' | 'mqttv311' | 'mqttv50';
  /** `notifications` (default true): publish 1/0 on the notification topic. */
  notifications?: boolean;
  notificationTopic?: string;
  notificationsLocalOnly?: boolean;
  /** `round_robin` (default false): with several addresses, keep the one that worked instead of going back to the first. */
  roundRobin?: boolean;
  startType?: 'automatic' | 'lazy' | 'once';
  /** `idle_timeout` seconds (lazy bridges, default 60). */
  idleTimeout?: number;
  /** `threshold` queued messages that start a lazy bridge (default 10). */
  threshold?: number;
  /** `restart_timeout CONSTANT` or `restart_timeout BASE CAP` (seconds). */
  restartTimeout?: { base: number; cap?: number };
  /** `try_private` (default true). */
  tryPrivate?: boolean;
  localClientId?: string;
  localUsername?: string;
  localPassword?: string;
  /** `bridge_attempt_unsubscribe` (default true). */
  attemptUnsubscribe?: boolean;
  /** `bridge_max_packet_size` bytes (0 or unset: no limit). */
  maxPacketSize?: number;
  /** `bridge_outgoing_retain` (default true). */
  outgoingRetain?: boolean;
}

/** Something the parser accepted but wants the user to know: an ignored option, or a Mosquitto trap. */
export interface ConfNotice {
  level: 'info' | 'warning';
  message: string;
  file?: string;
  line?: number;
}

export interface ConfSource {
  file: string;
  /** Where each setting was written: a setting path (see `settingPath`) → 1-based line. */
  lines: Record<string, number>;
  /** For settings written in a file read by `include_dir`: that file (others are in `file`). */
  files?: Record<string, string>;
}

export interface MosquittoConf {
  perListenerSettings: boolean;
  /** The global security settings (used when `perListenerSettings` is false). */
  security: SecuritySettings;
  listeners: ListenerSettings[];
  bridges: BridgeSettings[];
  /** `log_type` values in order (empty: Mosquitto's default). */
  logTypes: string[];
  /** `log_dest` values in order, e.g. `stdout`, `file /var/log/mosquitto.log`. */
  logDest: string[];
  /** Options accepted and ignored because they do not matter to a local broker, and Mosquitto traps worth a warning. */
  notices: ConfNotice[];
  /** Global tuning options (`max_packet_size`, `max_keepalive`, …); unset: Mosquitto's defaults. */
  limits?: BrokerLimits;
  source?: ConfSource;
}

export function emptyConf(): MosquittoConf {
  return {
    perListenerSettings: false,
    security: {},
    listeners: [],
    bridges: [],
    logTypes: [],
    logDest: [],
    notices: [],
  };
}

/** Path of a setting inside the model, used as the key of `ConfSource.lines`. */
export function settingPath(listenerIndex: number | undefined, field?: string): string {
  const base = listenerIndex === undefined ? '' : `listeners[${listenerIndex}]`;
  if (!field) return base;
  return base ? `${base}.${field}` : field;
}

/** True when a listener runs TLS with certificates: Mosquitto needs both certfile and keyfile. */
export function hasCertificateTls(listener: ListenerSettings): boolean {
  return Boolean(listener.certfile && listener.keyfile);
}

/** True when a listener runs TLS-PSK (Mosquitto: `psk_hint` enables it; mqtt protocol only). */
export function hasPskTls(listener: ListenerSettings): boolean {
  return Boolean(listener.pskHint) && listener.protocol === 'mqtt';
}

export function isTlsListener(listener: ListenerSettings): boolean {
  return hasCertificateTls(listener) || hasPskTls(listener);
}

/** The URL scheme a client uses for this listener. */
export function listenerScheme(listener: ListenerSettings): 'mqtt' | 'mqtts' | 'ws' | 'wss' {
  const tls = isTlsListener(listener);
  if (listener.protocol === 'websockets') return tls ? 'wss' : 'ws';
  return tls ? 'mqtts' : 'mqtt';
}

/** The security settings that apply to a listener under Mosquitto's `per_listener_settings` rule. */
export function effectiveSecurity(
  conf: Pick<MosquittoConf, 'perListenerSettings' | 'security'>,
  listener: ListenerSettings,
): SecuritySettings {
  return conf.perListenerSettings ? (listener.security ?? {}) : conf.security;
}

/** Path prefix of the security settings that apply to a listener (for locating errors). */
export function securityPath(conf: MosquittoConf, listenerIndex: number): string {
  return conf.perListenerSettings ? settingPath(listenerIndex, 'security') : 'security';
}
