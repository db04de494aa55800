import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tlsMaterial } from '../../src-main/core/pki/index.js';
import type { Workspace } from '../../src-main/core/workspace/workspace.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { makeWorkshop } from '../helpers/workshop.js';

/** Paths of the broker files written from the workshop. */
export interface BrokerFiles {
  dir: string;
  /** root + intermediate, for client verification. */
  cafile: string;
  /** server leaf + intermediate. */
  certfile: string;
  keyfile: string;
}

/**
 * A workshop made with our pki core (root → intermediate "int" → server "broker" for localhost and
 * 127.0.0.1, clients device-1 and device-2), and the broker's files written from it.
 */
export async function workspacePki(ws: Workspace, dir: string): Promise<BrokerFiles> {
  await makeWorkshop(ws, {
    root: { name: 'root', cn: 'Studio Root' },
    intermediate: { name: 'int', cn: 'Studio Intermediate' },
    clients: ['device-1', 'device-2'],
  });
  const server = tlsMaterial(ws, 'broker');
  const brokerDir = join(dir, 'broker-files');
  mkdirSync(brokerDir, { recursive: true, mode: 0o755 });
  // Debian's mosquitto drops root privileges: let it read the files.
  chmodSync(dir, 0o755);
  chmodSync(brokerDir, 0o755);
  const files = {
    dir: brokerDir,
    cafile: join(brokerDir, 'ca.crt'),
    certfile: join(brokerDir, 'server.crt'),
    keyfile: join(brokerDir, 'server.key'),
  };
  writeFileSync(files.cafile, server.ca + server.intermediates);
  writeFileSync(files.certfile, server.chain);
  writeFileSync(files.keyfile, server.key, { mode: 0o644 });
  return files;
}

/** The workshop above, and Debian's mosquitto serving mTLS with it (certificate CN as username). */
export async function workspaceWithBroker(
  ws: Workspace,
  dir: string,
): Promise<{ mosquitto: RunningMosquitto; port: number; files: BrokerFiles }> {
  const files = await workspacePki(ws, dir);
  const port = await freePort();
  const mosquitto = await startMosquitto(
    files.dir,
    [
      'log_dest stderr',
      `listener ${port} 127.0.0.1`,
      `cafile ${files.cafile}`,
      `certfile ${files.certfile}`,
      `keyfile ${files.keyfile}`,
      'require_certificate true',
      'use_identity_as_username true',
      '',
    ].join('\n'),
    port,
  );
  return { mosquitto, port, files };
}
