import type { ListenerSettings, SecuritySettings } from './model.js';

/** Listener options whose value is the rest of the line (a duplicate is an error, as in Mosquitto). */
export const LISTENER_STRING_OPTIONS = {
  cafile: 'cafile',
  capath: 'capath',
  certfile: 'certfile',
  keyfile: 'keyfile',
  crlfile: 'crlfile',
  ciphers: 'ciphers',
  'ciphers_tls1.3': 'ciphersTls13',
  psk_hint: 'pskHint',
  tls_engine: 'tlsEngine',
  tls_engine_kpass_sha1: 'tlsEngineKpassSha1',
} as const satisfies Record<string, keyof ListenerSettings>;

export const LISTENER_BOOL_OPTIONS = {
  require_certificate: 'requireCertificate',
  use_identity_as_username: 'useIdentityAsUsername',
  use_subject_as_username: 'useSubjectAsUsername',
} as const satisfies Record<string, keyof ListenerSettings>;

/** Security options: global, or per listener with `per_listener_settings true`. */
export const SECURITY_STRING_OPTIONS = {
  password_file: 'passwordFile',
  acl_file: 'aclFile',
  psk_file: 'pskFile',
  auto_id_prefix: 'autoIdPrefix',
} as const satisfies Record<string, keyof SecuritySettings>;

/** The inverse of a keyword → field table. */
function keywordsOf<F extends string>(table: Readonly<Record<string, F>>): Record<F, string> {
  return Object.fromEntries(Object.entries(table).map(([keyword, field]) => [field, keyword])) as Record<
    F,
    string
  >;
}

/** The conf keyword of each listener field, for messages and for the formatter. */
export const LISTENER_KEYWORDS: Partial<Record<keyof ListenerSettings, string>> = {
  ...keywordsOf(LISTENER_STRING_OPTIONS),
  tlsVersion: 'tls_version',
  tlsKeyform: 'tls_keyform',
  ...keywordsOf(LISTENER_BOOL_OPTIONS),
};

export const SECURITY_KEYWORDS: Record<keyof SecuritySettings, string> = {
  allowAnonymous: 'allow_anonymous',
  allowZeroLengthClientid: 'allow_zero_length_clientid',
  ...keywordsOf(SECURITY_STRING_OPTIONS),
};

/** Listener options that need TLS (certificates); on a plain listener Mosquitto silently ignores them. */
export const CERTIFICATE_TLS_FIELDS: Array<keyof ListenerSettings> = [
  'cafile',
  'capath',
  'crlfile',
  'requireCertificate',
  'tlsVersion',
  'ciphers',
  'ciphersTls13',
  'useIdentityAsUsername',
  'useSubjectAsUsername',
  'tlsEngine',
  'tlsKeyform',
  'tlsEngineKpassSha1',
];

/**
 * Listener options Mosquitto runs and the local broker cannot: kept in the file (and the export), each
 * with the reason it does not apply here.
 */
export const PRODUCTION_ONLY: Partial<Record<keyof ListenerSettings, string>> = {
  tlsEngine:
    "an OpenSSL engine (e.g. pkcs11 for a hardware key) is loaded by production Mosquitto only: the local broker uses Node's OpenSSL, which loads no engines",
  tlsKeyform:
    'with tls_keyform engine, keyfile names a key inside the engine, which only production Mosquitto can reach; the local broker reads keyfile as a PEM file',
  tlsEngineKpassSha1:
    "the SHA-1 of the engine key's password is handed to the engine by production Mosquitto only",
};

/** Options Mosquitto 2.0.11 silently ignores on websockets listeners (tried with Debian's build). */
export const NOT_FOR_WEBSOCKETS: Array<keyof ListenerSettings> = [
  'crlfile',
  'capath',
  'tlsVersion',
  'pskHint',
];

/** The mosquitto.conf keywords of NOT_FOR_WEBSOCKETS, in the same order. */
export const NOT_FOR_WEBSOCKETS_KEYWORDS: readonly string[] = NOT_FOR_WEBSOCKETS.map(
  (field) => LISTENER_KEYWORDS[field]!,
);

export const LOG_TYPES = [
  'none',
  'information',
  'notice',
  'warning',
  'error',
  'debug',
  'subscribe',
  'unsubscribe',
  'websockets',
  'all',
] as const;

export const LOG_DESTS = ['none', 'syslog', 'stdout', 'stderr', 'topic', 'dlt', 'file'] as const;

