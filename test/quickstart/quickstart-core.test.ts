import { describe, expect, it } from 'vitest';
import { chownSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { runQuickstart, QUICKSTART } from '../../src-main/core/quickstart/index.js';
import { exportCertificate } from '../../src-main/core/pki/index.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { startMosquitto } from '../helpers/mosquitto.js';

describe('quick start (core)', () => {
  it('refuses a workspace that is not empty and leaves it untouched', async () => {
    const dir = join(tempDir(), 'ws');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(runQuickstart(new Workspace(dir))).rejects.toThrow(
      /not empty; quick start never overwrites/,
    );
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('refuses a bad port before writing anything', async () => {
    const dir = join(tempDir(), 'ws');
    await expect(runQuickstart(new Workspace(dir), { port: 70000 })).rejects.toThrow(/--port: 70000/);
    expect(new Workspace(dir).isEmpty()).toBe(true);
  });

  it('makes a chain, devices, ACL and broker settings that Debian’s Mosquitto runs as written', async () => {
    const root = tempDir();
    const ws = new Workspace(join(root, 'ws'));
    const port = await freePort();
    const result = await runQuickstart(ws, { port, hostname: 'studio-test-host' });
    expect(result.certificates.map((c) => c.name)).toEqual([
      QUICKSTART.rootCa,
      QUICKSTART.intermediateCa,
      QUICKSTART.server,
      ...QUICKSTART.devices,
    ]);
    const server = result.certificates[2];
    expect(server.san).toEqual(['dns:localhost', 'ip:127.0.0.1', 'ip:::1', 'dns:studio-test-host']);
    expect(statSync(ws.path('broker/server.key')).mode & 0o777).toBe(0o600);

    // The broker folder as quick start wrote it, run by the real Mosquitto from that folder. Run as
    // root, Mosquitto drops to the `mosquitto` user, so (as on a real host) the 0600 key must be its own.
    const brokerDir = ws.path('broker');
    const uid = Number((await run('id', ['-u', 'mosquitto'])).stdout.trim());
    chownSync(join(brokerDir, 'server.key'), uid, 0);
    const mosquitto = await startMosquitto(
      brokerDir,
      readFileSync(join(brokerDir, 'mosquitto.conf'), 'utf8'),
      port,
      {
        cwd: brokerDir,
      },
    );
    try {
      const out = join(root, 'device-1');
      await exportCertificate(ws, 'device-1', { outDir: out, format: 'pem' });
      const tls = ['-h', 'localhost', '-p', String(port), '--cafile', join(out, 'ca.crt')];
      const sub = run('mosquitto_sub', [
        ...tls,
        '--cert',
        join(out, 'device-1.crt'),
        '--key',
        join(out, 'device-1.key'),
        '-t',
        'devices/device-1/#',
        '-C',
        '1',
        '-W',
        '10',
      ]);
      await new Promise((r) => setTimeout(r, 500));
      const pub = await run('mosquitto_pub', [
        ...tls,
        '--cert',
        join(out, 'device-1.crt'),
        '--key',
        join(out, 'device-1.key'),
        '-t',
        'devices/device-1/hello',
        '-m',
        'hi from device-1',
      ]);
      expect(pub.code, pub.stderr).toBe(0);
      const received = await sub;
      expect(received.stdout.trim()).toBe('hi from device-1');
    } finally {
      await mosquitto.stop();
    }
  });
});
