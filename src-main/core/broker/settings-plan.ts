import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applySettingsForm,
  checkSettingsForm,
  confWithForm,
  describeField,
  effectiveSecurity,
  parseMosquittoConf,
  parsePskFile,
  removePasswordUser,
  setPassword,
  settingPathsByLine,
  settingsFormOf,
  validateMosquittoConf,
  type BrokerSettingsForm,
  type MosquittoConf,
} from '../conf/index.js';
import { lintMosquittoConf } from '../export/index.js';
import { certificateChain, currentCrl, looksLikePem, tlsMaterial } from '../pki/index.js';
import { isUserError, messageOf, UserError } from '../user-error.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import { WORKSPACE_BROKER_CONF } from './workspace-settings.js';

/** A file the settings name, written into the workspace's `broker/` folder with them. */
export interface SettingsFile {
  /** A plain file name inside `broker/` (as the conf names it). */
  path: string;
  /**
   * From the workshop: a certificate's chain as Mosquitto's certfile needs it (leaf then intermediates),
   * its key (0600), a CA's bundle for cafile (the CA and its issuers), or a CA's latest CRL. Or the bytes
   * of a file the user picked (base64; a private key is written 0600).
   */
  from: { workshop: string; part: 'chain' | 'key' | 'ca' | 'crl' } | { base64: string };
}

/** Add or change (password given) or remove (no password) a user of a password file named by the conf. */
export interface PasswordChange {
  file: string;
  username: string;
  password?: string;
}

/** Add or change (hex given) or remove a PSK identity of a psk_file named by the conf. */
export interface PskChange {
  file: string;
  identity: string;
  hex?: string;
}

export interface SettingsChange {
  /** The whole conf as text (the raw editor), or */
  text?: string;
  /** the form, applied to the conf on disk (or to `base`) keeping every other line. */
  form?: BrokerSettingsForm;
  /** The conf text the form was read from, when it is not the one on disk (the raw editor's, unsaved). */
  base?: string;
  files?: SettingsFile[];
  passwords?: PasswordChange[];
  psk?: PskChange[];
}

export interface SettingsIssue {
  level: 'error' | 'warning' | 'info';
  message: string;
  /** What to do about it, when the rule knows. */
  fix?: string;
  /** 1-based line of the conf (of the new text), when the issue is on a line of it. */
  line?: number;
  /** The setting path (`listeners[1].tlsVersion`, `security.passwordFile`) the form shows it at. */
  field?: string;
  /** A file other than the conf the issue is in (password, PSK, ACL file). */
  file?: string;
  /** The rule: the export lint's code, or PARSE / FILES / FIELD. */
  code: string;
}

export interface SettingsPlan {
  text: string;
  form?: BrokerSettingsForm;
  issues: SettingsIssue[];
  /** What saving writes (the conf and the files), in one atomic commit. */
  changes: WorkspaceChange[];
}

const BROKER_DIR = 'broker';
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

function brokerFile(path: string, field: string): string {
  if (!PLAIN_NAME.test(path) || path === 'mosquitto.conf') {
    throw new UserError(
      `${field}: "${path}" must be a plain file name inside the workspace's broker folder (letters, digits, . _ -)`,
      'BAD_SETTINGS',
      { field },
    );
  }
  return `${BROKER_DIR}/${path}`;
}

