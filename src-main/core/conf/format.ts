import { UserError } from '../user-error.js';
import {
  effectiveSecurity,
  type BridgeSettings,
  type ListenerSettings,
  type MosquittoConf,
  type SecuritySettings,
} from './model.js';
import { LISTENER_KEYWORDS, SECURITY_KEYWORDS } from './options.js';
import { limitLines } from './limits.js';
import { FORM_LISTENER_FIELDS } from './settings-form.js';

export interface FormatOptions {
  /** Comment lines written at the top (without the leading `#`). */
  header?: string[];
}

/**
 * Write a model as mosquitto.conf text that Mosquitto 2.0.11 starts from unchanged and that
 * `parseMosquittoConf` reads back to the same model. Ignored options are not written.
 */
export function formatMosquittoConf(conf: MosquittoConf, options: FormatOptions = {}): string {
  const out: string[] = [];
  for (const line of options.header ?? []) out.push(line ? `# ${line}` : '#');
  if (out.length > 0) out.push('');

  const globals: string[] = [];
  if (conf.perListenerSettings) globals.push('per_listener_settings true');
  else globals.push(...securityLines(conf.security, 'security'));
  for (const type of conf.logTypes) globals.push(`log_type ${type}`);
  for (const dest of conf.logDest) globals.push(`log_dest ${value(dest, 'logDest')}`);
  globals.push(...limitLines(conf.limits));
  if (globals.length > 0) out.push(...globals, '');

  conf.listeners.forEach((listener, index) => {
    out.push(...listenerLines(conf, listener, index), '');
  });
  conf.bridges.forEach((bridge, index) => {
    out.push(...formatBridge(bridge, `bridges[${index}]`), '');
  });
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n') + '\n';
}

function value(text: string, field: string): string {
  if (/[\r\n]/.test(text)) {
    throw new UserError(`${field}: a mosquitto.conf value cannot contain a line break`, 'BAD_CONFIG', {
      field,
    });
  }
  const trimmed = text.trim();
  if (!trimmed) throw new UserError(`${field}: empty value`, 'BAD_CONFIG', { field });
  return trimmed;
}

function securityLines(security: SecuritySettings, path: string): string[] {
  const lines: string[] = [];
  if (security.allowAnonymous !== undefined) lines.push(`allow_anonymous ${security.allowAnonymous}`);
  for (const field of ['passwordFile', 'aclFile', 'pskFile'] as const) {
    const text = security[field];
    if (text !== undefined) lines.push(`${SECURITY_KEYWORDS[field]} ${value(text, `${path}.${field}`)}`);
  }
  if (security.allowZeroLengthClientid !== undefined)
    lines.push(`allow_zero_length_clientid ${security.allowZeroLengthClientid}`);
  if (security.autoIdPrefix !== undefined)
    lines.push(`auto_id_prefix ${value(security.autoIdPrefix, `${path}.autoIdPrefix`)}`);
  return lines;
}

/** The lines of one listener section (`listener PORT [ADDRESS]` and its options). */
export function formatListener(
  conf: Pick<MosquittoConf, 'perListenerSettings' | 'security'>,
  listener: ListenerSettings,
  index: number,
): string[] {
  return listenerLines(conf, listener, index);
}

function listenerLines(
  conf: Pick<MosquittoConf, 'perListenerSettings' | 'security'>,
  listener: ListenerSettings,
  index: number,
): string[] {
  const path = `listeners[${index}]`;
  if (!Number.isInteger(listener.port) || listener.port < 1 || listener.port > 65535) {
    throw new UserError(`${path}.port: ${listener.port} is not a port (1 to 65535)`, 'BAD_CONFIG', {
      field: `${path}.port`,
    });
  }
  const bind = listener.bindAddress ? ` ${value(listener.bindAddress, `${path}.bindAddress`)}` : '';
  const lines = [`listener ${listener.port}${bind}`];
  if (listener.protocol === 'websockets') lines.push('protocol websockets');
  for (const field of FORM_LISTENER_FIELDS) {
    const setting = listener[field];
    if (setting === undefined) continue;
    const keyword = LISTENER_KEYWORDS[field];
    if (typeof setting === 'boolean') lines.push(`${keyword} ${setting}`);
    else lines.push(`${keyword} ${value(String(setting), `${path}.${field}`)}`);
  }
  if (conf.perListenerSettings)
    lines.push(...securityLines(effectiveSecurity(conf, listener), `${path}.security`));
  return lines;
}

/**
 * The lines of one bridge section (`connection NAME` and its options). `path` names the bridge in a
 * refusal (a value with a line break, or an empty one).
 */
export function formatBridge(bridge: BridgeSettings, path = 'bridge'): string[] {
  const lines = [`connection ${value(bridge.name, `${path}.name`)}`];
  lines.push(`address ${bridge.addresses.map((a) => value(a, `${path}.addresses`)).join(' ')}`);
  for (const topic of bridge.topics) lines.push(`topic ${value(topic, `${path}.topics`)}`);
  const strings: Array<[keyof BridgeSettings, string]> = [
    ['cafile', 'bridge_cafile'],
    ['capath', 'bridge_capath'],
    ['certfile', 'bridge_certfile'],
    ['keyfile', 'bridge_keyfile'],
    ['tlsVersion', 'bridge_tls_version'],
    ['alpn', 'bridge_alpn'],
    ['identity', 'bridge_identity'],
    ['psk', 'bridge_psk'],
    ['remoteUsername', 'remote_username'],
    ['remotePassword', 'remote_password'],
    ['remoteClientId', 'remote_clientid'],
    ['protocolVersion', 'bridge_protocol_version'],
    ['localClientId', 'local_clientid'],
    ['localUsername', 'local_username'],
    ['localPassword', 'local_password'],
    ['notificationTopic', 'notification_topic'],
    ['startType', 'start_type'],
  ];
  for (const [field, keyword] of strings) {
    const setting = bridge[field];
    if (setting !== undefined) lines.push(`${keyword} ${value(String(setting), `${path}.${field}`)}`);
  }
  if (bridge.insecure !== undefined) lines.push(`bridge_insecure ${bridge.insecure}`);
  if (bridge.cleanSession !== undefined) lines.push(`cleansession ${bridge.cleanSession}`);
  if (bridge.keepaliveInterval !== undefined) lines.push(`keepalive_interval ${bridge.keepaliveInterval}`);
  const bools: Array<[keyof BridgeSettings, string]> = [
    ['notifications', 'notifications'],
    ['notificationsLocalOnly', 'notifications_local_only'],
    ['roundRobin', 'round_robin'],
    ['tryPrivate', 'try_private'],
    ['attemptUnsubscribe', 'bridge_attempt_unsubscribe'],
    ['outgoingRetain', 'bridge_outgoing_retain'],
  ];
  for (const [field, keyword] of bools) {
    if (bridge[field] !== undefined) lines.push(`${keyword} ${bridge[field] ? 'true' : 'false'}`);
  }
  if (bridge.restartTimeout !== undefined) {
    const { base, cap } = bridge.restartTimeout;
    lines.push(`restart_timeout ${base}${cap !== undefined ? ` ${cap}` : ''}`);
  }
  if (bridge.idleTimeout !== undefined) lines.push(`idle_timeout ${bridge.idleTimeout}`);
  if (bridge.threshold !== undefined) lines.push(`threshold ${bridge.threshold}`);
  if (bridge.maxPacketSize !== undefined) lines.push(`bridge_max_packet_size ${bridge.maxPacketSize}`);
  return lines;
}
