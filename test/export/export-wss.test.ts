import { symlinkSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { ROOT } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { brokerConf, mtlsListener } from './conf-lines.js';
import { exportAndStart, exportWorkshop, writeBrokerSettings } from './fixtures.js';
import { shell } from './mosquitto-clients.js';

/** A wss listener with client certificates beside an mqtts one; mqtt.js is the client over WebSockets. */
describe('export mosquitto: wss with client certificates, run by Debian Mosquitto', () => {
  const root = tempDir('mts-export-wss-');
  const out = join(root, 'bundle');
  let broker: RunningMosquitto;
  let wssPort: number;
  const dir = join(out, 'clients/device-1');

  beforeAll(async () => {
    const ws = await exportWorkshop(join(root, 'ws'));
    const mqttsPort = await freePort();
    wssPort = await freePort();
    writeBrokerSettings(
      ws,
      brokerConf(
        'allow_anonymous false',
        'acl_file acl.conf',
        mtlsListener(wssPort, { lines: ['protocol websockets'] }),
        mtlsListener(mqttsPort),
      ),
      { 'acl.conf': 'pattern readwrite devices/%u/#\n' },
    );
    ({ broker } = await exportAndStart(ws, out, mqttsPort));
    await waitForPort(wssPort);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it("the README's mqtt.js snippet, run as written in the client folder, connects over wss and gets its message back", async () => {
    const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
    expect(readme).toContain(`wss://localhost:${wssPort}`);
    const start = readme.indexOf("    import { readFileSync } from 'node:fs';");
    const end = readme.indexOf('Python paho-mqtt');
    const snippet = readme
      .slice(start, end)
      .split('\n')
      .map((l) => l.replace(/^ {4}/, ''))
      .join('\n');
    expect(snippet).toContain(`mqtt.connect('mqtts://localhost:`);
    // The README's first endpoint is mqtts; the same snippet for the wss listener:
    const wssSnippet = snippet.replace(
      /mqtt\.connect\('mqtts:\/\/localhost:\d+'/,
      `mqtt.connect('wss://localhost:${wssPort}'`,
    );
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    for (const [name, code] of [
      ['mqtts.mjs', snippet],
      ['wss.mjs', wssSnippet],
    ]) {
      writeFileSync(join(dir, name!), code!);
      const r = await shell(`node ${name}`, dir, {}, 15_000);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('devices/device-1/hello hello from device-1');
    }
  });

  it('over wss the certificate CN is the username: a CONNECT username does not change it', async () => {
    const client = await mqtt.connectAsync(`wss://localhost:${wssPort}`, {
      ca: readFileSync(join(dir, 'ca.crt')),
      cert: readFileSync(join(dir, 'device-1.crt')),
      key: readFileSync(join(dir, 'device-1.key')),
      username: 'device-2',
      password: 'ignored',
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    try {
      const got: string[] = [];
      client.on('message', (topic) => got.push(topic));
      await client.subscribeAsync('devices/+/x', { qos: 1 });
      await client.publishAsync('devices/device-2/x', 'a', { qos: 1 });
      await client.publishAsync('devices/device-1/x', 'b', { qos: 1 });
      await new Promise((r) => setTimeout(r, 500));
      expect(got).toEqual(['devices/device-1/x']);
    } finally {
      await client.endAsync();
    }
  });

  it('over wss a client without a certificate is refused', async () => {
    const attempt = mqtt.connectAsync(`wss://localhost:${wssPort}`, {
      ca: readFileSync(join(dir, 'ca.crt')),
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 4000,
    });
    // The TLS 1.3 "certificate required" alert (116) from Mosquitto, not a timeout or a CONNACK.
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
  });
});