/** The data of a file the settings name, from the workshop or the user's bytes. */
function fileData(
  ws: Workspace,
  file: SettingsFile,
  index: number,
): { data: string | Buffer; secret: boolean } {
  const field = `files[${index}]`;
  const from = file.from;
  if ('base64' in from) {
    const data = Buffer.from(from.base64, 'base64');
    if (data.length === 0) throw new UserError(`${file.path}: the file is empty`, 'BAD_SETTINGS', { field });
    if (data.length > 1024 * 1024) {
      throw new UserError(
        `${file.path}: larger than 1 MiB, not a certificate, key or CRL file`,
        'BAD_SETTINGS',
        {
          field,
        },
      );
    }
    const text = data.toString('latin1');
    if (!looksLikePem(text)) {
      throw new UserError(
        `${file.path}: not a PEM file (Mosquitto reads certificates, keys and CRLs as PEM: -----BEGIN …-----)`,
        'BAD_SETTINGS',
        { field },
      );
    }
    return { data, secret: /PRIVATE KEY-----/.test(text) };
  }
  const { workshop: name, part } = from;
  if (part === 'chain') return { data: certificateChain(ws, name).chain, secret: false };
  if (part === 'key') return { data: tlsMaterial(ws, name).key, secret: true };
  if (part === 'ca') {
    const chain = certificateChain(ws, name);
    const pems = [chain.chain, chain.ca].filter((p, i, all) => p && all.indexOf(p) === i);
    return { data: pems.join(''), secret: false };
  }
  const crl = currentCrl(ws, name);
  if (!crl) {
    throw new UserError(
      `${file.path}: the CA "${name}" has published no CRL yet — publish one in the Certificates view (or: mqtt-tls-studio crl --ca ${name} --out FILE)`,
      'NO_CRL',
      { field },
    );
  }
  return { data: crl, secret: false };
}

/** The conf text a change leads to (and its form), from the text on disk. */
function newText(
  current: string | undefined,
  change: SettingsChange,
): { text: string; form?: BrokerSettingsForm } {
  if (change.text !== undefined) return { text: change.text };
  if (!change.form) throw new UserError('give the settings as text or as a form', 'BAD_SETTINGS');
  checkSettingsForm(change.form);
  if (current === undefined || current.trim() === '')
    return { text: confWithForm(change.form), form: change.form };
  return { text: applySettingsForm(current, change.form, WORKSPACE_BROKER_CONF), form: change.form };
}

function issueFromError(error: unknown, text: string | undefined, form?: BrokerSettingsForm): SettingsIssue {
  if (!isUserError(error)) return { level: 'error', code: 'FIELD', message: messageOf(error) };
  const issue: SettingsIssue = {
    level: 'error',
    code: error.code === 'BAD_SETTINGS' ? 'FIELD' : 'PARSE',
    message: error.message,
  };
  const { line, field, file } = error.location;
  if (field) issue.field = field;
  if (line !== undefined) {
    if (file && !file.endsWith('mosquitto.conf')) issue.file = file;
    else {
      issue.line = line;
      const path = text !== undefined ? settingPathsByLine(text).get(line) : undefined;
      if (path) issue.field = path;
      issue.message = error.message.replace(/^[^:]*mosquitto\.conf:\d+: /, '');
      if (form && path) issue.message = `${describeField(form, path)}: ${issue.message}`;
    }
  }
  return issue;
}

/**
 * Everything saving a settings change would do, checked, without touching the workspace: the new conf
 * text, the files it writes, and every issue — the field checks, the conf parser (Mosquitto's refusals
 * and traps), the files the conf names checked as the broker loads them, and the export lint. Files are
 * checked in a private scratch copy of `broker/` inside the workspace, removed at once.
 */
