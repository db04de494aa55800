import { X509Certificate } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { parseAcl, type AclFile } from '../acl/index.js';
import { assertValidConf, parseMosquittoConf, parsePskFile } from './conf-access.js';
import { clientTopics } from './client-topics.js';
import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import { bridgeSection } from './bridge-section.js';
import {
  previewFile,
  writeBundleFolder,
  writeBundleTarGz,
  type BundleFile,
  type PreviewFile,
  secureModes,
} from './bundle.js';
import { bundleReadme } from './bundle-readme.js';
import { clientBundle, type ClientBundleResult } from './client-bundle.js';
import { certificateNames, clientReachFindings } from './client-reach-lint.js';
import { FILE_OPTIONS, FOLDER_OPTIONS, uniquePath } from './conf-files.js';
import { confSections, lastOption, type ConfOption } from './conf-sections.js';
import { readExportSettings, validateBridge, type BridgeSettings } from './export-settings.js';
import { lintMosquittoConf, type ExportLintFinding } from './lint-mosquitto-conf.js';
import { listenerViews, type ListenerView } from './listener-view.js';
import { certificatesOf, repairServerChain, type ChainRepair } from './server-chain.js';
import { basename, readCaPath, readConfFile, type SourceFile } from './source-files.js';
import {
  certificateChain,
  currentCrl,
  listCertificates,
  readCrls,
  workshopCaCertificates,
} from './workshop.js';
import { trimEndOf } from '../text-scan.js';

/**
 * `export mosquitto`: the workspace broker's settings (broker/mosquitto.conf and the files it names)
 * become a bundle production Mosquitto 2.x starts from unchanged — every file copied under a prefix
 * (the server certificate completed into its full chain, the CRL refreshed from the workshop), bridges
 * appended, a bundle per client certificate — and linted for Mosquitto's traps before anything is
 * written.
 */

/** The workspace broker settings (owned by the broker; see FOUNDATION.md). */
export const BROKER_CONF = 'broker/mosquitto.conf';
export const BROKER_DIR = 'broker';
export const DEFAULT_PREFIX = '/etc/mosquitto';

export interface ExportMosquittoOptions {
  /** Where the files live on the production host; every path in mosquitto.conf starts with it. */
  pathPrefix?: string;
  /** Broker host name for the clients' ready commands (default: the server certificate's DNS name). */
  host?: string;
  /** Client bundles: all client certificates (default), none, or these names. */
  clients?: boolean | string[];
  /** Also write clients/NAME/NAME.p12 under this passphrase. */
  p12Passphrase?: string;
  /** Include the bridges (default true): the saved ones, or `bridgeSettings` when given. */
  bridges?: boolean;
  bridgeSettings?: BridgeSettings[];
}

export interface ClientChoice {
  name: string;
  cn: string;
  included: boolean;
  /** Why it is left out, when it is. */
  reason?: string;
}

export interface ExportPlan {
  prefix: string;
  files: BundleFile[];
  findings: ExportLintFinding[];
  clients: ClientChoice[];
  bridges: string[];
  /** Host name used in the client commands. */
  host: string;
}

const HEADER_LINES = 4;

function joinPrefix(prefix: string, path: string): string {
  return prefix === '/' ? '/' + path : prefix.replace(/\/+$/, '') + '/' + path;
}

function checkPrefix(prefix: string): string {
  if (!prefix.startsWith('/')) {
    throw new UserError(
      `pathPrefix: "${prefix}" must be an absolute path (Mosquitto resolves relative paths from the folder it is started in)`,
      'BAD_PREFIX',
      { field: 'pathPrefix' },
    );
  }
  if (/\s/.test(prefix)) {
    throw new UserError(
      `pathPrefix: "${prefix}" contains a space; mosquitto.conf file paths cannot`,
      'BAD_PREFIX',
      {
        field: 'pathPrefix',
      },
    );
  }
  return prefix.length > 1 ? prefix.replace(/\/+$/, '') : prefix;
}

