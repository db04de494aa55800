/**
 * Bridges in the Broker view end to end (browser mode, Debian's Chromium): a bridge added in the UI to a
 * central Debian Mosquitto with mutual TLS comes up, its card counts the messages flowing both ways;
 * a broken bridge (no client certificate for a broker that requires one) shows its explained error.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { readableByMosquitto, startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { connectClient } from '../broker/differential.js';

describe('Broker view: bridges', () => {
  let app: OpenApp;
  let workspaceDir: string;
  let central: RunningMosquitto;
  let centralPort: number;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    const dir = sharedTempDir('bridges-e2e-');
    workspaceDir = join(dir, 'ws');
    const port = await freePort();
    centralPort = await freePort();
    app = await openApp(workspaceDir, { width: 1360, height: 1000 });
    await app.service.invoke('quickstart.run', { port });
    // The central broker: Debian's Mosquitto with the workspace's server certificate and mutual TLS.
    const centralDir = join(dir, 'central');
    mkdirSync(centralDir);
    for (const name of ['ca.crt', 'server.crt', 'server.key'])
      copyFileSync(join(workspaceDir, 'broker', name), join(centralDir, name));
    copyFileSync(join(workspaceDir, 'certs', 'device-2.crt'), join(centralDir, 'device-2.crt'));
    copyFileSync(join(workspaceDir, 'keys', 'device-2.key'), join(centralDir, 'device-2.key'));
    readableByMosquitto(centralDir);
    central = await startMosquitto(
      centralDir,
      [
        `listener ${centralPort} 127.0.0.1`,
        `cafile ${join(centralDir, 'ca.crt')}`,
        `certfile ${join(centralDir, 'server.crt')}`,
        `keyfile ${join(centralDir, 'server.key')}`,
        'require_certificate true',
        'use_identity_as_username true',
        'log_dest stderr',
        '',
      ].join('\n'),
      centralPort,
    );
    await app.gotoView('broker');
    await app.page.click('[data-testid="broker-start"]');
    await app.page.waitForSelector('[data-testid="listener-card"]');
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await app?.service.invoke('broker.stop', {});
    await app?.close();
    await central?.stop();
  });

  async function addBridge(name: string, topics: string, certificate: string) {
    const panel = app.page.locator('section[aria-label="bridges"]');
    await panel.getByRole('button', { name: 'Add a bridge' }).click();
    await panel.getByLabel('Connection name').fill(name);
    await panel.getByLabel('Central broker (host:port)').fill(`localhost:${centralPort}`);
    await panel.getByLabel(/^Topics/).fill(topics);
    await panel.getByLabel('Bridge certificate (bridge_certfile)').selectOption(certificate);
    await panel.getByLabel('Central CA (bridge_cafile)').selectOption('root-ca');
    await panel.getByRole('button', { name: 'Save bridge' }).click();
  }

  const card = (name: string) => app.page.locator(`[data-testid="bridge-card"][aria-label="bridge ${name}"]`);

  test('a bridge added in the UI comes up and its card shows messages flowing both ways', async () => {
    await addBridge('central', 'devices/device-1/# both 1', 'device-1');
    await card('central')
      .locator('[data-testid="bridge-state"]', { hasText: 'connected' })
      .waitFor({ timeout: 20_000 });

    const ws = (p: string) => join(workspaceDir, p);
    const status = (await app.service.invoke('broker.status', {})) as { listeners: Array<{ port: number }> };
    const local = await connectClient(`mqtts://localhost:${status.listeners[0]!.port}`, {
      ca: readFileSync(ws('broker/ca.crt')),
      cert: readFileSync(ws('certs/device-1.crt')),
      key: readFileSync(ws('keys/device-1.key')),
      clientId: 'local-device-1',
    });
    clients.push(local);
    const remote = await connectClient(`mqtts://localhost:${centralPort}`, {
      ca: readFileSync(ws('broker/ca.crt')),
      cert: readFileSync(ws('certs/device-2.crt')),
      key: readFileSync(ws('keys/device-2.key')),
      clientId: 'central-observer',
    });
    clients.push(remote);
    const atCentral: string[] = [];
    const atSite: string[] = [];
    remote.on('message', (t, p) => atCentral.push(`${t} ${p}`));
    local.on('message', (t, p) => atSite.push(`${t} ${p}`));
    await new Promise((r) => remote.subscribe('devices/device-1/#', { qos: 1 }, r));
    await new Promise((r) => local.subscribe('devices/device-1/#', { qos: 1 }, r));
    await new Promise((r) => local.publish('devices/device-1/temp', '21.5', { qos: 1 }, r));
    await new Promise((r) => remote.publish('devices/device-1/cmd', 'reboot', { qos: 1 }, r));
    await card('central').locator('[data-testid="bridge-counters"]', { hasText: 'in 1 · out 1' }).waitFor();
    expect(atCentral).toContain('devices/device-1/temp 21.5');
    expect(atSite).toContain('devices/device-1/cmd reboot');
    // The same sections run and export: the conf holds the section.
    expect(readFileSync(ws('broker/mosquitto.conf'), 'utf8')).toMatch(
      /connection central\naddress localhost:\d+/,
    );
    await card('central').scrollIntoViewIfNeeded();
    await app.screenshot('broker-bridge-connected');
  }, 60_000);

  test('a broken remote shows its explained error, with a link to inspect it', async () => {
    await addBridge('broken', 'sites/# out 1', '');
    const error = card('broken').locator('[data-testid="bridge-error"]');
    await error.waitFor({ timeout: 20_000 });
    const text = (await error.textContent()) ?? '';
    expect(text).toMatch(/CLIENT_CERT_REQUIRED/);
    expect(text).toMatch(/requires a client certificate and we sent none|certificate required/);
    expect(text).toContain('Fix:');
    await card('broken').scrollIntoViewIfNeeded();
    await app.screenshot('broker-bridge-broken');
    await card('broken').locator('[data-testid="bridge-inspect"]').click();
    await app.page.waitForSelector('main[data-view="inspector"]');
    expect(await app.page.inputValue('input[aria-label="Target"]').catch(() => '')).toContain(
      `localhost:${centralPort}`,
    );
    expect(app.pageErrors).toEqual([]);
  }, 60_000);
});
