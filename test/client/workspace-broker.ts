import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa } from '../../src-main/core/pki/ca.js';
import { tlsMaterial } from '../../src-main/core/pki/chain.js';
import { issueCertificate } from '../../src-main/core/pki/issue.js';
import type { Workspace } from '../../src-main/core/workspace/workspace.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';

/**
 * A workshop made with our pki core (root → intermediate "int" → server "broker", clients device-1
 * and device-2) and Debian's mosquitto serving mTLS with it (certificate CN as username).
 */
export async function workspaceWithBroker(
  ws: Workspace,
  dir: string,
): Promise<{ mosquitto: RunningMosquitto; port: number }> {
  await createCa(ws, { name: 'root', cn: 'Studio Root' });
  await createCa(ws, { name: 'int', cn: 'Studio Intermediate', parent: 'root' });
  await issueCertificate(ws, {
    ca: 'int',
    profile: 'server',
    name: 'broker',
    cn: 'localhost',
    san: ['dns:localhost', 'ip:127.0.0.1'],
  });
  await issueCertificate(ws, { ca: 'int', profile: 'client', name: 'device-1', cn: 'device-1' });
  await issueCertificate(ws, { ca: 'int', profile: 'client', name: 'device-2', cn: 'device-2' });
  const server = tlsMaterial(ws, 'broker');
  const brokerDir = join(dir, 'mosquitto');
  mkdirSync(brokerDir, { recursive: true, mode: 0o755 });
  // Debian's mosquitto drops root privileges: let it read the files.
  chmodSync(dir, 0o755);
  chmodSync(brokerDir, 0o755);
  writeFileSync(join(brokerDir, 'ca.crt'), server.ca + server.intermediates);
  writeFileSync(join(brokerDir, 'server.crt'), server.chain);
  writeFileSync(join(brokerDir, 'server.key'), server.key, { mode: 0o644 });
  const port = await freePort();
  const mosquitto = await startMosquitto(
    brokerDir,
    [
      'log_dest stderr',
      `listener ${port} 127.0.0.1`,
      `cafile ${join(brokerDir, 'ca.crt')}`,
      `certfile ${join(brokerDir, 'server.crt')}`,
      `keyfile ${join(brokerDir, 'server.key')}`,
      'require_certificate true',
      'use_identity_as_username true',
      '',
    ].join('\n'),
    port,
  );
  return { mosquitto, port };
}