export function planBrokerSettings(ws: Workspace, change: SettingsChange): SettingsPlan {
  const current = ws.readText(WORKSPACE_BROKER_CONF);
  let text: string;
  let form: BrokerSettingsForm | undefined;
  try {
    ({ text, form } = newText(change.base ?? current, change));
  } catch (error) {
    return {
      text: change.text ?? current ?? '',
      issues: [issueFromError(error, undefined, change.form)],
      changes: [],
    };
  }
  const issues: SettingsIssue[] = [];
  let conf: MosquittoConf;
  try {
    conf = parseMosquittoConf(text, WORKSPACE_BROKER_CONF);
  } catch (error) {
    return { text, issues: [issueFromError(error, text, form)], changes: [] };
  }
  form ??= settingsFormOf(conf);

  const changes: WorkspaceChange[] = [{ path: WORKSPACE_BROKER_CONF, data: text }];
  try {
    (change.files ?? []).forEach((file, index) => {
      const { data, secret } = fileData(ws, file, index);
      changes.push({ path: brokerFile(file.path, `files[${index}]`), data, secret });
    });
    changes.push(...credentialChanges(ws, conf, change, changes));
  } catch (error) {
    return { text, form, issues: [issueFromError(error, text, form)], changes: [] };
  }

  issues.push(...checkFiles(ws, text, conf, changes, form));
  const lintLines = new Set<number>();
  const paths = settingPathsByLine(text);
  for (const finding of lintMosquittoConf(text, WORKSPACE_BROKER_CONF)) {
    if (finding.severity === 'info') continue;
    const issue: SettingsIssue = {
      level: finding.severity,
      code: finding.code,
      message: finding.message,
      fix: finding.fix,
    };
    if (finding.line !== undefined) {
      issue.line = finding.line;
      lintLines.add(finding.line);
      const path = paths.get(finding.line);
      if (path) issue.field = path;
    }
    issues.push(issue);
  }
  // The parser's own notice of a trap the lint also names (with its fix) is said once.
  const notices = new Set(conf.notices.map((n) => `${n.line}:${n.message}`));
  const said = issues.filter(
    (i) =>
      !(
        i.code === 'FILES' &&
        i.line !== undefined &&
        lintLines.has(i.line) &&
        notices.has(`${i.line}:${i.message}`)
      ),
  );
  for (const notice of conf.notices) {
    if (notice.level !== 'info' || notice.line === undefined) continue;
    const path = paths.get(notice.line);
    said.push({
      level: 'info',
      code: 'NOTICE',
      message: notice.message,
      line: notice.line,
      ...(path ? { field: path } : {}),
    });
  }
  const order = { error: 0, warning: 1, info: 2 };
  said.sort((a, b) => order[a.level] - order[b.level] || (a.line ?? 0) - (b.line ?? 0));
  return { text, form, issues: said, changes };
}

/** Password and PSK file edits, on the files the new conf names (inside broker/). */
function credentialChanges(
  ws: Workspace,
  conf: MosquittoConf,
  change: SettingsChange,
  pending: WorkspaceChange[],
): WorkspaceChange[] {
  const out = new Map<string, string>();
  const read = (path: string): string => {
    if (out.has(path)) return out.get(path)!;
    const staged = pending.find((c) => c.path === path && 'data' in c) as
      { data: string | Uint8Array } | undefined;
    if (staged)
      return typeof staged.data === 'string' ? staged.data : Buffer.from(staged.data).toString('utf8');
    return ws.readText(path) ?? '';
  };
  const named = (key: 'passwordFile' | 'pskFile') =>
    new Set(
      conf.listeners.map((l) => effectiveSecurity(conf, l)[key]).filter((f): f is string => Boolean(f)),
    );
  const passwordFiles = named('passwordFile');
  (change.passwords ?? []).forEach((entry, index) => {
    const field = `passwords[${index}]`;
    if (!passwordFiles.has(entry.file)) {
      throw new UserError(
        `password user "${entry.username}": the settings name no password_file "${entry.file}" — set password_file first`,
        'BAD_SETTINGS',
        { field },
      );
    }
    const path = brokerFile(entry.file, `${field}.file`);
    if (entry.password === undefined) {
      out.set(path, removePasswordUser(read(path), entry.username));
      return;
    }
    if (entry.password === '') {
      throw new UserError(
        `password of "${entry.username}": empty (mosquitto_passwd refuses it too)`,
        'BAD_SETTINGS',
        {
          field: `${field}.password`,
        },
      );
    }
    try {
      out.set(path, setPassword(read(path), entry.username, entry.password));
    } catch (error) {
      if (isUserError(error)) {
        throw new UserError(`password user: ${error.message}`, 'BAD_SETTINGS', {
          field: `${field}.${error.location.field ?? 'username'}`,
        });
      }
      throw error;
    }
  });
  const pskFiles = named('pskFile');
  (change.psk ?? []).forEach((entry, index) => {
    const field = `psk[${index}]`;
    if (!pskFiles.has(entry.file)) {
      throw new UserError(
        `PSK identity "${entry.identity}": the settings name no psk_file "${entry.file}" — set psk_file first`,
        'BAD_SETTINGS',
        { field },
      );
    }
    if (!entry.identity || /[:\s]/.test(entry.identity)) {
      throw new UserError(
        `PSK identity "${entry.identity}": cannot be empty or contain ":" or spaces`,
        'BAD_SETTINGS',
        { field: `${field}.identity` },
      );
    }
    if (entry.hex !== undefined && !/^[0-9a-fA-F]{2,128}$/.test(entry.hex)) {
      throw new UserError(
        `PSK key of "${entry.identity}": hexadecimal digits only (e.g. 1a2b3c4d…), 2 to 128 of them`,
        'BAD_SETTINGS',
        { field: `${field}.hex` },
      );
    }
    const path = brokerFile(entry.file, `${field}.file`);
    const rows = read(path)
      .split('\n')
      .filter((row) => row !== '' && row.split(':')[0]?.trim() !== entry.identity);
    if (entry.hex !== undefined) rows.push(`${entry.identity}:${entry.hex.toLowerCase()}`);
    const text = rows.length ? rows.join('\n') + '\n' : '';
    parsePskFile(text, path);
    out.set(path, text);
  });
  return [...out].map(([path, data]) => ({ path, data, secret: true }));
}

