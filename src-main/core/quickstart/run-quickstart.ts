import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../workspace/workspace.js';
import { UserError } from '../user-error.js';
import { createCa, issueCertificate, tlsMaterial, type CertificateSummary } from '../pki/index.js';
import { QUICKSTART, quickstartAcl, quickstartConf, serverNames } from './quickstart-plan.js';

export interface QuickstartOptions {
  port?: number;
  /** Host name to add to the server certificate (default: this machine's). */
  hostname?: string;
}

export interface QuickstartResult {
  port: number;
  certificates: CertificateSummary[];
  /** Files written under broker/ (relative to the workspace). */
  brokerFiles: string[];
  /** Milliseconds quick start took. */
  tookMs: number;
}

/**
 * Quick start: in an EMPTY workspace, a root CA, an intermediate CA, a server certificate for
 * localhost/127.0.0.1/::1/this host, client certificates device-1 and device-2, an ACL giving each
 * device devices/<CN>/#, and broker settings (mqtts, mTLS, CN as username). It never touches a
 * workspace that has anything in it; if a step fails, it removes what it made.
 */
export async function runQuickstart(
  ws: Workspace,
  options: QuickstartOptions = {},
): Promise<QuickstartResult> {
  const started = performance.now();
  const port = options.port ?? QUICKSTART.defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`--port: ${port} is not a TCP port (1–65535)`, 'BAD_PORT', { field: 'port' });
  }
  if (!ws.isEmpty()) {
    throw new UserError(
      `the workspace ${ws.dir} is not empty; quick start never overwrites a workspace — choose an empty one (--workspace DIR)`,
      'WORKSPACE_NOT_EMPTY',
      { field: 'workspace' },
    );
  }
  try {
    const certificates: CertificateSummary[] = [];
    certificates.push(await createCa(ws, { name: QUICKSTART.rootCa, cn: 'MQTT TLS Studio Root CA' }));
    certificates.push(
      await createCa(ws, {
        name: QUICKSTART.intermediateCa,
        cn: 'MQTT TLS Studio Intermediate CA',
        parent: QUICKSTART.rootCa,
        pathLen: 0,
      }),
    );
    certificates.push(
      await issueCertificate(ws, {
        ca: QUICKSTART.intermediateCa,
        profile: 'server',
        name: QUICKSTART.server,
        cn: 'localhost',
        san: serverNames(options.hostname),
      }),
    );
    for (const device of QUICKSTART.devices) {
      certificates.push(
        await issueCertificate(ws, {
          ca: QUICKSTART.intermediateCa,
          profile: 'client',
          name: device,
          cn: device,
        }),
      );
    }
    const server = tlsMaterial(ws, QUICKSTART.server);
    const caBundle = `${server.intermediates.trim()}\n${server.ca.trim()}\n`;
    const brokerFiles = [
      'broker/ca.crt',
      'broker/server.crt',
      'broker/server.key',
      'broker/acl.conf',
      'broker/mosquitto.conf',
    ];
    ws.commit([
      { path: 'broker/ca.crt', data: caBundle },
      { path: 'broker/server.crt', data: server.chain },
      { path: 'broker/server.key', data: server.key, secret: true },
      { path: 'broker/acl.conf', data: quickstartAcl() },
      { path: 'broker/mosquitto.conf', data: quickstartConf(port) },
    ]);
    return { port, certificates, brokerFiles, tookMs: Math.round(performance.now() - started) };
  } catch (error) {
    // The workspace was empty: put it back the way it was.
    for (const name of safeList(ws.dir)) rmSync(join(ws.dir, name), { recursive: true, force: true });
    throw error;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
