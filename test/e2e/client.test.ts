import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { openApp, screenshotLightAndDark, type OpenApp } from '../helpers/browser.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/tmp.js';
import { workspaceWithBroker, type BrokerFiles } from '../client/workspace-broker.js';
import { freePort } from '../helpers/ports.js';

/**
 * The Client view in Chromium (browser mode): two identities from the workshop connect to Debian's
 * mosquitto over mTLS, one publishes, the other sees the message in its log; a third connection
 * without a certificate shows the explained refusal.
 */
let app: OpenApp;
let mosquitto: RunningMosquitto;
let port = 0;
let root = '';
let files: BrokerFiles;
/** The app's own broker of the last tests: its port and settings file. */
let ours = 0;
let confPath = '';

beforeAll(async () => {
  root = tempDir('mts-e2e-client-');
  const workspaceDir = join(root, 'ws');
  ({ mosquitto, port, files } = await workspaceWithBroker(new Workspace(workspaceDir), root));
  app = await openApp(workspaceDir, { width: 1500, height: 1000 });
});

afterAll(async () => {
  await app?.service.invoke('broker.stop', {}).catch(() => undefined);
  await app?.close();
  await mosquitto?.stop();
});

async function newConnection(
  name: string,
  cert: string | null,
  brokerPort = port,
  reconnectPeriod?: string,
): Promise<void> {
  const page = app.page;
  await page.getByRole('button', { name: 'New connection' }).click();
  const editor = page.getByRole('form', { name: 'Connection profile' });
  await editor.locator('input[name="name"]').fill(name);
  await editor.locator('input[name="url"]').fill(`mqtts://localhost:${brokerPort}`);
  await editor.locator('select[name="trustCa"]').selectOption('int');
  if (cert) await editor.locator('select[name="certName"]').selectOption(cert);
  else await editor.locator('select[name="certKind"]').selectOption('none');
  if (reconnectPeriod !== undefined) await editor.getByLabel('Reconnect every').fill(reconnectPeriod);
  await editor.getByRole('button', { name: 'Save & connect' }).click();
}

