import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveExportSettings } from '../../src-main/core/export/export-settings.js';
import type { Workspace } from '../../src-main/core/workspace/workspace.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { brokerConf, mtlsListener } from './conf-lines.js';
import { exportAndStart, exportWorkshop, writeBrokerSettings } from './fixtures.js';
import { readmeCommands, received, shell, subscribe } from './mosquitto-clients.js';

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A site broker bridged to a central one: the bridge presents a client certificate the workshop issued
 * ("site-bridge"), the central broker takes its CN as username. The central ACL lets the bridge write
 * and device-2 read EVERY topic (`#`), so only the bridge's own `topic` lines decide what crosses: a
 * bridge that forwarded everything would deliver local/hello to device-2.
 */
describe('export mosquitto: a bridge from a site broker to a central one, both Debian Mosquitto', () => {
  const root = tempDir('mts-export-bridge-');
  let ws: Workspace;
  let central: RunningMosquitto;
  let site: RunningMosquitto;
  let siteConf: string;
  const centralOut = join(root, 'central');
  const siteOut = join(root, 'site');

  beforeAll(async () => {
    ws = await exportWorkshop(join(root, 'ws'), ['site-bridge']);
    const centralPort = await freePort();
    const sitePort = await freePort();
    writeBrokerSettings(
      ws,
      brokerConf('allow_anonymous false', 'acl_file acl.conf', mtlsListener(centralPort)),
      {
        'acl.conf': 'user site-bridge\ntopic readwrite #\n\nuser device-2\ntopic read #\n',
      },
    );
    ({ broker: central } = await exportAndStart(ws, centralOut, centralPort, { bridges: false }));

    // The same workspace now describes the site broker, bridged to the central one.
    writeBrokerSettings(
      ws,
      brokerConf('allow_anonymous false', 'acl_file acl.conf', mtlsListener(sitePort)),
      {
        'acl.conf': 'user device-1\ntopic readwrite sites/#\ntopic readwrite local/#\n',
      },
    );
    saveExportSettings(ws, {
      bridges: [
        {
          name: 'central',
          address: `localhost:${centralPort}`,
          topics: ['sites/# out 1'],
          certificate: 'site-bridge',
          tlsVersion: 'tlsv1.2',
          remoteClientId: 'site-a',
        },
      ],
    });
    ({ broker: site, conf: siteConf } = await exportAndStart(ws, siteOut, sitePort));
    await until(
      () => central.log().includes("u'site-bridge'"),
      'the bridge to connect to the central broker',
    );
  });
  afterAll(async () => {
    await site?.stop();
    await central?.stop();
  });

  it('writes the bridge section with the workshop certificate and the central CA', () => {
    expect(siteConf).toContain('connection central');
    expect(siteConf).toContain('topic sites/# out 1');
    expect(siteConf).toContain(`bridge_cafile ${siteOut}/bridges/central/ca.crt`);
    expect(siteConf).toContain(`bridge_certfile ${siteOut}/bridges/central/site-bridge.crt`);
    expect(siteConf).toContain(`bridge_keyfile ${siteOut}/bridges/central/site-bridge.key`);
    expect(siteConf).toContain('bridge_tls_version tlsv1.2');
    expect(readFileSync(join(centralOut, 'mosquitto.conf'), 'utf8')).not.toContain('connection');
    expect(readFileSync(join(siteOut, 'README.txt'), 'utf8')).toContain('Bridges: central');
  });

  it('a message published on the site arrives at the central broker through the bridge', async () => {
    const d2 = join(centralOut, 'clients/device-2');
    const sub = subscribe(
      readmeCommands(readFileSync(join(d2, 'README.txt'), 'utf8')).sub.replace(/-t \S+/, "-t 'sites/#'"),
      d2,
      {
        waitSeconds: 10,
      },
    );
    await sub.subscribed;
    const d1 = join(siteOut, 'clients/device-1');
    const pub = readmeCommands(readFileSync(join(d1, 'README.txt'), 'utf8')).pub;
    expect(pub).toContain('-t sites/hello');
    const p = await shell(pub, d1);
    expect(p.code).toBe(0);
    expect(received((await sub.done).stdout)).toEqual(['sites/hello hello from device-1']);
  });

  it('a topic outside the bridge topics stays on the site', async () => {
    // device-2 reads `#` on the central broker (its ACL allows every topic). The site publishes
    // local/hello, then sites/marker: the bridge carries messages in order, so the first message
    // device-2 gets is local/hello if the bridge forwarded it, else sites/marker.
    const d2 = join(centralOut, 'clients/device-2');
    const sub = subscribe(
      readmeCommands(readFileSync(join(d2, 'README.txt'), 'utf8')).sub.replace(/-t \S+/, "-t '#'"),
      d2,
      { waitSeconds: 10 },
    );
    await sub.subscribed;
    const d1 = join(siteOut, 'clients/device-1');
    const pub = readmeCommands(readFileSync(join(d1, 'README.txt'), 'utf8')).pub;
    const local = await shell(pub.replace('-t sites/hello', '-t local/hello'), d1);
    expect(local.code).toBe(0);
    const marker = await shell(
      pub.replace('-t sites/hello', '-t sites/marker').replace(/-m ('[^']*'|\S+)/, '-m marker'),
      d1,
    );
    expect(marker.code).toBe(0);
    expect(received((await sub.done).stdout)).toEqual(['sites/marker marker']);
  });
});