function folderFor(key: string): string {
  const kind = FILE_OPTIONS[key]?.kind;
  if (key.startsWith('bridge_')) return 'bridges/';
  if (kind === 'acl' || kind === 'passwords' || kind === 'psk') return '';
  return 'certs/';
}

function crlFindings(
  ws: Workspace,
  source: SourceFile,
  confFile: string,
  findings: ExportLintFinding[],
): { data: string; refreshed: string[] } {
  const crls = readCrls(source.data, source.path);
  const workshop = listCertificates(ws).filter((c) => c.isCa);
  const refreshed: string[] = [];
  const out: string[] = [];
  for (const crl of crls) {
    let pem = `-----BEGIN X509 CRL-----\n${crl.der
      .toString('base64')
      .replace(/(.{64})/g, '$1\n')
      .replace(/\n$/, '')}\n-----END X509 CRL-----\n`;
    let effective = crl;
    const ca = workshop.find((c) => c.subject === crl.issuer.rfc2253);
    if (ca) {
      const latest = currentCrl(ws, ca.name);
      const parsed = latest ? readCrls(latest, ws.path(`crl/${ca.name}.crl`))[0] : undefined;
      if (latest && parsed && parsed.thisUpdate.getTime() > crl.thisUpdate.getTime()) {
        pem = latest;
        effective = parsed;
        refreshed.push(ca.name);
      }
    }
    if (effective.nextUpdate && effective.nextUpdate.getTime() < Date.now()) {
      findings.push({
        code: 'CRL_EXPIRED',
        severity: 'error',
        file: confFile,
        line: source.option.line,
        message: `the CRL of "${effective.issuer.rfc2253}" expired on ${effective.nextUpdate.toISOString()}: OpenSSL then refuses every client certificate it covers`,
        fix: 'publish a fresh CRL in the Certificates view (or `mqtt-tls-studio crl`) and export again',
      });
    }
    out.push(pem);
  }
  return { data: out.join(''), refreshed };
}

function serverHost(views: ListenerView[], serverCerts: Map<number, X509Certificate[]>): string | undefined {
  for (const view of views) {
    const leaf = serverCerts.get(view.section.start.line)?.[0];
    const san = leaf?.subjectAltName ?? '';
    const dns = san
      .split(', ')
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4))
      .filter((d) => !d.includes('*'));
    // localhost when the certificate has it (the commands then work on the broker host as written).
    const named = dns.includes('localhost') ? 'localhost' : dns[0];
    if (named) return named;
    const ip = san
      .split(', ')
      .find((s) => s.startsWith('IP Address:'))
      ?.slice('IP Address:'.length);
    if (ip) return ip;
  }
  return undefined;
}

function serverNames(view: ListenerView | undefined, serverCerts: Map<number, X509Certificate[]>): string[] {
  const leaf = view ? serverCerts.get(view.section.start.line)?.[0] : undefined;
  return leaf ? certificateNames(leaf) : [];
}

