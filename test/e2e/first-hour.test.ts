/**
 * What a new user stumbled on in the first hour (#19), end to end in Debian's Chromium over a quick-start
 * workspace whose broker runs: each test fails on the old behaviour. Screenshots in light, dark and at
 * 1100x700 (test-output/screenshots/first-hour-*).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

describe('the first hour (#19)', () => {
  let app: OpenApp;
  let port: number;
  let plainPort: number;
  let mosquitto: RunningMosquitto;

  beforeAll(async () => {
    const dir = tempDir('first-hour-e2e-');
    app = await openApp(join(dir, 'ws'), { width: 1360, height: 860 });
    port = await freePort();
    await app.service.invoke('quickstart.run', { port });
    await app.service.invoke('broker.start', {});
    plainPort = await freePort();
    mosquitto = await startMosquitto(
      dir,
      `listener ${plainPort} 127.0.0.1\nallow_anonymous true\n`,
      plainPort,
    );
  });

  afterAll(async () => {
    await app?.close();
    await mosquitto?.stop();
  });

  /** Light, dark, and light at 1100x700: the three looks the issue asks to be looked at. */
  async function shots(name: string): Promise<void> {
    const { page } = app;
    await app.screenshot(`first-hour-${name}-light`);
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await app.screenshot(`first-hour-${name}-dark`);
    await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
    await page.setViewportSize({ width: 1100, height: 700 });
    await app.screenshot(`first-hour-${name}-1100x700`);
    await page.setViewportSize({ width: 1360, height: 860 });
  }

  const inspected = (target: string) =>
    app.page.waitForFunction(
      (t) =>
        document.querySelector('section[aria-label="Result"] h2 .mono')?.textContent === t &&
        document.querySelector('.result[aria-busy="false"]') !== null,
      target,
    );

  test('1. the app’s own broker: its CA preselected; with system roots the diagnosis is the untrusted root, never a missing intermediate', async () => {
    const { page } = app;
    await app.gotoView('inspector');
    const target = `localhost:${port}`;
    await page.fill('input[aria-label="Target"]', target);
    await page.waitForFunction(
      () =>
        (document.querySelector('select[aria-label="Trust"]') as HTMLSelectElement | null)?.value ===
        'workspace',
    );
    expect(await page.inputValue('select[aria-label="Workspace CA"]')).toBe('root-ca');
    await page.click('button[type="submit"]');
    await inspected(target);
    // Trusted: what is left is quick start's mutual TLS asking this probe for a client certificate.
    const trusted = (await page.textContent('section[aria-label="Problems"]')) ?? '';
    expect(trusted).toContain('CLIENT_CERT_REQUIRED');
    expect(trusted).not.toMatch(/UNTRUSTED_ROOT|MISSING_INTERMEDIATE/);

    // The user changes the trust: the preselection never comes back over their choice.
    await page.selectOption('select[aria-label="Trust"]', 'system');
    await page.click('button[type="submit"]');
    // the first probe's problems stay on screen until the second result replaces them: wait for that
    await page.waitForFunction(
      (before) =>
        document.querySelector('.result[aria-busy="false"]') !== null &&
        (document.querySelector('section[aria-label="Problems"]')?.textContent ?? '') !== before,
      trusted,
    );
    const problems = await page.textContent('section[aria-label="Problems"]');
    expect(problems).toContain('UNTRUSTED_ROOT');
    expect(problems).not.toContain('MISSING_INTERMEDIATE');
    expect(problems).not.toMatch(/without its intermediate/);
    expect(await page.locator('[data-fix="broker-chain"]').count()).toBe(0);
    // Two certificates sent, as the chain cards show.
    expect(await page.locator('section[aria-label="Chain as sent"] article.cert').count()).toBe(2);
    expect(await page.inputValue('select[aria-label="Trust"]')).toBe('system');
    await shots('inspector-system-roots');
    expect(app.pageErrors).toEqual([]);
  });

  test('2. a plain-TCP target is a warning, “not encrypted”, not a green Handshake OK', async () => {
    const { page } = app;
    const target = `mqtt://localhost:${plainPort}`;
    await page.fill('input[aria-label="Target"]', target);
    await page.click('button[type="submit"]');
    await inspected(target);
    const badge = page.locator('section[aria-label="Result"] .badge');
    expect(await badge.textContent()).toMatch(/not encrypted/);
    expect(await badge.getAttribute('class')).toContain('warn');
    expect(await page.textContent('.result')).toMatch(/Not encrypted: .* plain MQTT/);
    // No openssl s_client line for a target without TLS: it could only fail.
    expect(await page.locator('pre.command').count()).toBe(0);
    await shots('inspector-plain');
    // The result survives a visit to another view (#19 item 9).
    await app.gotoView('broker');
    await app.gotoView('inspector');
    expect(await page.inputValue('input[aria-label="Target"]')).toBe(target);
    expect(await page.locator('section[aria-label="Result"] .badge').textContent()).toMatch(/not encrypted/);
    // "From the workspace" always has a certificate chosen (a client one), never a silent probe without.
    await page.click('details summary');
    await page.selectOption('select[aria-label="Client certificate"]', 'workspace');
    await expect.poll(() => page.inputValue('select[aria-label="Workspace certificate"]')).toBe('device-1');
    await page.selectOption('select[aria-label="Client certificate"]', 'files');
    await page.click('button[type="submit"]');
    expect(await page.textContent('.error-box')).toMatch(/choose both the certificate file and the key file/);
    await page.selectOption('select[aria-label="Client certificate"]', 'none');
    expect(app.pageErrors).toEqual([]);
  });

  test('4. a second Connect on an open profile shows the open one; stopping the app’s broker is said as such', async () => {
    const { page } = app;
    await app.service.invoke('client.saveProfile', {
      profile: {
        name: 'device-1',
        url: `mqtts://localhost:${port}`,
        clientId: 'device-1',
        tls: {
          trust: { kind: 'workspace', ca: 'root-ca' },
          clientCert: { kind: 'workspace', name: 'device-1' },
        },
      },
    });
    await app.gotoView('client');
    const connect = page.locator('tr:has-text("device-1") button:has-text("Connect")');
    await connect.click();
    const pane = page.locator('article[data-session="device-1"]');
    await page.waitForSelector('article[data-session="device-1"] .state:has-text("connected")');
    await connect.click();
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-session') === 'device-1');
    expect(await pane.count()).toBe(1);
    expect(await page.textContent('body')).toMatch(
      /"device-1" is already connected \(client id "device-1"\), shown below: a second connection with that id would drop it/,
    );
    expect(await pane.locator('.state').textContent()).toMatch(/^connected/);

    await app.service.invoke('broker.stop', {});
    await page.waitForFunction(() =>
      /the app's own broker .* was stopped/.test(
        document.querySelector('article[data-session="device-1"]')?.textContent ?? '',
      ),
    );
    expect(await pane.textContent()).not.toMatch(/aedes/i);
    await shots('client-broker-stopped');
    await app.service.invoke('broker.start', {});
    expect(app.pageErrors).toEqual([]);
  });

  test('6, 9. “Add user block” inserts only what was typed; the ACL matrix says allow/deny in text, not colour only', async () => {
    const { page } = app;
    await app.gotoView('acl');
    await page.waitForSelector('[data-testid="acl-structured"]');
    const before = await page.inputValue('[data-testid="acl-raw"]');
    await page.fill('[aria-label="New user name"]', 'dashboard');
    await page.click('button:has-text("Add user block")');
    await page.waitForSelector('section[aria-label="user dashboard"]');
    const after = await page.inputValue('[data-testid="acl-raw"]');
    expect(after.slice(before.length).trim()).toBe('user dashboard');
    // With a first rule typed, that rule and nothing else.
    await page.fill('[aria-label="New user name"]', 'ops');
    await page.selectOption('[aria-label="Access of the new user\'s first rule"]', 'read');
    await page.fill('[aria-label="Topic of the new user\'s first rule (optional)"]', 'ops/status');
    await page.click('button:has-text("Add user block")');
    await page.waitForSelector('section[aria-label="user ops"]');
    const third = await page.inputValue('[data-testid="acl-raw"]');
    expect(third.slice(after.length).trim()).toBe('user ops\ntopic read ops/status');
    await page.getByRole('button', { name: 'Save' }).click();
    const load = async () => ((await app.service.invoke('acl.load', {})) as { text: string }).text;
    await expect.poll(load).toContain('topic read ops/status');
    const saved = { text: await load() };
    expect(saved.text).not.toMatch(/dashboard\/#|ops\/#/);
    expect(saved.text).toContain('user dashboard\n');

    await page.waitForSelector('[data-testid="acl-matrix"] button.cell');
    const texts = await page.locator('[data-testid="acl-matrix"] button.cell').allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).toMatch(/^[RW][✓✗]$/);
    await shots('acl');
    expect(app.pageErrors).toEqual([]);
  });

  test('7, 9. revoke, publish and delete say so in the status bar; the CA shows its CRL and downloads it; Esc gives focus back to the opener', async () => {
    const { page } = app;
    const list = (await app.service.invoke('pki.list', {})) as Array<{ name: string; issuerName?: string }>;
    const issuing = list.find((c) => c.name === 'device-2')!.issuerName!;
    await app.gotoView('certificates');
    const status = page.locator('.status');
    await page.locator('[data-testid="cert-tree"] [data-name="device-2"]').click();
    await page.getByRole('button', { name: 'Revoke…' }).click();
    await page.locator('[data-testid="revoke-dialog"]').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => status.textContent()).toContain('Revoked device-2');

    await page.locator(`[data-testid="cert-tree"] [data-name="${issuing}"]`).click();
    const card = page.locator('[data-testid="crl-card"]');
    await card.locator('td:has-text("device-2")').waitFor();
    const number = Number(await card.locator('[data-testid="crl-number"]').textContent());
    await page.getByRole('button', { name: 'Publish CRL' }).click();
    await expect
      .poll(() => card.locator('[data-testid="crl-number"]').textContent())
      .toBe(String(number + 1));
    // The note stays although publishing reloaded the pane, and the status bar says it too.
    expect(await page.locator('[data-testid="cert-detail"] p.crl[role="status"]').textContent()).toMatch(
      new RegExp(`CRL #${number + 1} published \\(1 revoked\\)`),
    );
    expect(await status.textContent()).toContain(`CRL #${number + 1} published`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.locator('a[download]').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${issuing}.crl`);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync((await download.path())!, 'utf8')).toMatch(/^-----BEGIN X509 CRL-----/);
    await shots('certificates-crl');

    // Esc closes a dialog and focus returns to the button that opened it, not to BODY.
    await page.locator('[data-testid="cert-detail"]').getByRole('button', { name: 'Issue…' }).click();
    await page.locator('dialog[open]').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Issue…');

    await page.locator('[data-testid="cert-tree"] [data-name="device-2"]').click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Really delete' }).click();
    await expect.poll(() => status.textContent()).toContain('Deleted "device-2"');
    expect(app.pageErrors).toEqual([]);
  });
});
