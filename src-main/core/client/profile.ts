import { isAbsolute } from 'node:path';
import { UserError } from '../user-error.js';
import { encodePayload, PAYLOAD_FORMATS, type PayloadFormat } from './payload.js';
import { checkTopicName } from './topic.js';

export const SCHEMES = ['mqtt', 'mqtts', 'ws', 'wss'] as const;
export type Scheme = (typeof SCHEMES)[number];
export const PROTOCOLS = ['3.1.1', '5.0'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];
export type QoS = 0 | 1 | 2;

/** Which CAs we trust for the server's certificate. */
export type TrustSource =
  /** Node's bundled Mozilla roots (plus the OS store where the runtime offers it). */
  | { kind: 'system' }
  /** A CA of the workspace, by name: its chain up to the root is trusted. */
  | { kind: 'workspace'; ca: string }
  /** A PEM (or DER) file of one or more CA certificates. */
  | { kind: 'file'; path: string };

/** Which certificate we present to the broker. */
export type ClientCertificateSource =
  | { kind: 'none' }
  /** A certificate of the workspace with its key, by name; its intermediates are sent along. */
  | { kind: 'workspace'; name: string }
  /** PEM/DER certificate (optionally with chain) and key files; the key may be encrypted. */
  | { kind: 'files'; certPath: string; keyPath: string; passphrase?: string }
  /** A PKCS#12 (.p12/.pfx) file holding key, certificate and chain. */
  | { kind: 'pkcs12'; path: string; passphrase?: string };

export interface TlsSettings {
  trust: TrustSource;
  clientCert: ClientCertificateSource;
  /** SNI override: the name sent in the handshake and checked against the server's certificate. */
  servername?: string;
  /** ALPN protocols offered, in order (e.g. ["mqtt"]). */
  alpn?: string[];
  /** Check the server's certificate (off: connect anyway and report what failed). */
  verifyServer: boolean;
  /** Keep the key/PKCS#12 passphrase in profiles.json (off by default: asked at connect). */
  savePassphrase: boolean;
  /**
   * Append the TLS session secrets (NSS key log format, for Wireshark) to this absolute path, mode 0600.
   * Off when absent. Kept in profiles.json only with `saveKeyLogFile`; else given at connect.
   */
  keyLogFile?: string;
  /** Keep `keyLogFile` in profiles.json (off by default). */
  saveKeyLogFile: boolean;
}

export interface WillSettings {
  topic: string;
  payload: string;
  format: PayloadFormat;
  qos: QoS;
  retain: boolean;
  /** MQTT 5 only. */
  delayInterval?: number;
  messageExpiryInterval?: number;
  contentType?: string;
}

export interface ConnectionProfile {
  /** Unique name; the key in profiles.json. */
  name: string;
  /** mqtt://, mqtts://, ws:// or wss:// URL with host and port (ws/wss may carry a path). */
  url: string;
  protocol: ProtocolName;
  /** Empty: a random id is chosen at each connect. */
  clientId: string;
  username?: string;
  password?: string;
  /** Keep the password in profiles.json (off by default: asked at connect). */
  savePassword: boolean;
  /** Clean session (3.1.1) / clean start (5.0). */
  clean: boolean;
  /** Seconds; 0 turns keepalive off. */
  keepalive: number;
  /** Seconds to wait for the TCP, TLS and MQTT handshakes together. */
  connectTimeout: number;
  /** MQTT 5 session expiry interval in seconds. */
  sessionExpiry?: number;
  will?: WillSettings;
  /** Used for mqtts:// and wss://; ignored for plain URLs. */
  tls: TlsSettings;
  /** How many received messages the log keeps (oldest dropped first). */
  logSize: number;
  /**
   * Seconds between attempts to reconnect after an unexpected drop; 0 (the default) turns automatic
   * reconnect off. A refused CONNECT or a TLS failure never starts or continues the retries.
   */
  reconnectPeriod: number;
}

