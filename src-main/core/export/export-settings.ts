import { UserError } from '../user-error.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';

/**
 * The export's own part of the workspace: `export.json` (owned by export) keeps the choices the
 * Export view made last — path prefix and the broker host name for the client commands — and
 * the bridges, which exist only in production configs (the local broker does not bridge).
 */
export const EXPORT_SETTINGS_FILE = 'export.json';

export interface BridgeSettings {
  /** `connection NAME`: letters, digits, `.`, `-`, `_`. */
  name: string;
  /** `address HOST:PORT` of the central broker. */
  address: string;
  /** `topic` lines without the keyword, e.g. `sensors/# out 1`. */
  topics: string[];
  /** Workshop certificate (client profile) the bridge presents: bridge_certfile/keyfile. */
  certificate?: string;
  /** Workshop CA the central broker's certificate chains to: bridge_cafile (default: the root of `certificate`). */
  ca?: string;
  /** bridge_tls_version (Mosquitto's default is tlsv1.2). */
  tlsVersion?: 'tlsv1.2' | 'tlsv1.3';
  bridgeAlpn?: string;
  /** TLS-PSK instead of certificates: bridge_identity + bridge_psk (hex). */
  psk?: { identity: string; key: string };
  remoteClientId?: string;
  remoteUsername?: string;
  cleansession?: boolean;
}

export interface ExportSettings {
  /** Where the files live on the production host (the view's default: /etc/mosquitto). */
  pathPrefix?: string;
  /** Host name clients use in the ready commands (default: the server certificate's first DNS name). */
  host?: string;
  bridges: BridgeSettings[];
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
const HEX = /^[0-9a-fA-F]+$/;

function bad(field: string, message: string): never {
  throw new UserError(`${field}: ${message}`, 'BAD_EXPORT_SETTINGS', { field });
}

/** Check one bridge; a UserError names the field (`bridges[0].address`). */
export function validateBridge(bridge: BridgeSettings, field = 'bridge'): BridgeSettings {
  if (!NAME.test(bridge.name ?? ''))
    bad(`${field}.name`, `"${bridge.name}" is not a valid connection name (letters, digits, ".", "-", "_")`);
  if (!/^\S+:\d{1,5}$/.test(bridge.address ?? '') && !/^\S+$/.test(bridge.address ?? '')) {
    bad(`${field}.address`, 'expected HOST:PORT');
  }
  const port = Number(bridge.address.split(':').pop());
  if (bridge.address.includes(':') && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    bad(`${field}.address`, `"${bridge.address}" has no valid port`);
  }
  if (!Array.isArray(bridge.topics) || bridge.topics.length === 0)
    bad(`${field}.topics`, 'at least one topic line is needed');
  bridge.topics.forEach((t, i) => {
    const words = t.trim().split(/\s+/);
    if (t.includes('\n') || words[0] === '' || words.length > 5)
      bad(`${field}.topics[${i}]`, `"${t}" is not a topic line (PATTERN [in|out|both [QOS [LOCAL REMOTE]]])`);
    if (words[1] !== undefined && !['in', 'out', 'both'].includes(words[1])) {
      bad(`${field}.topics[${i}]`, `direction must be in, out or both, not "${words[1]}"`);
    }
    if (words[2] !== undefined && !['0', '1', '2'].includes(words[2]))
      bad(`${field}.topics[${i}]`, `QoS must be 0, 1 or 2, not "${words[2]}"`);
  });
  if (bridge.psk && (bridge.certificate || bridge.ca)) {
    bad(`${field}.psk`, 'a bridge uses either a PSK or certificates, not both (Mosquitto refuses both)');
  }
  if (bridge.psk) {
    if (!bridge.psk.identity || /\s/.test(bridge.psk.identity))
      bad(`${field}.psk.identity`, 'a PSK identity without spaces is required');
    if (!HEX.test(bridge.psk.key ?? '')) bad(`${field}.psk.key`, 'the PSK must be hexadecimal');
  }
  if (bridge.tlsVersion && !['tlsv1.2', 'tlsv1.3'].includes(bridge.tlsVersion)) {
    bad(`${field}.tlsVersion`, 'expected tlsv1.2 or tlsv1.3');
  }
  if (bridge.bridgeAlpn !== undefined && !/^[\x21-\x7e]+$/.test(bridge.bridgeAlpn))
    bad(`${field}.bridgeAlpn`, 'one protocol name without spaces');
  for (const key of ['remoteClientId', 'remoteUsername'] as const) {
    const v = bridge[key];
    if (v !== undefined && (v === '' || /\s/.test(v))) bad(`${field}.${key}`, 'no spaces allowed');
  }
  return bridge;
}

export function validateSettings(settings: ExportSettings, file = EXPORT_SETTINGS_FILE): ExportSettings {
  if (typeof settings !== 'object' || settings === null || !Array.isArray(settings.bridges)) {
    throw new UserError(`${file}: expected {"bridges": [...]}`, 'BAD_EXPORT_SETTINGS', { file });
  }
  const names = new Set<string>();
  settings.bridges.forEach((b, i) => {
    validateBridge(b, `bridges[${i}]`);
    if (names.has(b.name)) bad(`bridges[${i}].name`, `a bridge named "${b.name}" already exists`);
    names.add(b.name);
  });
  if (settings.pathPrefix !== undefined && !settings.pathPrefix.startsWith('/')) {
    bad(
      'pathPrefix',
      `"${settings.pathPrefix}" must be an absolute path (Mosquitto resolves relative paths from its working folder)`,
    );
  }
  if (settings.pathPrefix !== undefined && /\s/.test(settings.pathPrefix)) {
    bad('pathPrefix', `"${settings.pathPrefix}" contains a space; mosquitto.conf file paths cannot`);
  }
  if (settings.host !== undefined && !/^[A-Za-z0-9.:_-]+$/.test(settings.host)) {
    bad('host', `"${settings.host}" is not a host name or address`);
  }
  return settings;
}

export function readExportSettings(ws: Workspace): ExportSettings {
  const raw = ws.readJson<ExportSettings | undefined>(EXPORT_SETTINGS_FILE, undefined);
  if (raw === undefined) return { bridges: [] };
  return validateSettings(raw, ws.path(EXPORT_SETTINGS_FILE));
}

export function exportSettingsChange(settings: ExportSettings): WorkspaceChange {
  const secret = settings.bridges.some((b) => b.psk);
  return {
    path: EXPORT_SETTINGS_FILE,
    data: JSON.stringify(settings, null, 2) + '\n',
    ...(secret ? { secret: true } : {}),
  };
}

export function saveExportSettings(ws: Workspace, settings: ExportSettings): ExportSettings {
  validateSettings(settings);
  ws.commit([exportSettingsChange(settings)]);
  return settings;
}