describe('Client view', () => {
  it('two identities side by side: device-1 publishes, device-2 sees it in its log', async () => {
    const page = app.page;
    await app.gotoView('client');
    await newConnection('device-1', 'device-1', port, '5');
    const one = page.locator('[data-session="device-1"]');
    await expect.poll(() => one.locator('.state').textContent()).toBe('connected');
    await newConnection('device-2', 'device-2');
    const two = page.locator('[data-session="device-2"]');
    await expect.poll(() => two.locator('.state').textContent()).toBe('connected');
    await expect.poll(() => page.locator('tr[data-profile]').count()).toBe(2);
    // The editor's labelled "Reconnect every" input reached the saved profile (default 0 = off).
    const saved = (await app.service.invoke('client.profiles', {})) as Array<{
      name: string;
      reconnectPeriod: number;
    }>;
    expect(saved.map((p) => [p.name, p.reconnectPeriod]).sort()).toEqual([
      ['device-1', 5],
      ['device-2', 0],
    ]);

    await two.locator('input[name="filter"]').fill('devices/#');
    await two.locator('select[name="subQos"]').selectOption('1');
    await two.getByRole('button', { name: 'Subscribe' }).click();
    await two.locator('.chip', { hasText: 'devices/#' }).waitFor();

    await one.locator('input[name="topic"]').fill('devices/device-1/temp');
    await one.locator('select[name="format"]').selectOption('json');
    await one.locator('select[name="qos"]').selectOption('1');
    await one.locator('textarea[name="payload"]').fill('{"celsius": 21.5, "ok": true}');
    await one.getByRole('button', { name: 'Publish' }).click();
    await one.getByText(/acknowledged by the broker \(PUBACK\)/).waitFor();

    const row = two.locator('.msg', { hasText: 'devices/device-1/temp' });
    await row.waitFor();
    expect(await row.textContent()).toContain('{"celsius": 21.5, "ok": true}');
    await row.click();
    await two.getByRole('button', { name: 'JSON', exact: true }).click();
    const body = two.locator('pre.body');
    await expect.poll(() => body.textContent()).toBe('{\n  "celsius": 21.5,\n  "ok": true\n}');
    // the topic filter: a substring that matches nothing, then an MQTT filter that matches
    const filter = two.getByLabel('Topic filter');
    await filter.fill('nothing-like-this');
    await two.getByText('No message matches the filter.').waitFor();
    await filter.fill('devices/+/temp');
    await expect.poll(() => two.locator('.msg').count()).toBe(1);
    expect(await two.locator('.count').textContent()).toMatch(/1 of 1 shown/);
    // device-1 published but subscribed to nothing: its log stays empty
    expect(await one.locator('.msg').count()).toBe(0);

    // the publish history offers the message again
    await expect.poll(() => one.getByLabel('Publish history').locator('option').count()).toBe(2);
    await body.scrollIntoViewIfNeeded();
    await screenshotLightAndDark(app, 'client-two-identities');
    expect(app.pageErrors).toEqual([]);
  });

  it('a connection without a client certificate shows the refusal explained, linked to the inspector', async () => {
    const page = app.page;
    await newConnection('intruder', null);
    const pane = page.locator('[data-session="intruder"]');
    await expect.poll(() => pane.locator('.state').textContent()).toBe('failed');
    await expect.poll(() => pane.locator('.problem').textContent()).toContain('CLIENT_CERT_REQUIRED');
    await pane.scrollIntoViewIfNeeded();
    await app.screenshot('client-refused');
    await pane.getByRole('button', { name: 'Open in the inspector' }).click();
    await page.waitForSelector('main[data-view="inspector"]');
    expect(page.url()).toContain(`target=localhost%3A${port}`);
    expect(app.pageErrors).toEqual([]);
  });

  it("with the app's own broker, a publish dropped under its ACL is explained from the broker's log", async () => {
    const page = app.page;
    ours = await freePort();
    writeFileSync(join(files.dir, 'acl.conf'), 'user device-1\ntopic readwrite devices/device-1/#\n');
    confPath = join(files.dir, 'ours.conf');
    writeFileSync(
      confPath,
      [
        `listener ${ours} 127.0.0.1`,
        `cafile ${files.cafile}`,
        `certfile ${files.certfile}`,
        `keyfile ${files.keyfile}`,
        'require_certificate true',
        'use_identity_as_username true',
        `acl_file ${join(files.dir, 'acl.conf')}`,
        '',
      ].join('\n'),
    );
    const status = (await app.service.invoke('broker.start', { config: confPath })) as { running: boolean };
    expect(status.running).toBe(true);
    // the last test left for the inspector: coming back shows the open connections again
    await app.gotoView('client');
    await expect.poll(() => page.locator('[data-session="device-2"] .state').textContent()).toBe('connected');
    await page
      .locator('[data-session="intruder"]')
      .getByRole('button', { name: 'Close connection intruder' })
      .click();
    await newConnection('device-1-ours', 'device-1', ours);
    const pane = page.locator('[data-session="device-1-ours"]');
    await expect.poll(() => pane.locator('.state').textContent()).toBe('connected');
    await pane.locator('input[name="topic"]').fill('devices/device-2/cmd');
    await pane.locator('select[name="qos"]').selectOption('1');
    await pane.locator('textarea[name="payload"]').fill('open the valve');
    await pane.getByRole('button', { name: 'Publish' }).click();
    await pane.getByText(/acknowledged by the broker/).waitFor();
    const notes = pane.getByRole('status', { name: 'Local broker log' });
    await expect.poll(() => notes.textContent()).toContain('devices/device-2/cmd');
    expect(await pane.locator('.state').textContent()).toBe('connected');
    await notes.scrollIntoViewIfNeeded();
    await app.screenshot('client-acl-denied');
    expect(app.pageErrors).toEqual([]);
  });

  it("a profile with automatic reconnect shows 'reconnecting' while the broker is down and connects again", async () => {
    const page = app.page;
    await newConnection('device-1-retry', 'device-1', ours, '1');
    const pane = page.locator('[data-session="device-1-retry"]');
    await expect.poll(() => pane.locator('.state').textContent()).toBe('connected');
    await app.service.invoke('broker.stop', {});
    await expect
      .poll(() => pane.locator('.state').textContent(), { timeout: 10_000 })
      .toMatch(/^reconnecting · attempt [1-9]\d* · every 1 s$/);
    expect(await pane.getByRole('button', { name: 'Disconnect' }).isVisible()).toBe(true);
    await pane.scrollIntoViewIfNeeded();
    await app.screenshot('client-reconnecting');
    const status = (await app.service.invoke('broker.start', { config: confPath })) as { running: boolean };
    expect(status.running).toBe(true);
    await expect.poll(() => pane.locator('.state').textContent(), { timeout: 10_000 }).toBe('connected');
    expect(app.pageErrors).toEqual([]);
  });
});