/** Everything the export would write, in memory: nothing touches the disk. */
export function planMosquittoExport(
  ws: Workspace,
  options: ExportMosquittoOptions & { pathPrefix: string },
): ExportPlan {
  const prefix = checkPrefix(options.pathPrefix);
  const confPath = ws.path(BROKER_CONF);
  const text = ws.readText(BROKER_CONF);
  if (text === undefined) {
    throw new UserError(
      `${confPath}: the workspace has no broker settings yet; set up the broker (or run quickstart) first`,
      'NO_BROKER_SETTINGS',
      { file: confPath },
    );
  }
  // The broker's own parser and file checks: what the workspace broker would refuse stops the export
  // at that line.
  const baseDir = ws.path(BROKER_DIR);
  assertValidConf(parseMosquittoConf(text, confPath), { baseDir });
  const settings = readExportSettings(ws);
  const sections = confSections(text, confPath);
  const views = listenerViews(sections);
  const findings: ExportLintFinding[] = [];
  const files: BundleFile[] = [];
  const taken = new Set<string>(['mosquitto.conf', 'README.txt']);
  const bundleBySource = new Map<string, string>();
  const replacements = new Map<number, string>();
  const sourceByLine = new Map<number, SourceFile>();
  const dataByLine = new Map<number, string | Buffer>();
  const bundlePathByLine = new Map<number, string>();
  const serverCerts = new Map<number, X509Certificate[]>();
  const serverRoots = new Map<number, X509Certificate | undefined>();
  const knownCas = workshopCaCertificates(ws).map((c) => c.cert);
  // One repair per server certificate file: listeners sharing a certfile share its chain and root.
  const repairs = new Map<string, ChainRepair>();

  const keyFor = (option: ConfOption): SourceFile | undefined => {
    const view = views.find((v) => v.certfile === option);
    return view?.keyfile ? readConfFile(view.keyfile, baseDir, confPath) : undefined;
  };

  for (const option of sections.all) {
    const isFolder = (FOLDER_OPTIONS as readonly string[]).includes(option.key);
    const spec = FILE_OPTIONS[option.key];
    if (!spec && !isFolder) continue;
    const source = isFolder ? readCaPath(option, baseDir, confPath) : readConfFile(option, baseDir, confPath);
    sourceByLine.set(option.line, source);
    const sourceKey = `${option.key === 'certfile' ? 'cert:' : ''}${source.path}`;
    let bundlePath = bundleBySource.get(sourceKey);
    if (!bundlePath) {
      const name = isFolder ? `${basename(source.path)}-ca.crt` : basename(source.path);
      bundlePath = uniquePath(
        `${isFolder ? (option.key.startsWith('bridge_') ? 'bridges/' : 'certs/') : folderFor(option.key)}${name}`,
        taken,
      );
      taken.add(bundlePath);
      bundleBySource.set(sourceKey, bundlePath);
      let data: string | Buffer = source.data.toString('utf8');
      let description = spec ? describeFile(option.key) : 'CA certificates gathered from the capath folder';
      if (option.key === 'certfile') {
        const key = keyFor(option);
        const repair = repairServerChain(source.data.toString('utf8'), knownCas, key?.data.toString('utf8'));
        repairs.set(sourceKey, repair);
        data = repair.pem;
        description = 'the server certificate followed by its intermediate CA(s), in order';
        for (const change of repair.changes) {
          findings.push({
            code: 'CHAIN_REPAIRED',
            severity: 'info',
            file: 'mosquitto.conf',
            line: option.line + HEADER_LINES,
            message: `${bundlePath}: ${change}`,
            fix: 'nothing to do: the exported file is right',
          });
        }
        for (const problem of repair.problems) {
          const keyProblem = problem.includes('key');
          findings.push({
            code: keyProblem ? 'KEY_MISMATCH' : 'CHAIN_INCOMPLETE',
            severity: keyProblem ? 'error' : 'warning',
            file: 'mosquitto.conf',
            line: option.line + HEADER_LINES,
            message: `${bundlePath}: ${problem}`,
            fix: keyProblem
              ? 'use the key of this certificate (Mosquitto refuses to start otherwise)'
              : 'import the missing CA certificate into the workshop',
          });
        }
      } else if (option.key === 'crlfile') {
        const crl = crlFindings(ws, source, 'mosquitto.conf', findings);
        data = crl.data;
        for (const ca of crl.refreshed) {
          findings.push({
            code: 'CRL_REFRESHED',
            severity: 'info',
            file: 'mosquitto.conf',
            line: option.line + HEADER_LINES,
            message: `${bundlePath}: took the newer CRL the workshop published for "${ca}"`,
            fix: 'nothing to do',
          });
        }
      } else if (isFolder) {
        findings.push({
          code: 'CAPATH_AS_CAFILE',
          severity: 'info',
          file: 'mosquitto.conf',
          line: option.line + HEADER_LINES,
          message: `${option.key} ${option.value}: exported as one CA file (${bundlePath}); a capath folder needs OpenSSL's hashed file names`,
          fix: 'nothing to do',
        });
      }
      files.push({
        path: bundlePath,
        data,
        mode: spec?.secret ? 0o600 : 0o644,
        kind: spec?.kind ?? 'ca',
        description,
      });
    }
    const repair = option.key === 'certfile' ? repairs.get(sourceKey) : undefined;
    if (repair) {
      const listenerLine = views.find((v) => v.certfile === option)?.section.start.line ?? option.line;
      serverCerts.set(listenerLine, repair.certificates);
      serverRoots.set(listenerLine, repair.root);
    }
    const bundled = files.find((f) => f.path === bundlePath);
    if (bundled) dataByLine.set(option.line, bundled.data);
    bundlePathByLine.set(option.line, bundlePath);
    const newKey = isFolder ? option.key.replace('capath', 'cafile') : option.key;
    replacements.set(option.line, `${newKey}\u0000${joinPrefix(prefix, bundlePath)}`);
  }

  let confText = replaceOptionLines(text, replacements);

  for (const view of views) {
    if (view.address === '127.0.0.1' || view.address === '::1' || view.address === 'localhost') {
      findings.push({
        code: 'LOOPBACK_ONLY',
        severity: 'info',
        file: 'mosquitto.conf',
        line: view.section.start.line + HEADER_LINES,
        message: `listener ${view.port} is bound to ${view.address}: only clients on the broker host itself can connect`,
        fix: `write "listener ${view.port}" without an address to listen on every interface`,
      });
    }
  }

  // Bridges of the editor not (yet) in the broker's conf.
  const bridges: string[] = sections.bridges.map((b) => b.name);
  if (options.bridges !== false) {
    // The bridge editor also writes its bridges into the broker's conf (they run locally): those are
    // in the conf text already.
    const list = (options.bridgeSettings ?? settings.bridges).filter(
      (b) => !sections.bridges.some((s) => s.name === b.name),
    );
    list.forEach((b, i) => validateBridge(b, `bridges[${i}]`));
    const sectionsText: string[] = [];
    list.forEach((bridge, i) => {
      const out = bridgeSection(ws, bridge, prefix, `bridges[${i}]`);
      sectionsText.push(out.text);
      for (const file of out.files) {
        taken.add(file.path);
        files.push(file);
      }
      bridges.push(bridge.name);
    });
    if (sectionsText.length > 0)
      confText = trimEndOf(confText, '\n') + '\n\n' + sectionsText.join('\n\n') + '\n';
  }

  const header = [
    '# mosquitto.conf for Mosquitto 2.x, exported by MQTT TLS Studio from the workspace broker settings.',
    `# Every file it names is under ${prefix}; keys, password and PSK files are mode 0600.`,
    '# Mosquitto started as root drops to the user "mosquitto" before opening them: see README.txt.',
    '',
  ];
  const finalConf = header.join('\n') + '\n' + trimEndOf(confText, '\n') + '\n';
  files.unshift({
    path: 'mosquitto.conf',
    data: finalConf,
    mode: 0o644,
    kind: 'conf',
    description: 'the broker configuration',
  });
  // Whatever carries a secret is 0600 (and so given to the broker's user below): a bridge PSK in the
  // conf, a key inside a certificate bundle.
  secureModes(files);

  const secretFiles = files.filter((f) => f.mode === 0o600).map((f) => joinPrefix(prefix, f.path));
  findings.push(...lintMosquittoConf(finalConf, 'mosquitto.conf', { secretFiles }));

  // The broker's own 0600 files belong to the user Mosquitto drops to (`user`, default mosquitto).
  const runAs = lastOption(confSections(finalConf, 'mosquitto.conf').global, 'user')?.value ?? 'mosquitto';
  if (runAs !== 'root') for (const f of files) if (f.mode === 0o600) f.owner = runAs;

  // Client bundles.
  const host = options.host ?? settings.host ?? serverHost(views, serverCerts) ?? 'localhost';
  const aclFor = (view: ListenerView | undefined): AclFile | undefined => {
    const source = view?.aclFile ? sourceByLine.get(view.aclFile.line) : undefined;
    return source ? parseAcl(source.data.toString('utf8'), source.path) : undefined;
  };
  const pemOf = (option: ConfOption | undefined) =>
    option ? sourceByLine.get(option.line)?.data.toString('utf8') : undefined;
  findings.push(...crlCoverage(ws, views, pemOf, (option) => dataByLine.get(option.line)));
  const clients: ClientChoice[] = [];
  const bundles: Array<{ name: string; result: ClientBundleResult }> = [];
  const wanted = options.clients ?? true;
  for (const cert of listCertificates(ws).filter((c) => c.kind === 'client')) {
    const choice: ClientChoice = { name: cert.name, cn: cert.cn, included: false };
    clients.push(choice);
    if (wanted === false || (Array.isArray(wanted) && !wanted.includes(cert.name))) {
      choice.reason = 'not chosen';
      continue;
    }
    if (cert.revoked) {
      choice.reason = `revoked (${cert.revoked.reason})`;
      continue;
    }
    if (!cert.hasKey) {
      choice.reason = 'the workshop has no private key for it';
      continue;
    }
    const result: ClientBundleResult = clientBundle(ws, cert, {
      views,
      host,
      cafilePem: (view) => pemOf(view.cafile),
      serverRoot: (view) => serverRoots.get(view.section.start.line),
      serverNames: (view) => serverNames(view, serverCerts),
      acl: aclFor,
      ...(options.p12Passphrase !== undefined ? { p12Passphrase: options.p12Passphrase } : {}),
    });
    for (const file of result.files) files.push(file);
    bundles.push({ name: cert.name, result });
    choice.included = true;
  }
  findings.push(
    ...clientReachFindings({
      host,
      views,
      serverCerts,
      fileText: (option) => (option ? dataByLine.get(option.line)?.toString() : undefined),
      acl: aclFor,
      aclBundlePath: (view) => (view.aclFile ? bundlePathByLine.get(view.aclFile.line) : undefined),
      passwordBundlePath: (view) =>
        (view.passwordFile && bundlePathByLine.get(view.passwordFile.line)) ?? 'passwd',
      prefix,
      headerLines: HEADER_LINES,
      bundles,
    }),
  );

  secureModes(files);
  files.push({
    path: 'README.txt',
    data: bundleReadme({
      prefix,
      host,
      views,
      files,
      findings,
      clients,
      bridges,
      ...pskClients(views, sourceByLine, aclFor, files),
    }),
    mode: 0o644,
    kind: 'readme',
    description: 'how to install the bundle and what each file is',
  });

  // certificatesOf keeps the import side honest: a cafile must hold certificates.
  for (const view of views) {
    const pem = pemOf(view.cafile);
    if (pem !== undefined && certificatesOf(pem).length === 0) {
      throw new UserError(
        `${confPath}:${view.cafile!.line}: cafile ${view.cafile!.value} holds no certificate`,
        'BAD_CAFILE',
        {
          file: confPath,
          line: view.cafile!.line,
        },
      );
    }
  }
  return { prefix, files, findings: sortFindings(findings), clients, bridges, host };
}

