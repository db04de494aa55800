import { readFileSync } from 'node:fs';
import {
  effectiveSecurity,
  parseMosquittoConf,
  parsePasswordFile,
  parsePskFile,
  resolveConfPath,
  type BrokerSettingsForm,
  type MosquittoConf,
} from '../conf/index.js';
import { currentCrl, listCertificates } from '../pki/index.js';
import type { Workspace } from '../workspace/workspace.js';
import { listenerCommands, type ListenerCommands } from './listener-commands.js';
import { planBrokerSettings, type SettingsIssue } from './settings-plan.js';
import { WORKSPACE_BROKER_CONF } from './workspace-settings.js';

/** What the Broker view's settings show: the conf as text and as a form, its issues, and what it can pick from. */
export interface BrokerSettingsView {
  /** Absolute path of broker/mosquitto.conf. */
  file: string;
  exists: boolean;
  text: string;
  /** Undefined when the text does not parse (then only the raw editor can fix it). */
  form?: BrokerSettingsForm;
  issues: SettingsIssue[];
  /** Users of each password file the conf names (conf path → names; hashes never leave the main process). */
  passwordUsers: Record<string, string[]>;
  /** Identities of each psk_file the conf names (keys stay in the file). */
  pskIdentities: Record<string, string[]>;
  workshop: {
    /** Certificates with a key that can serve TLS (server or imported leaves). */
    servers: Array<{ name: string; cn: string; san: string[]; issuer?: string; kind: string }>;
    cas: Array<{ name: string; cn: string; hasCrl: boolean }>;
  };
  /** Ready commands per listener (by the listener's index in the conf). */
  commands: ListenerCommands[];
}

function names<T>(read: () => Map<string, T>): string[] {
  try {
    return [...read().keys()];
  } catch {
    return [];
  }
}

export function readBrokerSettings(ws: Workspace): BrokerSettingsView {
  const file = ws.path(WORKSPACE_BROKER_CONF);
  const text = ws.readText(WORKSPACE_BROKER_CONF);
  const baseDir = ws.path('broker');
  const certificates = (() => {
    try {
      return listCertificates(ws);
    } catch {
      return [];
    }
  })();
  const view: BrokerSettingsView = {
    file,
    exists: text !== undefined,
    text: text ?? '',
    issues: [],
    passwordUsers: {},
    pskIdentities: {},
    workshop: {
      servers: certificates
        .filter((c) => c.hasKey && !c.isCa && (c.kind === 'server' || c.kind === 'imported'))
        .map((c) => ({
          name: c.name,
          cn: c.cn,
          san: c.san,
          kind: c.kind,
          ...(c.issuerName ? { issuer: c.issuerName } : {}),
        })),
      cas: certificates
        .filter((c) => c.isCa)
        .map((c) => ({ name: c.name, cn: c.cn, hasCrl: hasCrl(ws, c.name) })),
    },
    commands: [],
  };
  if (text === undefined) return view;
  const plan = planBrokerSettings(ws, { text });
  view.issues = plan.issues;
  let conf: MosquittoConf;
  try {
    conf = parseMosquittoConf(text, file);
  } catch {
    return view;
  }
  if (plan.form) view.form = plan.form;
  for (const listener of conf.listeners) {
    const security = effectiveSecurity(conf, listener);
    if (security.passwordFile) {
      const path = resolveConfPath(baseDir, security.passwordFile);
      view.passwordUsers[security.passwordFile] = names(
        () => parsePasswordFile(readFileSync(path, 'utf8')).users,
      );
    }
    if (security.pskFile) {
      const path = resolveConfPath(baseDir, security.pskFile);
      view.pskIdentities[security.pskFile] = names(
        () => parsePskFile(readFileSync(path, 'utf8'), path).identities,
      );
    }
  }
  view.commands = listenerCommands(ws, conf, baseDir);
  return view;
}

function hasCrl(ws: Workspace, ca: string): boolean {
  try {
    return currentCrl(ws, ca) !== undefined;
  } catch {
    return false;
  }
}
