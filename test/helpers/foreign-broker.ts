import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestPki, type TestPki } from '../client/openssl-pki.js';
import { readableByMosquitto, startMosquitto, type RunningMosquitto } from './mosquitto.js';
import { freePort } from './ports.js';

export interface ForeignBroker {
  pki: TestPki;
  mosquitto: RunningMosquitto;
  url: string;
}

/**
 * A broker the workspace does not know: Debian's Mosquitto with a server certificate from its own CA (made
 * by openssl in `dir/foreign`), verifying client certificates against the workspace's CA (quick start's
 * broker/ca.crt) with the certificate CN as username. For the bench's trust choices.
 */
export async function startForeignBroker(dir: string, workspaceDir: string): Promise<ForeignBroker> {
  chmodSync(dir, 0o755); // Mosquitto drops to its own user: let it reach the foreign PKI's folder
  const pki = await makeTestPki(join(dir, 'foreign'));
  const clientCa = join(pki.dir, 'workspace-ca.crt');
  copyFileSync(join(workspaceDir, 'broker', 'ca.crt'), clientCa);
  readableByMosquitto(pki.dir);
  const port = await freePort();
  const conf = [
    'per_listener_settings false',
    'log_dest stderr',
    `listener ${port} 127.0.0.1`,
    `certfile ${pki.serverChain}`,
    `keyfile ${pki.serverKey}`,
    `cafile ${clientCa}`,
    'require_certificate true',
    'use_identity_as_username true',
    '',
  ];
  const mosquitto = await startMosquitto(pki.dir, conf.join('\n'), port);
  return { pki, mosquitto, url: `mqtts://localhost:${port}` };
}
