/**
 * `pub`, `sub` and `bench` connect through the same client core as the Client view: one profile built
 * from the command line, the same TLS handling, the same explained failures (problem code and words).
 * Loaded only when one of those commands runs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UsageError, type CliContext } from '../command.js';
import { UserError } from '../../core/user-error.js';
import { Workspace } from '../../core/workspace/workspace.js';
import {
  ClientFailure,
  SessionManager,
  validateProfile,
  workspaceCertificates,
  type ClientProblem,
  type ConnectionProfile,
  type WorkspaceCertificates,
} from '../../core/client/index.js';
import { workspaceBrokerUrl } from '../../core/broker/workspace-broker-url.js';
import { listCertificates } from '../../core/pki/catalog.js';
import { certificateChain } from '../../core/pki/chain.js';

/** The trust anchor name that stands for every root CA of the workspace. */
const ALL_WORKSPACE_ROOTS = '*workspace roots*';

/** The command-line field each profile field comes from, for errors that name what the user typed. */
const OPTION_OF_FIELD: Record<string, string> = {
  url: '--url',
  clientId: '--id',
  username: '--username',
  password: '--password-file',
  keepalive: '--keepalive',
  connectTimeout: '--connect-timeout',
  'tls.trust.path': '--ca',
  'tls.trust.ca': '--as',
  'tls.clientCert.name': '--as',
  'tls.clientCert.certPath': '--cert',
  'tls.clientCert.keyPath': '--key',
  'tls.clientCert.path': '--p12',
  'tls.clientCert.passphrase': '--passphrase-file',
  'tls.servername': '--servername',
  'tls.alpn': '--alpn',
  topic: '--topic',
  filter: '--topic',
  payload: '--message',
  qos: '--qos',
  properties: '--user-property',
  'properties.messageExpiryInterval': '--message-expiry',
  'properties.contentType': '--content-type',
  'properties.responseTopic': '--response-topic',
  'properties.correlationData': '--correlation-data',
  'properties.userProperties': '--user-property',
};

/** A UserError from the core, re-worded to name the command-line option instead of the profile field. */
export function asOptionError(error: unknown): unknown {
  if (!(error instanceof UserError) || error instanceof ClientFailure) return error;
  const field = error.location?.field?.replace(/^filters\[\d+\]\./, '');
  const option = field ? OPTION_OF_FIELD[field] : undefined;
  if (!option) return error;
  const text = error.message.replace(/^profile field "[^"]*": /, '').replace(/^[\w.[\]]+: /, '');
  return new UserError(`${option}: ${text}`, error.code, { ...error.location, field: option });
}

/** One line for a refused connection, subscription or publish: the problem code, the words, the fix. */
export function problemLine(problem: ClientProblem): string {
  const words = `${problem.code}: ${problem.message}${problem.fix ? ` — ${problem.fix}` : ''}`;
  return words.replace(/\s*\n\s*/g, ' ');
}

/** A file named by an option, as text; unreadable → one UserError naming the option and the file. */
export function readOptionFile(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `${option}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')})`,
      'NOT_FOUND',
      { file, field: option },
    );
  }
}

/** A secret (password, passphrase) kept in a file: its first line. */
export function readFirstLine(file: string, option: string): string {
  return readOptionFile(file, option).split(/\r?\n/)[0] ?? '';
}