/** Each identity of the PSK listener's psk_file, with topics its ACL grants (the username is the identity). */
function pskClients(
  views: ListenerView[],
  sources: Map<number, SourceFile>,
  aclFor: (view: ListenerView | undefined) => AclFile | undefined,
  files: BundleFile[],
): {
  pskClients?: Array<{ identity: string; publishTopic: string; subscribeFilter: string }>;
  pskFileName?: string;
} {
  const view = views.find((v) => v.psk && v.pskFile);
  const source = view?.pskFile ? sources.get(view.pskFile.line) : undefined;
  if (!view || !source) return {};
  const identities = parsePskFile(source.data.toString('utf8'), source.path).identities;
  const acl = aclFor(view);
  const list = [...identities.keys()].map((identity) => {
    const topics = clientTopics(acl, {
      ...(view.identity === 'cn' ? { username: identity } : {}),
      publishClientId: identity,
      subscribeClientId: `${identity}-sub`,
      name: identity,
    });
    return { identity, publishTopic: topics.publishTopic, subscribeFilter: topics.subscribeFilter };
  });
  const bundled = files.find((f) => f.kind === 'psk');
  return { pskClients: list, ...(bundled ? { pskFileName: bundled.path } : {}) };
}

/**
 * With crlfile, Mosquitto (OpenSSL's X509_V_FLAG_CRL_CHECK) needs a CRL from the CA that issued each
 * client certificate: a client whose issuer has none is refused ("unable to get certificate CRL").
 */
