/**
 * The Broker view's settings form (issue #18), in Debian's Chromium: from quick start, add a websockets
 * TLS listener with the chain wizard's server certificate, a password listener with a user, switch the
 * mTLS listener to subject-as-username, set tlsv1.3 — each saved from the form and then tried with a real
 * mqtt.js client against the workspace broker. (test/broker/settings-api.test.ts runs the same four confs
 * on Debian's Mosquitto too.) A bad port is named at its field and nothing is saved.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';
import { distinctPorts, mqttjsOutcome } from '../broker/differential.js';

describe('Broker view: settings form', () => {
  let app: OpenApp;
  let workspaceDir: string;
  let ports: number[];
  const file = (p: string) => readFileSync(join(workspaceDir, p));
  const conf = () => file('broker/mosquitto.conf').toString();

  beforeAll(async () => {
    workspaceDir = join(tempDir('mts-settings-e2e-'), 'ws');
    ports = await distinctPorts(3);
    app = await openApp(workspaceDir, { width: 1360, height: 900 });
    await app.service.invoke('quickstart.run', { port: ports[0] });
    // The chain wizard's result: its own root, issuing CA and server certificate.
    await app.service.invoke('pki.createCa', { name: 'lan-root', cn: 'LAN Root CA' });
    await app.service.invoke('pki.createCa', {
      name: 'lan-issuing',
      cn: 'LAN Issuing CA',
      parent: 'lan-root',
    });
    await app.service.invoke('pki.issue', {
      ca: 'lan-issuing',
      profile: 'server',
      name: 'broker.lan',
      cn: 'localhost',
      san: ['dns:localhost', 'ip:127.0.0.1'],
    });
    await app.gotoView('broker');
    await app.page.waitForSelector('[data-testid="listener-editor"]');
  }, 90_000);
  afterAll(async () => {
    await app?.service.invoke('broker.stop', {});
    await app?.close();
  });

  const editor = (n: number) => app.page.locator('[data-testid="listener-editor"]').nth(n);

  async function save(): Promise<void> {
    const { page } = app;
    await page.waitForSelector('[data-testid="settings-save"]:not([disabled])');
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-save"][disabled]');
  }

  async function restartBroker(): Promise<void> {
    await app.service.invoke('broker.stop', {});
    await app.service.invoke('broker.start', {});
  }

  async function shots(name: string, at: number): Promise<void> {
    const { page } = app;
    await editor(at).scrollIntoViewIfNeeded();
    await app.screenshot(`broker-settings-${name}-light`);
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await app.screenshot(`broker-settings-${name}-dark`);
    await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
    await page.setViewportSize({ width: 1100, height: 700 });
    await app.screenshot(`broker-settings-${name}-1100x700`);
    await page.setViewportSize({ width: 1360, height: 900 });
  }

  const device: () => IClientOptions = () => ({
    cert: file('certs/device-1.crt'),
    key: file('keys/device-1.key'),
  });

  test('a bad port is named at its field, Save stays off, nothing is written', async () => {
    const before = conf();
    const port = editor(0).locator('[data-testid="listener-port"]');
    await port.fill('88x3');
    await editor(0).locator('[data-testid="field-issue"]', { hasText: 'port' }).first().waitFor();
    expect(await app.page.isDisabled('[data-testid="settings-save"]')).toBe(true);
    await port.fill(String(ports[0]));
    await app.page.waitForSelector('[data-testid="settings-check"] .badge.err', { state: 'detached' });
    expect(conf()).toBe(before);
    expect(app.pageErrors).toEqual([]);
  });

  test('add a websockets TLS listener with the chain wizard server certificate; device-1 connects over wss', async () => {
    const { page } = app;
    await page.click('[data-testid="add-listener"]');
    const wss = editor(1);
    await wss.locator('[data-testid="listener-port"]').fill(String(ports[1]));
    await wss.locator('[data-testid="listener-protocol"]').selectOption('websockets');
    await wss.locator('[data-testid="tls-cert"]').check();
    await wss.locator('[data-testid="server-cert"]').selectOption('broker.lan');
    await wss.locator('[data-testid="cafile-pick"]').selectOption('intermediate-ca');
    await wss.locator('[data-testid="require-certificate"]').check();
    await wss.locator('[data-testid="username-cn"]').check();
    await save();
    expect(conf()).toContain(
      `listener ${ports[1]}\nprotocol websockets\ncafile intermediate-ca-ca.crt\ncertfile broker.lan.crt`,
    );
    await app.service.invoke('broker.start', {});
    const ca = file('certs/lan-root.crt');
    expect(await mqttjsOutcome(`wss://localhost:${ports[1]}/mqtt`, { ca, ...device() })).toBe('accepted');
    // Mosquitto refuses a client without a certificate in TLS; ours says why with CONNACK 5.
    expect(await mqttjsOutcome(`wss://localhost:${ports[1]}/mqtt`, { ca })).toBe('connack 5');
    await page.waitForSelector(
      '[data-testid="listener-commands"] >> text=npx --yes mqtt@5 sub --protocol wss',
    );
    await shots('wss', 1);
  }, 90_000);

  test('add a password listener with a user; the running broker says a restart is needed, then alice gets in', async () => {
    const { page } = app;
    await page.click('[data-testid="add-listener"]');
    const plain = editor(2);
    await plain.locator('[data-testid="listener-port"]').fill(String(ports[2]));
    await plain.locator('[data-testid="listener-bind"]').fill('127.0.0.1');
    const security = page.locator('[data-testid="security-security"]');
    await security.locator('[data-testid="new-user"]').fill('alice');
    await security.locator('[data-testid="new-password"]').fill('wonder land');
    await security.locator('[data-testid="add-user"]').click();
    expect(await security.locator('[data-testid="password-file"]').inputValue()).toBe('passwd');
    await save();
    await page.waitForSelector('[data-testid="settings-reload"] >> text=restart needed');
    expect(file('broker/passwd').toString()).toMatch(/^alice:\$7\$101\$/);
    await page.click('[data-testid="settings-restart"]');
    await page.waitForSelector('[data-testid="settings-reload"]', { state: 'detached' });
    const url = `mqtt://127.0.0.1:${ports[2]}`;
    expect(await mqttjsOutcome(url, { username: 'alice', password: 'wonder land' })).toBe('accepted');
    expect(await mqttjsOutcome(url, { username: 'alice', password: 'nope' })).toBe('connack 5');
    await shots('password', 2);
  }, 90_000);

  test('switch the mTLS listener to subject as username, then tlsv1.3', async () => {
    const { page } = app;
    const mtls = editor(0);
    await mtls.locator('[data-testid="username-subject"]').check();
    await save();
    expect(conf()).toContain('use_subject_as_username true');
    expect(conf()).not.toContain('use_identity_as_username true\ntls_version');
    await mtls.locator('[data-testid="tls-version"]').selectOption('tlsv1.3');
    await save();
    expect(conf()).toMatch(/tls_version tlsv1\.3/);
    await restartBroker();
    const tls = { ca: file('broker/ca.crt'), ...device() };
    expect(await mqttjsOutcome(`mqtts://localhost:${ports[0]}`, tls)).toBe('accepted');
    expect(
      await mqttjsOutcome(`mqtts://localhost:${ports[0]}`, {
        ...tls,
        maxVersion: 'TLSv1.2',
      } as IClientOptions),
    ).toBe('refused in TLS');
    await page.click('[data-testid="settings-raw-tab"]');
    await page.waitForSelector('[data-testid="conf-raw"]');
    expect(await page.inputValue('[data-testid="conf-raw"]')).toBe(conf());
    await page.locator('[data-testid="conf-raw"]').scrollIntoViewIfNeeded();
    await app.screenshot('broker-settings-raw-light');
    await page.click('[data-testid="settings-form-tab"]');
    expect(app.pageErrors).toEqual([]);
  }, 90_000);
});
