import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  isUnsupportedOption,
  parseMosquittoConf,
  privateKeyPem,
  listenerScheme,
  resolveConfPath,
  validateMosquittoConf,
  NOT_FOR_WEBSOCKETS_KEYWORDS,
  UNSUPPORTED_BRIDGE_OPTIONS,
  type MosquittoConf,
} from './conf-access.js';
import { UserError, messageOf } from '../user-error.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import { FILE_OPTIONS, uniquePath } from './conf-files.js';
import { confSections, lastOption, type ConfOption } from './conf-sections.js';
import { mapBundlePrefix, type PrefixMapping } from './bundle-prefix.js';
import { mergeIncludeDirs, relocate } from './include-dir.js';
import { BROKER_CONF, BROKER_DIR } from './export-mosquitto.js';
import { basename, readConfFile } from './source-files.js';
import { certificateImportChanges, listCertificates, type CertificateToImport } from './workshop.js';
import { pemCertificateBlocks, trimEndOf } from '../text-scan.js';

/**
 * Import a production mosquitto.conf into the workspace: the broker settings (broker/mosquitto.conf)
 * with every file it names copied beside it (ca.crt, server.crt, server.key, crl.pem, acl.conf, passwd,
 * psk.txt…), the certificates and keys into the workshop, so the local broker reproduces production
 * and an export gives the same setup back. Options the local broker cannot carry are commented out
 * and reported one by one. Everything is checked first; one commit writes it all, or nothing.
 */

export interface NotCarried {
  file: string;
  line: number;
  option: string;
  reason: string;
}

export interface ImportedFile {
  option: string;
  file: string;
  line: number;
  from: string;
  /** Path inside the workspace (broker/…). */
  to: string;
}

export interface ImportReport {
  conf: string;
  listeners: Array<{ port: number; scheme: string; address?: string }>;
  bridges: string[];
  files: ImportedFile[];
  certificates: Array<{
    name: string;
    cn: string;
    status: 'added' | 'already in the workshop';
    from: string;
  }>;
  notCarriedOver: NotCarried[];
  /** Options kept in the settings (exported again) but not used by the local broker. */
  keptForExport: NotCarried[];
  warnings: string[];
  /** Files the previous broker settings named and the new ones do not (removed). */
  removed: string[];
  /** Paths written under a production prefix, read from the bundle folder instead. */
  pathPrefix?: PrefixMapping;
}

export interface ImportOptions {
  /** Replace existing broker settings (default false: refuse, so nothing is lost by accident). */
  replace?: boolean;
}

/** Where each kind of file goes inside broker/. */
const TARGET_NAMES: Record<string, string> = {
  cafile: 'ca.crt',
  certfile: 'server.crt',
  keyfile: 'server.key',
  crlfile: 'crl.pem',
  acl_file: 'acl.conf',
  password_file: 'passwd',
  psk_file: 'psk.txt',
  bridge_cafile: 'bridge-ca.crt',
  bridge_certfile: 'bridge.crt',
  bridge_keyfile: 'bridge.key',
  dhparamfile: 'dhparam.pem',
};

function unsupportedReason(keyword: string): string {
  if (keyword === 'port' || keyword === 'bind_address')
    return 'the default listener is not supported locally: give it a "listener PORT" line';
  if (
    keyword.startsWith('auth_opt_') ||
    keyword.startsWith('plugin_opt_') ||
    keyword === 'plugin' ||
    keyword === 'auth_plugin'
  ) {
    return 'authentication plugins do not run in the local broker';
  }
  if (keyword.startsWith('bridge_') || UNSUPPORTED_BRIDGE_OPTIONS.has(keyword)) {
    return 'bridge option the workspace does not keep';
  }
  return 'not supported by the local broker';
}

