/**
 * The Broker view end to end (browser mode, Debian's Chromium): start the workspace broker made by the
 * quick start in one click, see the listener card, a connected client and a refused one explained in the
 * live log, filter the log, stop; then a broken conf file is shown with its line and an explanation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { connectClient, mqttjsOutcome } from '../broker/differential.js';

describe('Broker view', () => {
  let app: OpenApp;
  let dir: string;
  let workspaceDir: string;
  let port: number;

  beforeAll(async () => {
    dir = tempDir('broker-e2e-');
    workspaceDir = join(dir, 'ws');
    port = await freePort();
    app = await openApp(workspaceDir, { width: 1440, height: 1200 });
    await app.service.invoke('quickstart.run', { port });
    await app.gotoView('broker');
    await app.page.waitForSelector('[data-testid="broker-state"]');
  }, 60_000);
  afterAll(async () => {
    await app?.service.invoke('broker.stop', {});
    await app?.close();
  });

  const file = (relative: string) => readFileSync(join(workspaceDir, relative));

  test('one click starts the workspace broker; clients and refusals appear live, explained', async () => {
    await app.page.click('[data-testid="broker-start"]');
    await app.page.waitForSelector('[data-testid="listener-card"]');
    expect(await app.page.textContent('[data-testid="broker-state"]')).toBe('running');
    const card = await app.page.textContent('[data-testid="listener-card"]');
    expect(card).toContain(`mqtts://127.0.0.1:${port}`);
    expect(card).toContain('client certificate required');
    expect(card).toContain('username = certificate CN');

    const device = await connectClient(`mqtts://localhost:${port}`, {
      ca: file('broker/ca.crt'),
      cert: file('certs/device-1.crt'),
      key: file('keys/device-1.key'),
      clientId: 'device-1-e2e',
    });
    await new Promise<void>((resolve) =>
      device.publish('devices/device-2/cmd', 'not mine', { qos: 1 }, () => resolve()),
    );
    expect(await mqttjsOutcome(`mqtts://localhost:${port}`, { ca: file('broker/ca.crt') })).toBe('connack 5');

    await app.page.waitForSelector('[data-testid="broker-clients"] >> text=device-1-e2e');
    const log = app.page.locator('[data-testid="broker-log"]');
    await log.locator('text=no client certificate').first().waitFor();
    await log.locator("text=publishing to 'devices/device-2/cmd'").first().waitFor();
    const text = await log.textContent();
    expect(text).toContain('CLIENT_CERT_REQUIRED');
    expect(text).toContain('Give the client a certificate and key');
    expect(text).toContain("No ACL rule grants write on 'devices/device-2/cmd'");
    await app.screenshot('broker-running');

    await app.page.getByLabel('Show').selectOption('refusals');
    const refusals = await app.page.locator('[data-testid="broker-log"] li').count();
    expect(refusals).toBe(1);
    await app.screenshot('broker-log-refusals');
    await app.page.getByLabel('Show').selectOption('all');

    device.end(true);
    await app.page.click('[data-testid="broker-stop"]');
    await app.page.waitForSelector('[data-testid="broker-state"] >> text=stopped');
    expect(app.pageErrors).toEqual([]);
  }, 60_000);

  test('a conf that cannot run is shown with its file, line and what to do', async () => {
    await app.service.invoke('broker.stop', {});
    await app.page.waitForSelector('[data-testid="broker-state"] >> text=stopped');
    const bad = join(dir, 'bad.conf');
    writeFileSync(
      bad,
      `listener ${port}\ncertfile ${join(workspaceDir, 'broker/server.crt')}\nkeyfile ${join(workspaceDir, 'keys/device-1.key')}\n`,
    );
    await app.page.getByLabel('A mosquitto.conf file').check();
    await app.page.getByLabel('mosquitto.conf path').fill(bad);
    await app.page.click('[data-testid="broker-start"]');
    const box = app.page.locator('[data-testid="broker-error"]');
    await box.waitFor();
    const text = await box.textContent();
    expect(text).toContain(`${bad}:3:`);
    expect(text).toContain('does not match the certificate');
    expect(text).toContain('The key file belongs to another certificate');
    await app.screenshot('broker-start-error');
    expect(app.pageErrors).toEqual([]);
  }, 30_000);
});