export const DEFAULT_LOG_SIZE = 10_000;
export const MAX_LOG_SIZE = 1_000_000;
export const MAX_RECONNECT_PERIOD = 3600;
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,63}$/u;

export function defaultPort(scheme: Scheme): number {
  return { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 }[scheme];
}

export function isSecure(scheme: Scheme): boolean {
  return scheme === 'mqtts' || scheme === 'wss';
}

export interface ParsedUrl {
  scheme: Scheme;
  host: string;
  port: number;
  path: string;
}

function fail(field: string, message: string): never {
  throw new UserError(`profile field "${field}": ${message}`, 'BAD_PROFILE', { field });
}

export function parseBrokerUrl(text: string, field = 'url'): ParsedUrl {
  if (typeof text !== 'string' || text.trim() === '')
    fail(field, 'give the broker URL, e.g. mqtts://localhost:8883');
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    fail(field, `"${text}" is not a URL (e.g. mqtts://localhost:8883)`);
  }
  const scheme = url.protocol.replace(/:$/, '') as Scheme;
  if (!SCHEMES.includes(scheme)) {
    fail(field, `scheme "${scheme}" is not one of ${SCHEMES.map((s) => s + '://').join(', ')}`);
  }
  if (!url.hostname) fail(field, `"${text}" has no host`);
  if (url.username || url.password)
    fail(field, 'put the username and password in their own fields, not in the URL');
  const port = url.port ? Number(url.port) : defaultPort(scheme);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const path = scheme === 'ws' || scheme === 'wss' ? `${url.pathname || '/'}${url.search}` : '';
  if (!(scheme === 'ws' || scheme === 'wss') && url.pathname && url.pathname !== '/') {
    fail(field, `an ${scheme}:// URL has no path ("${url.pathname}")`);
  }
  return { scheme, host, port, path };
}

type Input = Record<string, unknown>;

function objectAt(value: unknown, field: string): Input {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail(field, 'must be an object');
  return value as Input;
}

function stringAt(value: unknown, field: string, fallback?: string): string {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    fail(field, 'is required');
  }
  if (typeof value !== 'string') fail(field, 'must be text');
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return stringAt(value, field);
}

function boolAt(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') fail(field, 'must be true or false');
  return value;
}