function certName(cn: string, fallback: string, taken: Set<string>): string {
  let base =
    (cn || fallback)
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+/, '')
      .slice(0, 56) || fallback;
  if (!/^[A-Za-z0-9_]/.test(base)) base = `cert-${base}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

function cnOf(cert: X509Certificate): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '';
}

function pemBlocks(text: string): string[] {
  return pemCertificateBlocks(text).map((b) => b + '\n');
}

/** Read the files of a capath folder (OpenSSL's hashed names are kept, so the copy works as a capath). */
function readFolder(
  option: ConfOption,
  baseDir: string,
  confFile: string,
): Array<{ name: string; data: Buffer }> {
  const dir = resolveConfPath(baseDir, option.value);
  try {
    return readdirSync(dir)
      .filter((name) => {
        try {
          return statSync(resolve(dir, name)).isFile();
        } catch {
          return false;
        }
      })
      .sort()
      .map((name) => ({ name, data: readFileSync(resolve(dir, name)) }));
  } catch (error) {
    throw new UserError(
      `${confFile}:${option.line}: ${option.key} ${option.value}: ${messageOf(error)}`,
      'CONF_MISSING_FILE',
      {
        file: confFile,
        line: option.line,
      },
    );
  }
}

export function importMosquittoConf(ws: Workspace, file: string, options: ImportOptions = {}): ImportReport {
  const confFile = resolve(file);
  let original: string;
  try {
    original = readFileSync(confFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `${confFile}: ${code === 'ENOENT' ? 'no such file' : messageOf(error)}`,
      'CONF_MISSING_FILE',
      {
        file: confFile,
        field: 'file',
      },
    );
  }
  const previous = ws.readText(BROKER_CONF);
  if (previous !== undefined && !options.replace) {
    throw new UserError(
      `${ws.path(BROKER_CONF)}: the workspace already has broker settings; import with "replace" to overwrite them`,
      'BROKER_SETTINGS_EXIST',
      { file: ws.path(BROKER_CONF), field: 'replace' },
    );
  }
  const baseDir = dirname(confFile);
  const merged = mergeIncludeDirs(original, confFile, baseDir);
  const where = (line: number) => merged.origin[line - 1] ?? { file: confFile, line };

  // 1. Options the local broker cannot carry: commented out (the line count stays), reported.
  const notCarriedOver: NotCarried[] = [];
  const keptForExport: NotCarried[] = [];
  const lines = merged.text.split('\n');
  const sections = confSections(merged.text, confFile);
  const wsListenerLines = new Set<number>();
  for (const listener of sections.listeners) {
    if (lastOption(listener.options, 'protocol')?.value !== 'websockets') continue;
    for (const o of listener.options)
      if (NOT_FOR_WEBSOCKETS_KEYWORDS.includes(o.key)) wsListenerLines.add(o.line);
  }
  for (const option of sections.all) {
    const unsupported = isUnsupportedOption(option.key);
    const ignoredOnWs = wsListenerLines.has(option.line);
    if (!unsupported && !ignoredOnWs) continue;
    const at = where(option.line);
    notCarriedOver.push({
      ...at,
      option: `${option.key} ${option.value}`.trim(),
      reason: ignoredOnWs ? 'Mosquitto ignores it on websockets listeners' : unsupportedReason(option.key),
    });
    lines[option.line - 1] = `# not carried over by the import: ${lines[option.line - 1]!.trim()}`;
  }
  // 1b. A bundle exported for production names its files under the production prefix: map them
  // back to the bundle folder being imported from.
  const prefixMapping = mapBundlePrefix(original, sections.all, baseDir);
  const lost = prefixMapping?.missing[0];
  if (lost) {
    const at = where(lost.line);
    throw new UserError(
      `${at.file}:${at.line}: ${lost.option} ${lost.value}: no such file, and the bundle folder has no ${lost.inBundle} either`,
      'CONF_MISSING_FILE',
      at,
    );
  }
  for (const mapped of prefixMapping?.options ?? []) {
    const raw = lines[mapped.line - 1]!;
    if (raw.trimStart().startsWith('#')) continue;
    lines[mapped.line - 1] = `${/^ */.exec(raw)![0]}${mapped.option} ${mapped.path}`;
  }
  const carried = lines.join('\n');

  // 2. The broker's own parser and file checks (file:line for every refusal).
  let conf: MosquittoConf;
  try {
    conf = parseMosquittoConf(carried, confFile);
  } catch (error) {
    throw relocate(error, merged, confFile);
  }
  const validation = validateMosquittoConf(conf, { baseDir });
  if (validation.errors.length > 0) {
    const first = validation.errors[0]!;
    const error = new UserError(first.text, 'BAD_CONFIG', {
      ...(first.file !== undefined ? { file: first.file } : {}),
      ...(first.line !== undefined ? { line: first.line } : {}),
    });
    throw relocate(error, merged, confFile);
  }
  for (const notice of conf.notices) {
    if (
      notice.level === 'info' &&
      notice.line !== undefined &&
      !/bridge ".*" is kept for export/.test(notice.message)
    ) {
      keptForExport.push({
        ...where(notice.line),
        option: lines[notice.line - 1]!.trim(),
        reason: notice.message,
      });
    }
  }

  // 3. Copy every file a kept line names into broker/, rewriting the line to the copy's name.
  const changes: WorkspaceChange[] = [];
  const files: ImportedFile[] = [];
  const taken = new Set<string>(['mosquitto.conf']);
  const targetBySource = new Map<string, string>();
  const certificateItems: CertificateToImport[] = [];
  const keyByListener = new Map<number, string>();
  const carriedSections = confSections(carried, confFile);
  for (const listener of carriedSections.listeners) {
    const key = lastOption(listener.options, 'keyfile');
    if (key)
      keyByListener.set(listener.start.line, readConfFile(key, baseDir, confFile).data.toString('utf8'));
  }
  const out = carried.split('\n');
  for (const option of carriedSections.all) {
    const isFolder = option.key === 'capath' || option.key === 'bridge_capath';
    if (!(option.key in FILE_OPTIONS) && !isFolder) continue;
    const at = where(option.line);
    let target: string;
    if (isFolder) {
      const sourceKey = `dir:${resolveConfPath(baseDir, option.value)}`;
      target = targetBySource.get(sourceKey) ?? uniquePath('capath', taken);
      if (!targetBySource.has(sourceKey)) {
        taken.add(target);
        targetBySource.set(sourceKey, target);
        for (const entry of readFolder(option, baseDir, at.file)) {
          changes.push({ path: `${BROKER_DIR}/${target}/${entry.name}`, data: entry.data });
          for (const pem of pemBlocks(entry.data.toString('utf8'))) {
            certificateItems.push({ name: '', certPem: pem, certFile: `${option.value}/${entry.name}` });
          }
        }
      }
    } else {
      const source = readConfFile(option, baseDir, at.file);
      const sourceKey = `${option.key}:${source.path}`;
      const existing = targetBySource.get(sourceKey);
      target = existing ?? uniquePath(TARGET_NAMES[option.key] ?? basename(source.path), taken);
      if (!existing) {
        taken.add(target);
        targetBySource.set(sourceKey, target);
        changes.push({
          path: `${BROKER_DIR}/${target}`,
          data: source.data,
          ...(FILE_OPTIONS[option.key]!.secret ? { secret: true } : {}),
        });
      }
      if (
        option.key === 'certfile' ||
        option.key === 'cafile' ||
        option.key === 'bridge_cafile' ||
        option.key === 'bridge_certfile'
      ) {
        const listener = carriedSections.listeners.find((l) => l.options.includes(option));
        const keyPem =
          option.key === 'certfile' && listener ? keyByListener.get(listener.start.line) : undefined;
        const bridge = carriedSections.bridges.find((b) => b.options.includes(option));
        const bridgeKey =
          option.key === 'bridge_certfile' && bridge
            ? lastOption(bridge.options, 'bridge_keyfile')
            : undefined;
        const blocks = pemBlocks(source.data.toString('utf8'));
        if (option.key === 'bridge_certfile' && blocks.length === 0) {
          throw new UserError(
            `${at.file}:${at.line}: bridge_certfile ${option.value}: holds no PEM certificate`,
            'BAD_CERTIFICATE',
            at,
          );
        }
        blocks.forEach((pem, i) => {
          const item: CertificateToImport = { name: '', certPem: pem, certFile: option.value };
          if (i === 0 && keyPem) {
            item.keyPem = keyPem;
            item.keyFile = 'keyfile';
          }
          if (i === 0 && bridgeKey) {
            item.keyPem = readConfFile(bridgeKey, baseDir, confFile).data.toString('utf8');
            item.keyFile = bridgeKey.value;
          }
          certificateItems.push(item);
        });
      }
    }
    files.push({
      option: option.key,
      ...at,
      from: resolveConfPath(baseDir, option.value),
      to: `${BROKER_DIR}/${target}`,
    });
    const indent = /^ */.exec(out[option.line - 1]!)![0];
    out[option.line - 1] = `${indent}${option.key} ${target}`;
  }

  // 4. Certificates and keys into the workshop (named after their CN; already known ones are kept).
  const takenNames = new Set(listCertificates(ws).map((c) => c.name));
  const seen = new Set<string>();
  const unique = certificateItems.filter((item) => {
    const fp = new X509Certificate(item.certPem).fingerprint256;
    if (seen.has(fp)) {
      const first = certificateItems.find(
        (x) => x !== item && new X509Certificate(x.certPem).fingerprint256 === fp,
      );
      if (first && item.keyPem && !first.keyPem)
        Object.assign(first, { keyPem: item.keyPem, keyFile: item.keyFile });
      return false;
    }
    seen.add(fp);
    return true;
  });
  for (const item of unique) {
    const cert = new X509Certificate(item.certPem);
    item.name = certName(cnOf(cert), 'imported', takenNames);
    if (item.keyPem) item.keyPem = privateKeyPem(item.keyPem, item.keyFile ?? 'key');
  }
  const workshop = certificateImportChanges(ws, unique);
  changes.push(...workshop.changes);
  const certificates: ImportReport['certificates'] = unique.map((item) => {
    const known = workshop.existing.get(item.name);
    return {
      name: known ?? item.name,
      cn: cnOf(new X509Certificate(item.certPem)),
      status: known ? ('already in the workshop' as const) : ('added' as const),
      from: item.certFile,
    };
  });

  // 5. The settings themselves, and the old files they no longer name.
  const header = [
    `# Imported by MQTT TLS Studio from ${confFile} on ${new Date().toISOString()}.`,
    '# Paths are relative to this folder.',
  ];
  const confText = header.join('\n') + '\n' + trimEndOf(out.join('\n'), '\n') + '\n';
  changes.push({ path: BROKER_CONF, data: confText });
  const removed: string[] = [];
  if (previous !== undefined) {
    const written = new Set(changes.map((c) => c.path));
    for (const option of confSections(previous, BROKER_CONF).all) {
      if (!(option.key in FILE_OPTIONS) || option.value.startsWith('/')) continue;
      const path = `${BROKER_DIR}/${option.value}`;
      if (!written.has(path) && ws.exists(path) && !removed.includes(path)) {
        removed.push(path);
        changes.push({ path, remove: true });
      }
    }
  }
  ws.commit(changes);

  return {
    conf: confFile,
    listeners: conf.listeners.map((l) => ({
      port: l.port,
      scheme: listenerScheme(l),
      ...(l.bindAddress ? { address: l.bindAddress } : {}),
    })),
    bridges: conf.bridges.map((b) => b.name),
    files,
    certificates,
    notCarriedOver,
    keptForExport,
    warnings: validation.warnings.map((w) => relocateText(w.text, merged, confFile)),
    removed,
    ...(prefixMapping ? { pathPrefix: prefixMapping } : {}),
  };
}

function relocateText(text: string, merged: ReturnType<typeof mergeIncludeDirs>, confFile: string): string {
  const match = new RegExp(`^${confFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`).exec(text);
  if (!match) return text;
  const where = merged.origin[Number(match[1]) - 1];
  return where ? `${where.file}:${where.line}${text.slice(match[0].length)}` : text;
}
