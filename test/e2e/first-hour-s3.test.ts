/**
 * The first hour (#19), second round, end to end in Debian's Chromium over a quick-start workspace whose
 * broker runs: the export's disabled buttons say why and its lint shows what the bundle's clients meet
 * (item 5), an exported bundle imports back (item 5), the client profile picks CA and certificate from
 * the workshop or from a file (item 9), and the Broker, Export and ACL views at 1100x700 (item 9).
 * Screenshots light, dark and 1100x700: test-output/screenshots/first-hour-s3-*.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ConnectionProfile } from '../../src-main/core/client/index.js';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

describe('the first hour (#19), round two', () => {
  let app: OpenApp;
  let port: number;
  let root: string;
  let wsDir: string;

  beforeAll(async () => {
    root = tempDir('first-hour-s3-e2e-');
    wsDir = join(root, 'ws');
    app = await openApp(wsDir, { width: 1360, height: 860 });
    port = await freePort();
    await app.service.invoke('quickstart.run', { port });
    await app.service.invoke('broker.start', {});
  });

  afterAll(async () => {
    await app?.close();
  });

  /** Light, dark, and light at 1100x700. */
  async function shots(name: string, at1100?: () => Promise<void>): Promise<void> {
    const { page } = app;
    await app.screenshot(`first-hour-s3-${name}-light`);
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await app.screenshot(`first-hour-s3-${name}-dark`);
    await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
    await page.setViewportSize({ width: 1100, height: 700 });
    await at1100?.();
    await app.screenshot(`first-hour-s3-${name}-1100x700`);
    await page.setViewportSize({ width: 1360, height: 860 });
  }

  test('5. the export: lint of the client host name; "Write bundle" and "Import" say why they are off', async () => {
    const { page } = app;
    await app.gotoView('export');
    await page.waitForSelector('#preview-title');
    const write = page.getByRole('button', { name: 'Write bundle' });
    const reason = page.locator('#write-blocked');

    // A host name the server certificate does not hold: a warning with its fix (the bundle still writes).
    await page.getByLabel('Broker host name in the client commands').fill('127.0.0.2');
    const lint = page.locator('section[aria-labelledby="lint-title"]');
    await expect.poll(() => lint.textContent()).toContain('connect to "127.0.0.2"');
    expect(await lint.textContent()).toContain('host name verification failed');
    expect(await lint.textContent()).toMatch(
      /Fix: set the broker host name to one of localhost, 127\.0\.0\.1/,
    );
    expect(await write.isDisabled()).toBe(false);
    expect(await reason.count()).toBe(0);

    // No output path: off, and says so, tied to the button for screen readers.
    await page.getByLabel('Folder on this machine').fill('');
    await expect.poll(() => reason.textContent()).toContain('give the folder on this machine to write to');
    expect(await write.isDisabled()).toBe(true);
    expect(await write.getAttribute('aria-describedby')).toBe('write-blocked');

    // Settings that cannot make a bundle: the reason names the field.
    await page.getByLabel('Folder on this machine').fill(join(root, 'out'));
    await page.getByLabel('Path prefix on the broker host').fill('relative/path');
    await expect.poll(() => reason.textContent()).toContain('pathPrefix');
    expect(await write.isDisabled()).toBe(true);
    await page.getByLabel('Path prefix on the broker host').fill('/etc/mosquitto');
    await page.getByLabel('Broker host name in the client commands').fill('localhost');
    await expect.poll(() => reason.count()).toBe(0);
    expect(await write.isDisabled()).toBe(false);

    // Import over existing broker settings: off until "Replace" is ticked, and it says so.
    const importButton = page.getByRole('button', { name: 'Import', exact: true });
    const importReason = page.locator('#import-blocked');
    expect(await importButton.isDisabled()).toBe(true);
    expect(await importReason.textContent()).toContain('Tick "Replace the current broker settings"');
    expect(await importButton.getAttribute('aria-describedby')).toBe('import-blocked');
    await page.getByLabel('Replace the current broker settings').check();
    expect(await importButton.isDisabled()).toBe(false);
    expect(await importReason.count()).toBe(0);
    await page.getByLabel('Replace the current broker settings').uncheck();
    await page.locator('#write-title').scrollIntoViewIfNeeded();
    await page.getByLabel('Folder on this machine').fill('');
    await shots('export-reasons', async () => {
      await page.locator('#write-title').scrollIntoViewIfNeeded();
    });
    expect(app.pageErrors).toEqual([]);
  });

  test('5. export for /etc/mosquitto, then import that folder: the prefix maps back to it', async () => {
    const { page } = app;
    const out = join(root, 'bundle');
    await page.getByLabel('Folder on this machine').fill(out);
    await page.getByLabel('Path prefix on the broker host').fill('/etc/mosquitto');
    await page.getByRole('button', { name: 'Write bundle' }).click();
    await page.waitForSelector('.done');
    await page.getByLabel('mosquitto.conf on this machine').fill(join(out, 'mosquitto.conf'));
    await page.getByLabel('Replace the current broker settings').check();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const mapped = page.locator('[data-testid="import-prefix"]');
    await mapped.waitFor();
    expect((await mapped.textContent())?.replace(/\s+/g, ' ')).toContain(
      `Paths under /etc/mosquitto were read from the bundle folder ${out}`,
    );
    expect(await page.locator('.report').textContent()).toContain('imported');
    await mapped.scrollIntoViewIfNeeded();
    await app.screenshot('first-hour-s3-import-mapped');
    expect(app.pageErrors).toEqual([]);
  });

  test('5/9. the export preview at 1100x700 is one readable column; at 1360 two', async () => {
    const { page } = app;
    await app.gotoView('export');
    await page.waitForSelector('#preview-title');
    const previewWidth = async () =>
      (await page.locator('section[aria-labelledby="preview-title"]').boundingBox())!.width;
    const lintTop = async () =>
      (await page.locator('section[aria-labelledby="lint-title"]').boundingBox())!.y;
    const includeTop = async () =>
      (await page.locator('section[aria-labelledby="include-title"]').boundingBox())!.y;
    expect(await lintTop()).toBe(await includeTop());
    await page.setViewportSize({ width: 1100, height: 700 });
    // One column: the checks and the preview come after "What goes in", as wide as the view.
    await expect.poll(lintTop).toBeGreaterThan(await includeTop());
    expect(await previewWidth()).toBeGreaterThan(800);
    const writeTop = (await page.locator('section[aria-labelledby="write-title"]').boundingBox())!.y;
    expect(writeTop).toBeGreaterThan(await lintTop());
    // A conf line of the preview does not wrap.
    await page.locator('.files button', { hasText: 'mosquitto.conf' }).first().click();
    const line = page
      .getByLabel('Content of mosquitto.conf')
      .locator('.line', { hasText: 'certfile /etc/mosquitto/certs/server.crt' });
    const lineHeight = (await line.boundingBox())!.height;
    expect(lineHeight).toBeLessThan(24);
    await page.locator('#preview-title').scrollIntoViewIfNeeded();
    await app.screenshot('first-hour-s3-export-preview-1100x700');
    await page.setViewportSize({ width: 1360, height: 860 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('#preview-title').scrollIntoViewIfNeeded();
    await shots('export-preview', async () => {
      await page.locator('#preview-title').scrollIntoViewIfNeeded();
    });
  });

  test('9. the client profile: CA and certificate from the workshop, or from a picked file', async () => {
    const { page } = app;
    await app.gotoView('client');
    await page.getByRole('button', { name: 'New connection' }).click();
    const editor = page.getByRole('form', { name: 'Connection profile' });
    await editor.locator('input[name="name"]').fill('picked');
    await editor.locator('input[name="url"]').fill(`mqtts://localhost:${port}`);
    await editor.locator('input[name="clientId"]').fill('picked-files');
    // The workshop pickers list the CAs and the certificates with keys.
    const cas = await editor.locator('select[name="trustCa"] option').allTextContents();
    expect(cas).toEqual(expect.arrayContaining(['root-ca', 'intermediate-ca']));
    const identities = await editor.locator('select[name="certName"] option').allTextContents();
    expect(identities).toEqual(expect.arrayContaining(['device-1', 'device-2']));
    expect(identities).not.toContain('root-ca');
    await editor.locator('select[name="trustCa"]').selectOption('root-ca');
    await editor.locator('select[name="certName"]').selectOption('device-2');
    await shots('client-workshop-pickers');

    // Files instead: picked through the browser's file chooser, copied into the workspace.
    await editor.locator('select[name="trustKind"]').selectOption('file');
    await editor.getByLabel('Choose the ca file').setInputFiles(join(wsDir, 'certs/root-ca.crt'));
    await expect
      .poll(() => editor.locator('input[name="trustPath"]').inputValue())
      .toContain('/client-files/');
    expect(await editor.locator('[data-testid="picked-trustPath"]').textContent()).toContain('CN=');
    await editor.locator('select[name="certKind"]').selectOption('files');
    await editor
      .getByLabel('Choose the certificate file (leaf, then chain)')
      .setInputFiles(join(wsDir, 'certs/device-1.crt'));
    await editor.getByLabel('Choose the key file').setInputFiles(join(wsDir, 'keys/device-1.key'));
    await expect.poll(() => editor.locator('input[name="keyPath"]').inputValue()).toContain('/client-files/');
    expect(await editor.locator('input[name="certPath"]').inputValue()).toContain('/client-files/');
    // A key picked as the certificate: one clear error at that field, the path untouched.
    const certPath = await editor.locator('input[name="certPath"]').inputValue();
    await editor
      .getByLabel('Choose the certificate file (leaf, then chain)')
      .setInputFiles(join(wsDir, 'keys/device-2.key'));
    await expect
      .poll(() => editor.locator('[role="alert"]').first().textContent())
      .toMatch(/device-2\.key: holds no PEM certificate \(profile field "tls\.clientCert\.certPath"\)/);
    expect(await editor.locator('input[name="certPath"]').inputValue()).toBe(certPath);
    await editor
      .getByLabel('Choose the certificate file (leaf, then chain)')
      .setInputFiles(join(wsDir, 'certs/device-1.crt'));
    await expect.poll(() => editor.locator('[role="alert"]').count()).toBe(0);
    await shots('client-file-pickers');
    await editor.getByRole('button', { name: 'Save & connect' }).click();
    await page.waitForSelector('article[data-session="picked"] .state:has-text("connected")');
    const profiles = (await app.service.invoke('client.profiles', {})) as ConnectionProfile[];
    const saved = profiles.find((p) => p.name === 'picked')!;
    expect(saved.tls.trust).toEqual({
      kind: 'file',
      path: expect.stringContaining(`${wsDir}/client-files/`),
    });
    expect(app.pageErrors).toEqual([]);
  });

  test('9. the Broker view’s connected clients at 1100x700: ids and ciphers on one line, inside the card', async () => {
    const { page } = app;
    await app.service.invoke('client.connect', {
      profile: {
        name: 'device-2',
        url: `mqtts://localhost:${port}`,
        clientId: 'device-2-long-client-id',
        tls: {
          trust: { kind: 'workspace', ca: 'root-ca' },
          clientCert: { kind: 'workspace', name: 'device-2' },
        },
      },
    });
    await app.gotoView('broker');
    const table = page.locator('[data-testid="broker-clients"]');
    await table.locator('text=device-2-long-client-id').waitFor();
    await page.setViewportSize({ width: 1100, height: 700 });
    await table.scrollIntoViewIfNeeded();
    const card = (await page.locator('section[aria-label="connected clients"]').boundingBox())!;
    const box = (await table.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(card.x + card.width);
    for (const text of ['device-2-long-client-id', 'picked-files']) {
      const cell = table.locator('.mono.line', { hasText: text });
      expect((await cell.boundingBox())!.height, text).toBeLessThan(24);
    }
    const cipher = table.locator('td .line', { hasText: 'TLS_AES' }).first();
    expect((await cipher.boundingBox())!.height).toBeLessThan(24);
    expect(await table.locator('th').allTextContents()).toEqual([
      'Client',
      'Username',
      'Connection',
      'TLS',
      'Since',
    ]);
    await page.setViewportSize({ width: 1360, height: 860 });
    await table.scrollIntoViewIfNeeded();
    await shots('broker-clients', async () => {
      await table.scrollIntoViewIfNeeded();
    });
    expect(app.pageErrors).toEqual([]);
  });

  test('9. the ACL header at 1100 px: Open file…, Revert and Save on one line', async () => {
    const { page } = app;
    // A file with a refused line and a warning: the subtitle's badges make the title side widest.
    writeFileSync(
      join(wsDir, 'broker/acl.conf'),
      '# devices\npattern readwrite devices/%u/#\ntopic read\n  # an indented comment\n',
    );
    await app.gotoView('acl');
    await page.locator('.view-header .badge.err').waitFor();
    await page.locator('.view-header .badge.warn').waitFor();
    await page.setViewportSize({ width: 1100, height: 700 });
    const top = async (name: string) => (await page.getByRole('button', { name }).boundingBox())!.y;
    await page.getByRole('button', { name: 'Save' }).waitFor();
    const open = (await page.locator('label.btn.file').boundingBox())!.y;
    expect(await top('Save')).toBe(open);
    expect(await top('Revert')).toBe(open);
    // The user-block form: its button on one line.
    const add = (await page.getByRole('button', { name: 'Add user block' }).boundingBox())!;
    expect(add.height).toBeLessThan(32);
    await page.setViewportSize({ width: 1360, height: 860 });
    await shots('acl', async () => {
      await page.locator('h1').scrollIntoViewIfNeeded();
    });
    expect(app.pageErrors).toEqual([]);
  });
});