/** validateMosquittoConf on a scratch copy of broker/ holding the new files. */
function checkFiles(
  ws: Workspace,
  text: string,
  conf: MosquittoConf,
  changes: WorkspaceChange[],
  form: BrokerSettingsForm,
): SettingsIssue[] {
  const realDir = ws.path(BROKER_DIR);
  // Inside the workspace, so key material never leaves it (a workspace not made yet holds none).
  const scratch = mkdtempSync(join(existsSync(ws.dir) ? ws.dir : tmpdir(), '.broker-settings-check-'));
  try {
    if (existsSync(realDir)) cpSync(realDir, scratch, { recursive: true });
    for (const c of changes) {
      if (!('data' in c) || !c.path.startsWith(`${BROKER_DIR}/`)) continue;
      writeFileSync(join(scratch, c.path.slice(BROKER_DIR.length + 1)), c.data, { mode: 0o600 });
    }
    const located = parseMosquittoConf(text, join(scratch, 'mosquitto.conf'));
    const { errors, warnings } = validateMosquittoConf(located, { baseDir: scratch });
    const real = (s: string) => s.split(scratch).join(realDir);
    void conf;
    return [...errors, ...warnings].map((found) => {
      const issue: SettingsIssue = {
        level: found.level,
        code: 'FILES',
        message: real(found.message),
      };
      if (found.file && found.file !== join(scratch, 'mosquitto.conf')) {
        issue.file = real(found.file);
        if (found.line !== undefined) issue.message = `${issue.file}:${found.line}: ${issue.message}`;
      } else if (found.line !== undefined) issue.line = found.line;
      if (found.field) {
        issue.field = found.field;
        issue.message = `${describeField(form, found.field)}: ${issue.message}`;
      }
      return issue;
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Save: plan, refuse on the first error (naming its field and line; nothing written), commit atomically. */
export function saveBrokerSettings(ws: Workspace, change: SettingsChange): SettingsPlan {
  const plan = planBrokerSettings(ws, change);
  const error = plan.issues.find((i) => i.level === 'error');
  if (error) {
    const where = error.line !== undefined ? `${ws.path(WORKSPACE_BROKER_CONF)}:${error.line}: ` : '';
    const fix = error.fix ? ` — ${error.fix}` : '';
    throw new UserError(`${where}${error.message}${fix}`, 'BAD_SETTINGS', {
      ...(error.line !== undefined ? { file: ws.path(WORKSPACE_BROKER_CONF), line: error.line } : {}),
      ...(error.field ? { field: error.field } : {}),
    });
  }
  ws.commit(plan.changes);
  return plan;
}
