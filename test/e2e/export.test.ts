import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveExportSettings } from '../../src-main/core/export/export-settings.js';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';
import { exportWorkshop, passwordLine, writeBrokerSettings } from '../export/fixtures.js';
import { opensslPki } from '../export/openssl-pki.js';

/** The Export view in Chromium through the browser mode: choose, preview every file, lint, write. */
describe('e2e: Export view', () => {
  const root = tempDir('mts-e2e-export-');
  const wsDir = join(root, 'ws');
  let app: OpenApp;

  beforeAll(async () => {
    const ws = await exportWorkshop(wsDir, ['site-bridge']);
    writeBrokerSettings(
      ws,
      [
        '# quick start style settings',
        'allow_anonymous false',
        'acl_file acl.conf',
        'password_file passwd',
        '',
        'listener 8883',
        'cafile ca.crt',
        'certfile server.crt',
        'keyfile server.key',
        'require_certificate true',
        'use_identity_as_username true',
        'tls_version tlsv1.2',
        '',
        'listener 8884',
        'certfile server.crt',
        'keyfile server.key',
        '',
      ].join('\n'),
      { 'acl.conf': 'pattern readwrite devices/%u/#\n', passwd: `${passwordLine('operator', 'secret')}\n` },
    );
    saveExportSettings(ws, {
      bridges: [
        {
          name: 'central',
          address: 'central.example.com:8883',
          topics: ['devices/# out 1'],
          certificate: 'site-bridge',
        },
      ],
    });
    app = await openApp(wsDir);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('previews every file with the lint, and the keys masked', async () => {
    const { page } = app;
    await app.gotoView('export');
    await page.waitForSelector('#preview-title');
    await page.locator('.files button', { hasText: 'mosquitto.conf' }).click();
    const content = page.getByLabel('Content of mosquitto.conf');
    await expect.poll(() => content.textContent()).toContain('certfile /etc/mosquitto/certs/server.crt');
    expect(await content.textContent()).toContain(
      'bridge_certfile /etc/mosquitto/bridges/central/site-bridge.crt',
    );
    expect(await page.locator('#lint-title').locator('..').textContent()).toContain(
      'Mosquitto starts from it',
    );
    await app.screenshot('export-preview');
    // At the default 1360 px width the bridge's buttons stay within the Bridges card's content (its row).
    const row = (await page.locator('.bridges li', { hasText: 'central.example.com' }).boundingBox())!;
    for (const name of ['Edit bridge central', 'Remove bridge central']) {
      const button = (await page.getByRole('button', { name }).boundingBox())!;
      expect(button.x, name).toBeGreaterThanOrEqual(row.x);
      expect(button.x + button.width, name).toBeLessThanOrEqual(row.x + row.width + 0.5);
    }
    await page.locator('.files button', { hasText: 'server.key' }).click();
    expect(await page.getByLabel('Content of certs/server.key').textContent()).toContain(
      'private key, not shown',
    );
    await page.locator('.files button', { hasText: 'README.txt' }).nth(1).click();
    await expect
      .poll(() => page.getByLabel(/Content of clients\/.*README.txt/).textContent())
      .toContain('mosquitto_pub');
    await app.screenshot('export-client-readme');
  });

  it('choosing clients changes the bundle; writing a folder and a .tar.gz works', async () => {
    const { page } = app;
    await page.getByLabel('Some').check();
    await page.locator('.choices label', { hasText: 'device-2' }).locator('input').uncheck();
    await expect.poll(() => page.locator('.files .group', { hasText: 'clients/device-2' }).count()).toBe(0);
    const folder = join(root, 'out');
    await page.getByLabel('Folder on this machine').fill(folder);
    await page.getByRole('button', { name: 'Write bundle' }).click();
    await page.waitForSelector('.done');
    expect(existsSync(join(folder, 'mosquitto.conf'))).toBe(true);
    expect(existsSync(join(folder, 'clients/device-1/README.txt'))).toBe(true);
    expect(existsSync(join(folder, 'clients/device-2'))).toBe(false);
    expect(statSync(join(folder, 'certs/server.key')).mode & 0o777).toBe(0o600);
    await page.getByLabel('.tar.gz').check();
    const archive = join(root, 'bundle.tar.gz');
    await page.getByLabel('Archive file on this machine').fill(archive);
    await page.getByRole('button', { name: 'Write bundle' }).click();
    await expect.poll(() => existsSync(archive)).toBe(true);
    await app.screenshot('export-written');
  });

  it('a lint error is shown and blocks writing', async () => {
    const { page } = app;
    const blockedFile = join(root, 'blocked.tar.gz');
    await page.getByLabel('Archive file on this machine').fill(blockedFile);
    await page.getByLabel('Path prefix on the broker host').fill('relative/path');
    await expect.poll(() => page.locator('.error-box').first().textContent()).toContain('pathPrefix');
    // Nothing can be written: the button is off, a forced click does nothing, the api refuses too.
    const write = page.getByRole('button', { name: 'Write bundle' });
    expect(await write.isDisabled()).toBe(true);
    await write.click({ force: true, timeout: 2000 }).catch(() => undefined);
    await expect(
      app.service.invoke('export.write', {
        target: 'tar.gz',
        path: blockedFile,
        pathPrefix: 'relative/path',
      }),
    ).rejects.toThrow(/pathPrefix/);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(blockedFile)).toBe(false);
    await page.getByLabel('Path prefix on the broker host').fill('/etc/mosquitto');
    await expect.poll(() => page.locator('.error-box').count()).toBe(0);
    expect(app.pageErrors).toEqual([]);
  });

  it('imports a production mosquitto.conf and lists what was not carried over', async () => {
    const { page } = app;
    const prod = join(root, 'prod');
    mkdirSync(prod);
    opensslPki(prod);
    const conf = join(prod, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        'allow_anonymous false',
        'listener 8883',
        `cafile ${prod}/ca.crt`,
        `certfile ${prod}/server.crt`,
        `keyfile ${prod}/server.key`,
        'require_certificate true',
        'use_identity_as_username true',
        'max_connections 500',
        '',
      ].join('\n'),
    );
    await page.getByLabel('mosquitto.conf on this machine').fill(conf);
    await page.getByLabel('Replace the current broker settings').check();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.waitForSelector('.report');
    expect(await page.locator('.report').textContent()).toContain('max_connections 500');
    await expect.poll(() => page.locator('.files button', { hasText: 'mosquitto.conf' }).count()).toBe(1);
    await page.locator('.files button', { hasText: 'mosquitto.conf' }).click();
    await expect
      .poll(() => page.getByLabel('Content of mosquitto.conf').textContent())
      .toContain('# not carried over by the import: max_connections 500');
    await page.locator('.report').scrollIntoViewIfNeeded();
    await app.screenshot('export-import');
    expect(app.pageErrors).toEqual([]);
  });
});