function intAt(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    fail(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return n;
}

function optionalInt(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return intAt(value, field, 0, min, max);
}

export function qosAt(value: unknown, field: string, fallback: QoS = 0): QoS {
  return intAt(value, field, fallback, 0, 2) as QoS;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(field, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

function trustAt(value: unknown): TrustSource {
  const input = objectAt(value, 'tls.trust');
  const kind = oneOf(input.kind, 'tls.trust.kind', ['system', 'workspace', 'file'], 'system');
  if (kind === 'workspace') {
    const ca = stringAt(input.ca, 'tls.trust.ca', '');
    if (!ca) fail('tls.trust.ca', 'name the workspace CA to trust');
    return { kind, ca };
  }
  if (kind === 'file') {
    const path = stringAt(input.path, 'tls.trust.path', '');
    if (!path) fail('tls.trust.path', 'give the CA file to trust');
    return { kind, path };
  }
  return { kind: 'system' };
}

function clientCertAt(value: unknown): ClientCertificateSource {
  const input = objectAt(value, 'tls.clientCert');
  const kind = oneOf(input.kind, 'tls.clientCert.kind', ['none', 'workspace', 'files', 'pkcs12'], 'none');
  const passphrase = optionalString(input.passphrase, 'tls.clientCert.passphrase');
  if (kind === 'workspace') {
    const name = stringAt(input.name, 'tls.clientCert.name', '');
    if (!name) fail('tls.clientCert.name', 'name the workspace certificate to present');
    return { kind, name };
  }
  if (kind === 'files') {
    const certPath = stringAt(input.certPath, 'tls.clientCert.certPath', '');
    if (!certPath) fail('tls.clientCert.certPath', 'give the client certificate file');
    const keyPath = stringAt(input.keyPath, 'tls.clientCert.keyPath', '');
    if (!keyPath) fail('tls.clientCert.keyPath', 'give the private key file');
    return { kind, certPath, keyPath, ...(passphrase !== undefined ? { passphrase } : {}) };
  }
  if (kind === 'pkcs12') {
    const path = stringAt(input.path, 'tls.clientCert.path', '');
    if (!path) fail('tls.clientCert.path', 'give the PKCS#12 (.p12/.pfx) file');
    return { kind, path, ...(passphrase !== undefined ? { passphrase } : {}) };
  }
  return { kind: 'none' };
}

function tlsAt(value: unknown): TlsSettings {
  const input = objectAt(value, 'tls');
  const servername = optionalString(input.servername, 'tls.servername')?.trim();
  if (servername !== undefined && !/^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(servername)) {
    fail('tls.servername', `"${servername}" is not a DNS name (SNI carries host names, not IP addresses)`);
  }
  if (servername !== undefined && /^[\d.]+$/.test(servername)) {
    fail('tls.servername', `"${servername}" is an IP address; SNI carries host names only`);
  }
  let alpn: string[] | undefined;
  if (input.alpn !== undefined && input.alpn !== null && input.alpn !== '') {
    const list = typeof input.alpn === 'string' ? input.alpn.split(',') : input.alpn;
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string')) {
      fail('tls.alpn', 'must be a list of protocol names, e.g. ["mqtt"]');
    }
    alpn = (list as string[]).map((p) => p.trim()).filter((p) => p !== '');
    for (const p of alpn) {
      if (Buffer.byteLength(p) > 255) fail('tls.alpn', `"${p.slice(0, 20)}…" is longer than 255 bytes`);
    }
    if (alpn.length === 0) alpn = undefined;
  }
  const keyLogFile = optionalString(input.keyLogFile, 'tls.keyLogFile')?.trim();
  if (keyLogFile !== undefined && !isAbsolute(keyLogFile)) {
    fail('tls.keyLogFile', `"${keyLogFile}" is not an absolute path: say exactly where the key log goes`);
  }
  return {
    trust: trustAt(input.trust),
    clientCert: clientCertAt(input.clientCert),
    ...(servername !== undefined ? { servername } : {}),
    ...(alpn ? { alpn } : {}),
    verifyServer: boolAt(input.verifyServer, 'tls.verifyServer', true),
    savePassphrase: boolAt(input.savePassphrase, 'tls.savePassphrase', false),
    ...(keyLogFile ? { keyLogFile } : {}),
    saveKeyLogFile: boolAt(input.saveKeyLogFile, 'tls.saveKeyLogFile', false),
  };
}

function willAt(value: unknown, protocol: ProtocolName): WillSettings | undefined {
  if (value === undefined || value === null) return undefined;
  const input = objectAt(value, 'will');
  const topic = stringAt(input.topic, 'will.topic', '');
  if (topic === '') return undefined;
  checkTopicName(topic, 'will.topic');
  const format = oneOf(input.format, 'will.format', PAYLOAD_FORMATS, 'text');
  const payload = stringAt(input.payload, 'will.payload', '');
  encodePayload(payload, format, 'will.payload');
  const will: WillSettings = {
    topic,
    payload,
    format,
    qos: qosAt(input.qos, 'will.qos'),
    retain: boolAt(input.retain, 'will.retain', false),
  };
  const v5only = ['delayInterval', 'messageExpiryInterval', 'contentType'].filter(
    (k) => input[k] !== undefined && input[k] !== null && input[k] !== '',
  );
  if (v5only.length > 0 && protocol !== '5.0')
    fail(`will.${v5only[0]}`, 'is an MQTT 5 property; choose protocol 5.0');
  const delay = optionalInt(input.delayInterval, 'will.delayInterval', 0, 0xffffffff);
  const expiry = optionalInt(input.messageExpiryInterval, 'will.messageExpiryInterval', 0, 0xffffffff);
  const contentType = optionalString(input.contentType, 'will.contentType');
  if (delay !== undefined) will.delayInterval = delay;
  if (expiry !== undefined) will.messageExpiryInterval = expiry;
  if (contentType !== undefined) will.contentType = contentType;
  return will;
}

/**
 * Check a profile as the api or the UI sends it (any JSON) and fill the defaults. Throws one
 * UserError naming the first bad field.
 */
export function validateProfile(value: unknown): ConnectionProfile {
  const input = objectAt(value, 'profile');
  const name = stringAt(input.name, 'name', '').trim();
  if (!name) fail('name', 'give the connection a name, e.g. device-1');
  if (!NAME_PATTERN.test(name)) {
    fail(
      'name',
      `"${name}" must start with a letter or digit and use at most 64 letters, digits, spaces or . _ @ -`,
    );
  }
  const url = stringAt(input.url, 'url', '').trim();
  parseBrokerUrl(url);
  const protocol = oneOf(input.protocol, 'protocol', PROTOCOLS, '3.1.1');
  const clientId = stringAt(input.clientId, 'clientId', '');
  if (Buffer.byteLength(clientId) > 65535) fail('clientId', 'is longer than 65535 bytes');
  const clean = boolAt(input.clean, 'clean', true);
  const username = optionalString(input.username, 'username');
  const password = optionalString(input.password, 'password');
  if (password !== undefined && username === undefined && protocol === '3.1.1') {
    fail('password', 'MQTT 3.1.1 sends a password only with a username; fill in the username');
  }
  const sessionExpiry = optionalInt(input.sessionExpiry, 'sessionExpiry', 0, 0xffffffff);
  if (sessionExpiry !== undefined && protocol !== '5.0')
    fail('sessionExpiry', 'is an MQTT 5 setting; choose 5.0');
  const profile: ConnectionProfile = {
    name,
    url,
    protocol,
    clientId,
    savePassword: boolAt(input.savePassword, 'savePassword', false),
    clean,
    keepalive: intAt(input.keepalive, 'keepalive', 60, 0, 65535),
    connectTimeout: intAt(input.connectTimeout, 'connectTimeout', 10, 1, 300),
    tls: tlsAt(input.tls),
    logSize: intAt(input.logSize, 'logSize', DEFAULT_LOG_SIZE, 10, MAX_LOG_SIZE),
    reconnectPeriod: intAt(input.reconnectPeriod, 'reconnectPeriod', 0, 0, MAX_RECONNECT_PERIOD),
  };
  if (username !== undefined) profile.username = username;
  if (password !== undefined) profile.password = password;
  if (sessionExpiry !== undefined) profile.sessionExpiry = sessionExpiry;
  const will = willAt(input.will, protocol);
  if (will) profile.will = will;
  return profile;
}

/** The profile as it may be written to disk: secrets removed unless the user asked to keep them. */
export function storableProfile(profile: ConnectionProfile): ConnectionProfile {
  const copy: ConnectionProfile = structuredClone(profile);
  if (!copy.savePassword) delete copy.password;
  const cert = copy.tls.clientCert;
  if (!copy.tls.savePassphrase && (cert.kind === 'files' || cert.kind === 'pkcs12')) delete cert.passphrase;
  if (!copy.tls.saveKeyLogFile) delete copy.tls.keyLogFile;
  return copy;
}

/** Does the stored form hold a secret (so the file must be private)? */
export function holdsSecret(profile: ConnectionProfile): boolean {
  const cert = profile.tls.clientCert;
  return (
    profile.password !== undefined ||
    ((cert.kind === 'files' || cert.kind === 'pkcs12') && cert.passphrase !== undefined)
  );
}