function crlCoverage(
  ws: Workspace,
  views: ListenerView[],
  pemOf: (option: ConfOption | undefined) => string | undefined,
  bundled: (option: ConfOption) => string | Buffer | undefined,
): ExportLintFinding[] {
  const findings: ExportLintFinding[] = [];
  const clients = listCertificates(ws).filter((c) => c.kind === 'client' && !c.revoked);
  for (const view of views) {
    if (!view.crlfile || !view.requireCertificate || view.websockets) continue;
    const data = bundled(view.crlfile);
    if (data === undefined) continue;
    const issuers = new Set(readCrls(data, view.crlfile.value).map((c) => c.issuer.rfc2253));
    const trusted = new Set(certificatesOf(pemOf(view.cafile) ?? '').map((c) => c.fingerprint256));
    const missing = new Map<string, string[]>();
    for (const client of clients) {
      if (issuers.has(client.issuer)) continue;
      const chain = certificateChain(ws, client.name);
      const fps = certificatesOf(chain.chain + chain.ca).map((c) => c.fingerprint256);
      if (!fps.some((fp) => trusted.has(fp))) continue;
      missing.set(client.issuer, [...(missing.get(client.issuer) ?? []), client.name]);
    }
    for (const [issuer, names] of missing) {
      findings.push({
        code: 'CRL_MISSING_FOR_ISSUER',
        severity: 'error',
        file: 'mosquitto.conf',
        line: view.crlfile.line + HEADER_LINES,
        message: `listener ${view.port}: the crlfile has no CRL from "${issuer}", so Mosquitto refuses every client it issued (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}) with "unable to get certificate CRL"`,
        fix: `publish the CRL of "${issuer}" and put it in the crlfile (one file may hold several CRLs)`,
      });
    }
  }
  return findings;
}

