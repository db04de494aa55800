import { bridgeSection } from '../../export/bridge-section.js';
import {
  exportSettingsChange,
  readExportSettings,
  validateSettings,
  type BridgeSettings as EditorBridge,
} from '../../export/export-settings.js';
import { formatMosquittoConf, parseMosquittoConf, type BridgeSettings } from '../../conf/index.js';
import { UserError } from '../../user-error.js';
import type { Workspace, WorkspaceChange } from '../../workspace/workspace.js';
import { WORKSPACE_BROKER_CONF } from '../workspace-settings.js';

/** The fields the bridge editor owns in a `connection` section; the others (restart_timeout…) are kept. */
const EDITOR_FIELDS: Array<keyof BridgeSettings> = [
  'addresses',
  'topics',
  'cafile',
  'capath',
  'certfile',
  'keyfile',
  'tlsVersion',
  'alpn',
  'psk',
  'identity',
  'remoteClientId',
  'remoteUsername',
  'cleanSession',
];

/**
 * Save the bridges of the bridge editor (the Export view's and the Broker view's, one list) and write
 * them as the `connection` sections of the workspace broker's conf, with their files under
 * broker/bridges/NAME/ — so the sections that run are the sections that are exported. Options the
 * editor does not show (restart_timeout, notifications…) stay as the conf has them. One atomic commit.
 */
export function saveWorkspaceBridges(ws: Workspace, bridges: EditorBridge[]): EditorBridge[] {
  const settings = validateSettings({ ...readExportSettings(ws), bridges });
  const changes: WorkspaceChange[] = [exportSettingsChange(settings)];
  const confText = ws.readText(WORKSPACE_BROKER_CONF);
  if (confText !== undefined) {
    const confFile = ws.path(WORKSPACE_BROKER_CONF);
    const brokerDir = ws.path('broker');
    const conf = parseMosquittoConf(confText, confFile);
    const previous = new Map(conf.bridges.map((b) => [b.name, b]));
    conf.bridges = settings.bridges.map((bridge, i) => {
      const out = bridgeSection(ws, bridge, brokerDir, `bridges[${i}]`);
      for (const file of out.files) {
        changes.push({
          path: `broker/${file.path}`,
          data: typeof file.data === 'string' ? file.data : file.data.toString('utf8'),
          ...(file.mode === 0o600 ? { secret: true } : {}),
        });
      }
      // The section as export writes it, read back by the conf parser (one formatter, one parser).
      const section = parseMosquittoConf(`listener 1\n${out.text}\n`, confFile).bridges[0]!;
      const relative = (p: string | undefined) =>
        p && p.startsWith(`${brokerDir}/`) ? p.slice(brokerDir.length + 1) : p;
      section.cafile = relative(section.cafile);
      section.certfile = relative(section.certfile);
      section.keyfile = relative(section.keyfile);
      const kept = { ...(previous.get(bridge.name) ?? { name: bridge.name, addresses: [], topics: [] }) };
      for (const field of EDITOR_FIELDS) delete kept[field];
      const merged: BridgeSettings = { ...kept, ...section };
      for (const key of Object.keys(merged) as Array<keyof BridgeSettings>)
        if (merged[key] === undefined) delete merged[key];
      return merged;
    });
    let text: string;
    try {
      text = formatMosquittoConf(conf);
      parseMosquittoConf(text, confFile);
    } catch (error) {
      throw new UserError(`bridges: ${(error as Error).message}`, 'BAD_BRIDGE', { field: 'bridges' });
    }
    changes.push({ path: WORKSPACE_BROKER_CONF, data: text });
  }
  ws.commit(changes);
  return settings.bridges;
}
