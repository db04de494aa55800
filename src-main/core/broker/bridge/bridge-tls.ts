import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ConnectionOptions, SecureVersion } from 'node:tls';
import { UserError } from '../../user-error.js';
import type { ResolvedBridge } from './bridge-settings.js';

/** The TLS side of a bridge as Node's tls.connect takes it, plus the files it came from. */
export interface BridgeTls {
  options: ConnectionOptions;
  /** Absolute paths of every file read (watched for hot reload). */
  files: string[];
  /** What the trust is, in words, for explanations. */
  trust: string;
  sendsClientCertificate: boolean;
}

const MIN_VERSION: Record<string, SecureVersion> = {
  'tlsv1.1': 'TLSv1.1',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
};

function fail(bridge: ResolvedBridge, keyword: string, message: string): never {
  throw new UserError(
    `${bridge.where.label}: bridge "${bridge.name}": ${keyword}: ${message}`,
    'BAD_BRIDGE',
    {
      ...(bridge.where.file ? { file: bridge.where.file } : {}),
      ...(bridge.where.line !== undefined ? { line: bridge.where.line } : {}),
      field: `bridges[${bridge.index}]`,
    },
  );
}

function readText(bridge: ResolvedBridge, keyword: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(
      bridge,
      keyword,
      code === 'ENOENT' ? `${path} does not exist` : `${path} cannot be read (${code ?? 'error'})`,
    );
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Build the TLS options of a bridge from its bridge_* lines, as Mosquitto's client side uses them:
 * bridge_cafile/capath are the trust (no system roots), bridge_tls_version is a minimum (default
 * TLS 1.2), bridge_insecure skips the host name check only, bridge_psk/identity use TLS-PSK. Undefined
 * when the bridge talks plain MQTT.
 */
export function bridgeTls(bridge: ResolvedBridge): BridgeTls | undefined {
  const t = bridge.tls;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(bridge.baseDir, p));
  const options: ConnectionOptions = { rejectUnauthorized: true };
  const files: string[] = [];
  options.minVersion = MIN_VERSION[t.tlsVersion ?? 'tlsv1.2'] ?? 'TLSv1.2';
  if (t.alpn) options.ALPNProtocols = [t.alpn];
  if (t.psk && t.identity) {
    const key = Buffer.from(t.psk, 'hex');
    const identity = t.identity;
    options.pskCallback = () => ({ psk: key, identity });
    // Node speaks TLS-PSK with TLS 1.2 cipher suites only.
    options.maxVersion = 'TLSv1.2';
    if (options.minVersion === 'TLSv1.3') options.minVersion = 'TLSv1.2';
    options.ciphers =
      'PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256:PSK-CHACHA20-POLY1305:PSK-AES256-CBC-SHA384:PSK-AES128-CBC-SHA256';
    options.checkServerIdentity = () => undefined;
    return { options, files, trust: `the PSK identity "${identity}"`, sendsClientCertificate: false };
  }
  if (!t.cafile && !t.capath) return undefined;
  const ca: string[] = [];
  const trust: string[] = [];
  if (t.cafile) {
    const path = abs(t.cafile);
    files.push(path);
    const found = readText(bridge, 'bridge_cafile', path).match(PEM_CERT);
    if (!found) fail(bridge, 'bridge_cafile', `${path} holds no PEM certificate`);
    ca.push(...found.map((c) => c + '\n'));
    trust.push(`the CA file ${t.cafile}`);
  }
  if (t.capath) {
    const dir = abs(t.capath);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      fail(bridge, 'bridge_capath', `${dir} is not a readable folder`);
    }
    for (const name of names) {
      const path = join(dir, name);
      if (!statSync(path, { throwIfNoEntry: false })?.isFile()) continue;
      const found = readFileSync(path, 'utf8').match(PEM_CERT);
      if (found) {
        files.push(path);
        ca.push(...found.map((c) => c + '\n'));
      }
    }
    trust.push(`the CA folder ${t.capath}`);
  }
  options.ca = ca;
  let sendsClientCertificate = false;
  if (t.certfile && t.keyfile) {
    const certPath = abs(t.certfile);
    const keyPath = abs(t.keyfile);
    files.push(certPath, keyPath);
    options.cert = readText(bridge, 'bridge_certfile', certPath);
    options.key = readText(bridge, 'bridge_keyfile', keyPath);
    if (!/-----BEGIN CERTIFICATE-----/.test(options.cert))
      fail(bridge, 'bridge_certfile', `${certPath} holds no PEM certificate`);
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(options.key))
      fail(bridge, 'bridge_keyfile', `${keyPath} holds no PEM private key`);
    sendsClientCertificate = true;
  }
  // bridge_insecure: Mosquitto still verifies the chain but not the host name.
  if (t.insecure) options.checkServerIdentity = () => undefined;
  return { options, files, trust: trust.join(' and '), sendsClientCertificate };
}