function sortFindings(findings: ExportLintFinding[]): ExportLintFinding[] {
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return findings.sort((a, b) => rank[a.severity] - rank[b.severity] || (a.line ?? 0) - (b.line ?? 0));
}

/** Replace `key value` on the given lines (the map holds `newKey\0newValue`). */
function replaceOptionLines(text: string, replacements: Map<number, string>): string {
  const lines = text.split('\n');
  for (const [line, packed] of replacements) {
    const [key, value] = packed.split('\u0000') as [string, string];
    const raw = lines[line - 1];
    if (raw === undefined) continue;
    const indent = /^ */.exec(raw)![0];
    lines[line - 1] = `${indent}${key} ${value}${raw.endsWith('\r') ? '\r' : ''}`;
  }
  return lines.join('\n');
}

function describeFile(key: string): string {
  switch (key) {
    case 'cafile':
      return 'the CA certificates the broker verifies client certificates with';
    case 'keyfile':
      return "the server's private key";
    case 'crlfile':
      return 'the certificate revocation list(s) checked for client certificates';
    case 'acl_file':
      return 'the ACL: which user may read or write which topic';
    case 'password_file':
      return 'users and their password hashes ($7$, as mosquitto_passwd writes them)';
    case 'psk_file':
      return 'TLS-PSK identities and their keys';
    case 'dhparamfile':
      return 'Diffie-Hellman parameters';
    default:
      return key;
  }
}

