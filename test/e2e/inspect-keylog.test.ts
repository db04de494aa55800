import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerStatus } from '../../src-main/api/contract/broker.js';
import { openApp, quickStartFromView, screenshotLightAndDark, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The Inspector view's TLS key log option in Chromium: after quick start, device-1's certificate probes the
 * app's broker with the key log on; the file is private (0600) and holds the TLS 1.3 secrets Wireshark needs
 * (test/inspect/key-log.test.ts proves tshark decrypts the probe's CONNECT with such a file); the path is
 * never remembered.
 */
let app: OpenApp;
let root: string;
let ws: string;
let port = 0;

beforeAll(async () => {
  root = tempDir('mts-e2e-inspect-keylog-');
  ws = join(root, 'ws');
  app = await openApp(ws, { width: 1360, height: 1000 });
  await quickStartFromView(app);
  const status = (await app.service.invoke('broker.status', {})) as BrokerStatus;
  port = status.listeners.find((l) => l.scheme === 'mqtts')!.port;
});

afterAll(async () => {
  await app?.close();
});

describe('Inspector view: TLS key log for Wireshark', () => {
  it('off by default; the warning; bad paths refused naming the field; a probe appends the secrets to a 0600 file', async () => {
    const page = app.page;
    await app.gotoView('inspector');
    await page.fill('input[aria-label="Target"]', `localhost:${port}`);
    // The app's own broker: the workspace CA is preselected.
    await expect.poll(() => page.locator('select[aria-label="Trust"]').inputValue()).toBe('workspace');
    await page.locator('form.target-form details > summary').click();
    await page.selectOption('select[aria-label="Client certificate"]', 'workspace');
    await page.selectOption('select[aria-label="Workspace certificate"]', 'device-1');

    const option = page.getByRole('checkbox', { name: 'Write TLS key log (for Wireshark)' });
    expect(await option.isChecked()).toBe(false);
    expect(await page.locator('input[aria-label="Key log file"]').count()).toBe(0);
    await option.check();
    const warning = page.locator('form.target-form [role="note"]');
    await expect.poll(() => warning.textContent()).toContain('Anyone who has this file can decrypt');
    expect(await warning.isVisible()).toBe(true);

    // On without a file: the api's error names the field; nothing is probed.
    const inspect = page.locator('form.target-form button[type="submit"]');
    const pathInput = page.locator('input[aria-label="Key log file"]');
    await inspect.click();
    const alert = page.locator('.error-box[role="alert"]');
    await expect.poll(() => alert.textContent()).toContain('keyLogFile: give the file');
    expect(await pathInput.getAttribute('aria-invalid')).toBe('true');
    expect(existsSync(join(ws, 'inspector-history.json'))).toBe(false);

    // Inside the workspace: refused, nothing written there.
    const inWorkspace = join(ws, 'keys.log');
    await pathInput.fill(inWorkspace);
    await inspect.click();
    await expect.poll(() => alert.textContent()).toContain('inside the workspace folder');
    expect(existsSync(inWorkspace)).toBe(false);

    const keyLog = join(root, 'inspector-keys.log');
    await pathInput.fill(keyLog);
    await screenshotLightAndDark(app, 'inspector-keylog-form');

    await inspect.click();
    const summary = page.locator('section[aria-label="Result"]');
    await expect
      .poll(() => summary.locator('.badge').first().textContent(), { timeout: 20_000 })
      .toBe('Handshake OK');
    expect(await alert.count()).toBe(0);
    expect(await pathInput.getAttribute('aria-invalid')).toBe('false');
    const lines = readFileSync(keyLog, 'utf8').trim().split('\n');
    const labels = lines.map((l) => l.split(' ')[0]);
    expect(labels).toContain('CLIENT_HANDSHAKE_TRAFFIC_SECRET');
    expect(labels).toContain('CLIENT_TRAFFIC_SECRET_0');
    for (const line of lines) expect(line).toMatch(/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
    expect(statSync(keyLog).mode & 0o777).toBe(0o600);
    const shown = await summary.locator('[aria-label="TLS key log"]').textContent();
    expect(shown?.replace(/\s+/g, ' ').trim()).toBe(`${lines.length} lines appended to ${keyLog}`);
    expect(await page.textContent('pre.command')).toContain(`-keylogfile ${keyLog}`);

    // Never remembered.
    const history = readFileSync(join(ws, 'inspector-history.json'), 'utf8');
    expect(history).toContain(`localhost:${port}`);
    expect(history).not.toContain('inspector-keys.log');

    await summary.scrollIntoViewIfNeeded();
    await screenshotLightAndDark(app, 'inspector-keylog-result');
    expect(app.pageErrors).toEqual([]);
  });
});