/** Options accepted and ignored: they change nothing a local development broker does. */
export const IGNORED_OPTIONS: Record<string, string> = {
  user: 'the local broker runs as the current user',
  pid_file: 'the local broker writes no pid file',
  persistence: 'the local broker keeps retained messages and sessions in memory only',
  persistence_file: 'the local broker keeps retained messages and sessions in memory only',
  persistence_location: 'the local broker keeps retained messages and sessions in memory only',
  autosave_interval: 'the local broker keeps retained messages and sessions in memory only',
  autosave_on_changes: 'the local broker keeps retained messages and sessions in memory only',
  persistent_client_expiration: 'the local broker keeps sessions in memory only',
  log_timestamp: 'the event log always has timestamps',
  log_timestamp_format: 'the event log always has timestamps',
  log_facility: 'the local broker does not log to syslog',
  connection_messages: 'the event log always records connections',
  sys_interval: 'the local broker does not publish Mosquitto $SYS statistics',
  set_tcp_nodelay: 'Node sets TCP_NODELAY on broker sockets',
  websockets_log_level: 'websockets are logged in the event log',
  store_clean_interval: 'Mosquitto 2.x ignores it too',
  retry_interval: 'Mosquitto 2.x ignores it too',
};

/** Bridge options (after a `connection` line) → field of BridgeSettings. */
export const BRIDGE_STRING_OPTIONS = {
  bridge_cafile: 'cafile',
  bridge_capath: 'capath',
  bridge_certfile: 'certfile',
  bridge_keyfile: 'keyfile',
  bridge_tls_version: 'tlsVersion',
  bridge_alpn: 'alpn',
  bridge_psk: 'psk',
  bridge_identity: 'identity',
  remote_username: 'remoteUsername',
  username: 'remoteUsername',
  remote_password: 'remotePassword',
  password: 'remotePassword',
  remote_clientid: 'remoteClientId',
  clientid: 'remoteClientId',
  notification_topic: 'notificationTopic',
  local_clientid: 'localClientId',
  local_username: 'localUsername',
  local_password: 'localPassword',
} as const;

export const BRIDGE_BOOL_OPTIONS = {
  bridge_insecure: 'insecure',
  cleansession: 'cleanSession',
  notifications: 'notifications',
  notifications_local_only: 'notificationsLocalOnly',
  round_robin: 'roundRobin',
  try_private: 'tryPrivate',
  bridge_attempt_unsubscribe: 'attemptUnsubscribe',
  bridge_outgoing_retain: 'outgoingRetain',
} as const;

/** Bridge options whose value is a whole number: keyword → [field, minimum, maximum]. */
export const BRIDGE_INT_OPTIONS = {
  keepalive_interval: ['keepaliveInterval', 1, 65535],
  idle_timeout: ['idleTimeout', 1, 2147483647],
  threshold: ['threshold', 1, 2147483647],
  bridge_max_packet_size: ['maxPacketSize', 0, 268435455],
} as const;

/**
 * Bridge options (of a `connection` section) that the model does not keep beyond the `bridge_*` ones in
 * KNOWN_UNSUPPORTED: none today (every other bridge option of Mosquitto 2.0.11 runs).
 */
export const UNSUPPORTED_BRIDGE_OPTIONS: ReadonlySet<string> = new Set<string>();

/** Other Mosquitto 2.0 options, known to Mosquitto but not supported by the local broker. */
export const KNOWN_UNSUPPORTED: ReadonlySet<string> = new Set([
  'port',
  'bind_address',
  'bind_interface',
  'socket_domain',
  'http_dir',
  'max_connections',
  'mount_point',
  'use_username_as_clientid',
  'auth_plugin',
  'plugin',
  'auth_plugin_deny_special_chars',
  'message_size_limit',
  'max_inflight_bytes',
  'max_queued_bytes',
  'memory_limit',
  'queue_qos0_messages',
  'retain_available',
  'upgrade_outgoing_qos',
  'allow_duplicate_messages',
  'check_retain_source',
  'clientid_prefixes',
  'dhparamfile',
  'retained_persistence',
  'websockets_headers_size',
  ...UNSUPPORTED_BRIDGE_OPTIONS,
  'bridge_bind_address',
  'bridge_receive_maximum',
  'bridge_session_expiry_interval',
  'bridge_require_ocsp',
  'bridge_reload_type',
]);

/** True for an option Mosquitto knows and the local broker does not run (plugin options included). */
export function isUnsupportedOption(keyword: string): boolean {
  return (
    KNOWN_UNSUPPORTED.has(keyword) || keyword.startsWith('auth_opt_') || keyword.startsWith('plugin_opt_')
  );
}