export interface ExportPreview extends Omit<ExportPlan, 'files'> {
  files: PreviewFile[];
}

/** What the export would write, every file's content (secrets masked), and the lint — nothing is written. */
export function previewMosquittoExport(ws: Workspace, options: ExportMosquittoOptions = {}): ExportPreview {
  const prefix = options.pathPrefix ?? readExportSettings(ws).pathPrefix ?? DEFAULT_PREFIX;
  const plan = planMosquittoExport(ws, { ...options, pathPrefix: prefix });
  return { ...plan, files: plan.files.map(previewFile) };
}

export interface ExportResult {
  /** The folder or .tar.gz written. */
  target: string;
  kind: 'folder' | 'tar.gz';
  prefix: string;
  /** Bundle paths written (relative), in order. */
  files: string[];
  findings: ExportLintFinding[];
  clients: ClientChoice[];
  bridges: string[];
  /** Files given to the user Mosquitto runs as (written by root on a host that has that user). */
  owned?: { user: string; files: string[] };
}

function refuseErrors(plan: ExportPlan): void {
  const error = plan.findings.find((f) => f.severity === 'error');
  if (!error) return;
  const where = error.line !== undefined ? `${error.file}:${error.line}` : error.file;
  const source =
    error.line !== undefined && error.line > HEADER_LINES
      ? ` (broker settings line ${error.line - HEADER_LINES})`
      : '';
  throw new UserError(`${where}${source}: ${error.message} — fix: ${error.fix}`, 'EXPORT_LINT_ERROR', {
    file: error.file,
    ...(error.line !== undefined ? { line: error.line } : {}),
  });
}

/** Write the bundle into a folder (paths under `pathPrefix`, default: the folder's absolute path). */
export function exportMosquitto(
  ws: Workspace,
  options: ExportMosquittoOptions & { outDir: string },
): ExportResult {
  if (!options.outDir)
    throw new UserError('out: an output folder is required', 'BAD_OUTPUT', { field: 'out' });
  const dir = resolvePath(options.outDir);
  const plan = planMosquittoExport(ws, { ...options, pathPrefix: options.pathPrefix ?? dir });
  refuseErrors(plan);
  const written = writeBundleFolder(dir, plan.files);
  const out = result(plan, dir, 'folder');
  const user = plan.files.find((f) => f.owner)?.owner;
  if (user && written.owned && written.owned.length > 0) out.owned = { user, files: written.owned };
  return out;
}

/** Write the bundle as a .tar.gz (paths under `pathPrefix`, default /etc/mosquitto). */
export function exportMosquittoTarGz(
  ws: Workspace,
  options: ExportMosquittoOptions & { file: string },
): ExportResult {
  if (!options.file) throw new UserError('out: an output file is required', 'BAD_OUTPUT', { field: 'out' });
  const prefix = options.pathPrefix ?? readExportSettings(ws).pathPrefix ?? DEFAULT_PREFIX;
  const plan = planMosquittoExport(ws, { ...options, pathPrefix: prefix });
  refuseErrors(plan);
  const written = writeBundleTarGz(options.file, plan.files);
  return result(plan, written.target.kind === 'tar.gz' ? written.target.file : options.file, 'tar.gz');
}

function result(plan: ExportPlan, target: string, kind: 'folder' | 'tar.gz'): ExportResult {
  return {
    target,
    kind,
    prefix: plan.prefix,
    files: plan.files.map((f) => f.path),
    findings: plan.findings,
    clients: plan.clients,
    bridges: plan.bridges,
  };
}