/** A whole-number option within bounds (undefined when absent); anything else is bad usage. */
export function intOption(ctx: CliContext, name: string, min: number, max: number): number | undefined {
  const raw = ctx.option(name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name}: ${raw} is not a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

export function protocolOption(ctx: CliContext): '3.1.1' | '5.0' {
  const raw = ctx.option('protocol-version');
  if (raw === undefined || raw === '5' || raw === '5.0' || raw === 'mqttv5') return '5.0';
  if (raw === '3.1.1' || raw === '311' || raw === 'mqttv311') return '3.1.1';
  throw new UsageError(`--protocol-version (-V): ${raw} is not 3.1.1 or 5`);
}

export interface DeviceConnection {
  profile: ConnectionProfile;
  secrets: { password?: string; passphrase?: string };
  certificates?: WorkspaceCertificates;
  /** The URL connected to, for messages. */
  url: string;
}

/** The profile, secrets and workshop certificates the options describe. */
export function deviceConnection(ctx: CliContext, name: string): DeviceConnection {
  const url = ctx.option('url');
  const host = ctx.option('host');
  const portText = ctx.option('port');
  if (url && (host || portText)) throw new UsageError('give either --url or -h/-p, not both');
  const as = ctx.option('as');
  const cert = ctx.option('cert');
  const key = ctx.option('key');
  const p12 = ctx.option('p12');
  const ca = ctx.option('ca');
  const identities = [as && '--as', (cert || key) && '--cert/--key', p12 && '--p12'].filter(Boolean);
  if (identities.length > 1) throw new UsageError(`give one identity: ${identities.join(' or ')}`);
  if (Boolean(cert) !== Boolean(key)) throw new UsageError('--cert and --key go together');
  const insecure = ctx.values.insecure === true;
  const tlsAsked = Boolean(as || cert || p12 || ca || insecure || ctx.option('servername'));

  const ws = new Workspace(ctx.workspaceDir);
  let target: string;
  let defaultTarget = false;
  if (url) target = url;
  else if (host || portText) {
    const port = intOption(ctx, 'port', 1, 65535);
    const scheme = tlsAsked ? 'mqtts' : 'mqtt';
    const h = host ?? 'localhost';
    target = `${scheme}://${h.includes(':') ? `[${h}]` : h}${port !== undefined ? `:${port}` : ''}`;
  } else {
    target = workspaceBrokerUrl(ws).url;
    defaultTarget = true;
  }

  const base = ws.exists('certificates.json') ? workspaceCertificates(ws) : undefined;
  let trust: ConnectionProfile['tls']['trust'] = { kind: 'system' };
  if (ca) trust = { kind: 'file', path: ca };
  else if (base && (as || defaultTarget)) trust = { kind: 'workspace', ca: ALL_WORKSPACE_ROOTS };
  const certificates: WorkspaceCertificates | undefined = base && {
    identity: (n) => base.identity(n),
    trustAnchors: (caName) => {
      if (caName !== ALL_WORKSPACE_ROOTS) return base.trustAnchors(caName);
      const roots = listCertificates(ws).filter(
        (c) => c.kind === 'root-ca' || (c.isCa && c.subject === c.issuer),
      );
      return roots.map((r) => certificateChain(ws, r.name).cert);
    },
  };

  const clientCert: ConnectionProfile['tls']['clientCert'] = as
    ? { kind: 'workspace', name: as }
    : cert
      ? { kind: 'files', certPath: cert, keyPath: key! }
      : p12
        ? { kind: 'pkcs12', path: p12 }
        : { kind: 'none' };
  const passphraseFile = ctx.option('passphrase-file');
  const passwordFile = ctx.option('password-file');
  const secrets: DeviceConnection['secrets'] = {};
  if (passphraseFile) secrets.passphrase = readFirstLine(passphraseFile, '--passphrase-file');
  if (passwordFile) secrets.password = readFirstLine(passwordFile, '--password-file');
  const alpn = ctx.option('alpn');
  const servername = ctx.option('servername');
  const connectTimeout = intOption(ctx, 'connect-timeout', 1, 300) ?? 10;
  const input = {
    name,
    url: target,
    protocol: protocolOption(ctx),
    clientId: ctx.option('id') ?? '',
    ...(ctx.option('username') !== undefined ? { username: ctx.option('username') } : {}),
    clean: true,
    keepalive: 60,
    connectTimeout,
    tls: {
      trust,
      clientCert,
      verifyServer: !insecure,
      ...(servername ? { servername } : {}),
      ...(alpn ? { alpn } : {}),
    },
    logSize: 10,
  };
  if (secrets.password !== undefined && input.username === undefined && input.protocol === '3.1.1') {
    throw new UsageError('--password-file needs --username with MQTT 3.1.1');
  }
  let profile: ConnectionProfile;
  try {
    profile = validateProfile(input);
  } catch (error) {
    throw asOptionError(error);
  }
  return { profile, secrets, ...(certificates ? { certificates } : {}), url: target };
}

/**
 * mqtt-packet builds a cache of 65,536 two-byte buffers when it writes its first packet (about 0.1 s of
 * CPU and a garbage collection here): worth it in a long-lived broker or app, not in `pub`/`sub`, which
 * write a few packets. This process runs no broker, so switching it off (mqtt-packet's public
 * `writeToStream.cacheNumbers`) affects only these commands.
 */
function skipPacketNumberCache(): void {
  const mqttPacket = createRequire(import.meta.url)('mqtt-packet') as {
    writeToStream: { cacheNumbers: boolean };
  };
  mqttPacket.writeToStream.cacheNumbers = false;
}

/** Connect; a refusal or TLS failure is one UserError line (problem code, words, fix). */
export async function connectDevice(
  connection: DeviceConnection,
  options: { batchMs?: number; operationMs?: number } = {},
): Promise<{ manager: SessionManager; id: string }> {
  skipPacketNumberCache();
  const manager = new SessionManager({
    ...(connection.certificates ? { certificates: connection.certificates } : {}),
    batchMs: options.batchMs ?? 20,
    timeouts: { operationMs: options.operationMs ?? 10_000, disconnectMs: 2_000 },
  });
  let id: string;
  try {
    id = manager.open(connection.profile, connection.secrets).id;
  } catch (error) {
    throw asOptionError(error);
  }
  try {
    await manager.reconnect(id);
  } catch (error) {
    await manager.closeAll().catch(() => undefined);
    if (error instanceof ClientFailure) throw new DeviceFailure(error.problem);
    throw asOptionError(error);
  }
  return { manager, id };
}

/** A refused connection, subscription or publish, printed as one line. */
export class DeviceFailure extends UserError {
  constructor(readonly problem: ClientProblem) {
    super(problemLine(problem), problem.code);
    this.name = 'DeviceFailure';
  }
}
