import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  exportMosquitto,
  type ExportMosquittoOptions,
  type ExportResult,
} from '../../src-main/core/export/export-mosquitto.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { handToMosquitto } from './openssl-pki.js';
import { Workspace, type WorkspaceChange } from '../../src-main/core/workspace/workspace.js';
import { certificateChain, tlsMaterial } from '../../src-main/core/pki/index.js';
import { makeWorkshop } from '../helpers/workshop.js';

/**
 * A workshop like quick start makes: root → intermediate → server "broker" (localhost, 127.0.0.1),
 * clients device-1 and device-2, and (optionally) a client "site-bridge" for bridges.
 */
export async function exportWorkshop(dir: string, extraClients: string[] = []): Promise<Workspace> {
  const ws = new Workspace(dir);
  await makeWorkshop(ws, {
    root: { name: 'root-ca', cn: 'Export Test Root CA' },
    intermediate: { name: 'intermediate-ca', cn: 'Export Test Intermediate CA' },
    clients: ['device-1', 'device-2', ...extraClients],
  });
  return ws;
}

/** A Mosquitto `$7$` password line (PBKDF2-HMAC-SHA512, 101 iterations), as mosquitto_passwd writes. */
export function passwordLine(user: string, password: string): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, 101, 64, 'sha512');
  return `${user}:$7$101$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * Write the workspace broker settings (broker/mosquitto.conf and the files it names, as quick start
 * does). server.crt is written as the leaf ALONE on purpose: the export must complete the chain.
 */
export function writeBrokerSettings(ws: Workspace, conf: string, extra: Record<string, string> = {}): void {
  const chain = certificateChain(ws, 'broker');
  const changes: WorkspaceChange[] = [
    { path: 'broker/mosquitto.conf', data: conf },
    { path: 'broker/ca.crt', data: chain.ca },
    { path: 'broker/server.crt', data: chain.cert },
    { path: 'broker/server.key', data: tlsMaterial(ws, 'broker').key, secret: true },
  ];
  for (const [name, data] of Object.entries(extra)) {
    changes.push({ path: `broker/${name}`, data, secret: name === 'passwd' || name === 'psk.txt' });
  }
  ws.commit(changes);
}

/**
 * Export the workspace into `out`, do what the bundle README says to the 0600 files (chown to the
 * mosquitto user), and start Debian's Mosquitto with the exported mosquitto.conf, unchanged.
 */
export async function exportAndStart(
  ws: Workspace,
  out: string,
  port: number,
  options: Omit<ExportMosquittoOptions, 'pathPrefix'> & { pathPrefix?: string } = {},
): Promise<{ result: ExportResult; broker: RunningMosquitto; conf: string }> {
  const result = exportMosquitto(ws, { host: 'localhost', ...options, outDir: out });
  const secrets = result.files
    .filter((f) => !f.startsWith('clients/') && (statSync(join(out, f)).mode & 0o777) === 0o600)
    .map((f) => join(out, f));
  handToMosquitto(dirname(out), secrets);
  const conf = readFileSync(join(out, 'mosquitto.conf'), 'utf8');
  const broker = await startMosquitto(out, conf, port);
  return { result, broker, conf };
}
