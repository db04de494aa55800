import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportMosquitto } from '../../src-main/core/export/export-mosquitto.js';
import type { Workspace } from '../../src-main/core/workspace/workspace.js';
import { logLine, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { exportAndStart, exportWorkshop, writeBrokerSettings } from './fixtures.js';
import { publish, readmeCommands, received, shell, subscribe } from './mosquitto-clients.js';
import { quickstartConf } from '../../src-main/core/quickstart/index.js';

/** mTLS with the certificate CN as username and a %u pattern ACL, as quick start sets it up. */
describe('export mosquitto: mTLS + identity as username + ACL, run by Debian Mosquitto', () => {
  const root = tempDir('mts-export-mtls-');
  const out = join(root, 'bundle');
  let ws: Workspace;
  let port: number;
  let broker: RunningMosquitto;
  let result: ReturnType<typeof exportMosquitto>;

  beforeAll(async () => {
    ws = await exportWorkshop(join(root, 'ws'));
    port = await freePort();
    writeBrokerSettings(ws, quickstartConf(port), { 'acl.conf': 'pattern readwrite devices/%u/#\n' });
    ({ result, broker } = await exportAndStart(ws, out, port, { host: 'localhost' }));
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('writes the conf with every path under the folder, and the files it names', () => {
    const conf = readFileSync(join(out, 'mosquitto.conf'), 'utf8');
    expect(conf).toContain(`cafile ${out}/certs/ca.crt`);
    expect(conf).toContain(`certfile ${out}/certs/server.crt`);
    expect(conf).toContain(`keyfile ${out}/certs/server.key`);
    expect(conf).toContain(`acl_file ${out}/acl.conf`);
    expect(conf).toContain('use_identity_as_username true');
    expect(result.files).toEqual(
      expect.arrayContaining([
        'mosquitto.conf',
        'README.txt',
        'certs/ca.crt',
        'certs/server.crt',
        'certs/server.key',
        'acl.conf',
        'clients/device-1/ca.crt',
        'clients/device-1/device-1.crt',
        'clients/device-1/device-1.key',
        'clients/device-1/README.txt',
        'clients/device-2/README.txt',
      ]),
    );
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('completes the server certificate file into leaf + intermediate, in order', async () => {
    const pem = readFileSync(join(out, 'certs/server.crt'), 'utf8');
    const certs = pem
      .match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!
      .map((p) => new X509Certificate(p));
    expect(certs.map((c) => c.subject)).toEqual(['CN=localhost', 'CN=Export Test Intermediate CA']);
    expect(certs[0]!.checkIssued(certs[1]!)).toBe(true);
    expect(result.findings.some((f) => f.code === 'CHAIN_REPAIRED')).toBe(true);
    const verify = await run('openssl', [
      'verify',
      '-CAfile',
      join(out, 'clients/device-1/ca.crt'),
      '-untrusted',
      join(out, 'certs/server.crt'),
      join(out, 'certs/server.crt'),
    ]);
    expect(verify.stdout).toContain(': OK');
  });

  it('writes keys 0600 and everything else 0644', () => {
    for (const file of result.files) {
      const mode = statSync(join(out, file)).mode & 0o777;
      expect([file, mode]).toEqual([file, file.endsWith('.key') ? 0o600 : 0o644]);
    }
  });

  it("device-1's README commands publish and receive on its own topic", async () => {
    const dir = join(out, 'clients/device-1');
    const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
    const { sub, pub } = readmeCommands(readme);
    expect(sub).toContain("-t 'devices/device-1/#'");
    expect(pub).toContain('-t devices/device-1/hello');
    const s = subscribe(sub, dir);
    await s.subscribed;
    const p = await shell(pub, dir);
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const r = await s.done;
    expect(received(r.stdout)).toEqual(['devices/device-1/hello hello from device-1']);
  });

  it("device-2 cannot publish to device-1's topic (dropped by the ACL)", async () => {
    const dir1 = join(out, 'clients/device-1');
    const dir2 = join(out, 'clients/device-2');
    const s = subscribe(readmeCommands(readFileSync(join(dir1, 'README.txt'), 'utf8')).sub, dir1, {
      waitSeconds: 2,
    });
    await s.subscribed;
    const pub2 = readmeCommands(readFileSync(join(dir2, 'README.txt'), 'utf8')).pub.replace(
      'devices/device-2/hello',
      'devices/device-1/hello',
    );
    expect(pub2).toContain('--cert device-2.crt');
    const p = await shell(pub2, dir2);
    expect(p.code).toBe(0); // Mosquitto drops a refused PUBLISH silently
    const r = await s.done;
    expect(received(r.stdout)).toEqual([]);
  });

  it('a client without a certificate is refused at the handshake, for that reason', async () => {
    const from = broker.log().length;
    const r = await publish(port, join(out, 'clients/device-1/ca.crt'), ['-t', 'x', '-m', 'y']);
    // A TLS failure (not a timeout kill, not a CONNACK refusal), and Mosquitto says why. mosquitto_pub
    // reports the alert as a protocol error (exit 1), or as a lost connection (exit 7, MOSQ_ERR_CONN_LOST)
    // when the broker's close reaches it first — seen under load.
    expect([1, 7], r.stderr).toContain(r.code);
    expect(r.stderr).toMatch(/^Error: (Protocol error|The connection was lost\.)\n$/);
    await logLine(broker, from, /peer did not return a certificate/);
  });
});
