import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, quickStartFromView, screenshotLightAndDark, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The TLS key log option of the Client view's profile editor in Chromium: after quick start, device-1
 * connects with the key log on; the file is private (0600) and holds the TLS 1.3 secrets Wireshark needs
 * (test/client/key-log.test.ts proves tshark decrypts with such a file); the path stays out of
 * profiles.json unless the user ticks "remember".
 */
let app: OpenApp;
let root: string;
let ws: string;

beforeAll(async () => {
  root = tempDir('mts-e2e-client-keylog-');
  ws = join(root, 'ws');
  app = await openApp(ws, { width: 1360, height: 900 });
  await quickStartFromView(app);
});

afterAll(async () => {
  await app?.close();
});

const profilesText = (): string => readFileSync(join(ws, 'profiles.json'), 'utf8');

describe('Client view: TLS key log for Wireshark', () => {
  it('device-1 connects with the key log on: a 0600 file with the TLS 1.3 secrets, the warning shown, the path not saved', async () => {
    const page = app.page;
    await app.gotoView('client');
    // device-1 is connected by quick start with a fixed client id: close it before connecting again.
    await page.getByRole('button', { name: 'Close connection device-1' }).click();
    await page.locator('[data-session="device-1"]').waitFor({ state: 'detached' });

    await page.locator('[data-profile="device-1"]').getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('form', { name: 'Connection profile' });
    const option = editor.getByRole('checkbox', { name: 'Write TLS key log (for Wireshark)' });
    await expect.poll(() => option.isChecked()).toBe(false); // off by default
    await expect.poll(() => editor.locator('input[name="keyLogFile"]').count()).toBe(0);
    await option.check();
    const warning = editor.getByRole('note');
    await expect.poll(() => warning.textContent()).toContain('Anyone who has this file can decrypt');
    expect(await warning.isVisible()).toBe(true);

    // On without a file: the form names the field and connects nothing.
    await editor.getByRole('button', { name: 'Save & connect' }).click();
    const alert = page.locator('section[aria-label="Profile editor"] [role="alert"]');
    await expect.poll(() => alert.textContent()).toContain('keyLogFile: give the file');
    const pathInput = editor.locator('input[name="keyLogFile"]');
    expect(await pathInput.getAttribute('aria-invalid')).toBe('true');

    // A file inside the workspace is refused by the api, naming the field; nothing is written there.
    const inWorkspace = join(ws, 'keys.log');
    await pathInput.fill(inWorkspace);
    await editor.getByRole('button', { name: 'Save & connect' }).click();
    await expect.poll(() => alert.textContent()).toContain('keyLogFile:');
    expect(await alert.textContent()).toContain('inside the workspace folder');
    expect(await pathInput.getAttribute('aria-invalid')).toBe('true');
    expect(existsSync(inWorkspace)).toBe(false);
    expect(await page.locator('[data-session="device-1"]').count()).toBe(0);

    const keyLog = join(root, 'device-1-keys.log');
    await pathInput.fill(keyLog);
    await screenshotLightAndDark(app, 'client-keylog-editor');
    await editor.getByRole('button', { name: 'Save & connect' }).click();
    const pane = page.locator('[data-session="device-1"]');
    await expect.poll(() => pane.locator('.state').textContent(), { timeout: 15_000 }).toBe('connected');

    await expect
      .poll(() => (existsSync(keyLog) ? readFileSync(keyLog, 'utf8') : ''))
      .toContain('CLIENT_TRAFFIC_SECRET_0 ');
    const lines = readFileSync(keyLog, 'utf8').trim().split('\n');
    const labels = lines.map((l) => l.split(' ')[0]);
    expect(labels).toContain('CLIENT_HANDSHAKE_TRAFFIC_SECRET');
    expect(labels).toContain('CLIENT_TRAFFIC_SECRET_0');
    // NSS format: LABEL <client random, 32 bytes hex> <secret hex>.
    for (const line of lines) expect(line).toMatch(/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
    expect(statSync(keyLog).mode & 0o777).toBe(0o600);

    // Not remembered: the path is not in profiles.json.
    expect(profilesText()).toContain('"device-1"');
    expect(profilesText()).not.toContain('device-1-keys.log');
    expect(app.pageErrors).toEqual([]);
  });

  it('"remember this path in the profile" keeps it in profiles.json and the editor shows it again', async () => {
    const page = app.page;
    await page.locator('[data-profile="device-1"]').getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('form', { name: 'Connection profile' });
    const option = editor.getByRole('checkbox', { name: 'Write TLS key log (for Wireshark)' });
    expect(await option.isChecked()).toBe(false); // not remembered last time
    await option.check();
    const keyLog = join(root, 'remembered-keys.log');
    await editor.locator('input[name="keyLogFile"]').fill(keyLog);
    await editor.getByRole('checkbox', { name: 'remember this path in the profile' }).check();
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => profilesText()).toContain(keyLog);
    const saved = JSON.parse(profilesText()) as {
      profiles: Array<{ name: string; tls: { keyLogFile?: string; saveKeyLogFile?: boolean } }>;
    };
    const device1 = saved.profiles.find((p) => p.name === 'device-1')!;
    expect(device1.tls).toMatchObject({ keyLogFile: keyLog, saveKeyLogFile: true });

    await editor.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('[data-profile="device-1"]').getByRole('button', { name: 'Edit' }).click();
    expect(await option.isChecked()).toBe(true);
    expect(await editor.locator('input[name="keyLogFile"]').inputValue()).toBe(keyLog);
    expect(
      await editor.getByRole('checkbox', { name: 'remember this path in the profile' }).isChecked(),
    ).toBe(true);
    expect(app.pageErrors).toEqual([]);
  });
});
