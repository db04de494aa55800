/**
 * The Broker view's list editors of secret files (FileEntries): password users and PSK identities, in
 * Debian's Chromium. An entry added shows as unsaved until Save writes it to the file; a removed one is
 * gone from the list at once and from the file once saved. Keys and passwords are never shown again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

describe('Broker view: password users and PSK identities', () => {
  let app: OpenApp;
  let workspaceDir: string;
  const text = (p: string) => readFileSync(join(workspaceDir, p), 'utf8');

  beforeAll(async () => {
    workspaceDir = join(tempDir('mts-settings-lists-e2e-'), 'ws');
    app = await openApp(workspaceDir, { width: 1360, height: 900 });
    await app.service.invoke('quickstart.run', { port: await freePort() });
    await app.gotoView('broker');
    await app.page.waitForSelector('[data-testid="listener-editor"]');
  }, 90_000);
  afterAll(async () => {
    await app?.close();
  });

  const security = () => app.page.locator('[data-testid="security-security"]');

  async function save(): Promise<void> {
    const { page } = app;
    await page.waitForSelector('[data-testid="settings-save"]:not([disabled])');
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-save"][disabled]');
  }

  async function shots(name: string, list: string): Promise<void> {
    const { page } = app;
    await page.locator(`[data-testid="${list}"]`).scrollIntoViewIfNeeded();
    await app.screenshot(`broker-settings-${name}-light`);
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await app.screenshot(`broker-settings-${name}-dark`);
    await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
  }

  test('password users: added (unsaved, then saved as a $7$ line), given a new password, removed', async () => {
    const users = security().locator('[data-testid="password-users"]');
    for (const [name, password] of [
      ['alice', 'wonder land'],
      ['bob', 'builder'],
    ]) {
      await security().locator('[data-testid="new-user"]').fill(name!);
      await security().locator('[data-testid="new-password"]').fill(password!);
      await security().locator('[data-testid="add-user"]').click();
    }
    await users.locator('li', { hasText: 'alice' }).locator('.badge', { hasText: 'unsaved' }).waitFor();
    expect(await users.locator('li code').allTextContents()).toEqual(['alice', 'bob']);
    await save();
    expect(text('broker/passwd')).toMatch(/^alice:\$7\$101\$.*\nbob:\$7\$101\$/);
    expect(await users.locator('.badge').count()).toBe(0);
    // Change password fills the username; the button then says it sets a password.
    await users.locator('li', { hasText: 'alice' }).getByRole('button', { name: 'Change password' }).click();
    expect(await security().locator('[data-testid="new-user"]').inputValue()).toBe('alice');
    expect(await security().locator('[data-testid="add-user"]').textContent()).toContain('Set password');
    await security().locator('[data-testid="new-user"]').fill('');
    await users.getByRole('button', { name: 'Remove user bob' }).click();
    expect(await users.locator('li code').allTextContents()).toEqual(['alice']);
    await shots('password-users', 'password-users');
    await save();
    expect(text('broker/passwd')).not.toContain('bob:');
    expect(text('broker/passwd')).toMatch(/^alice:\$7\$/);
    expect(app.pageErrors).toEqual([]);
  });

  test('PSK identities: a generated key is saved to the psk file, and a removed identity leaves it', async () => {
    await security().getByPlaceholder('none (needed by PSK listeners, e.g. psk.txt)').fill('psk.txt');
    const list = security().locator('[data-testid="psk-identities"]');
    await list.getByText('PSK identities in psk.txt').waitFor();
    for (const name of ['sensor-1', 'sensor-2']) {
      await list.getByLabel('Identity', { exact: true }).fill(name);
      await list.getByRole('button', { name: 'Generate key' }).click();
      expect(await list.getByLabel('Key (hex)').inputValue()).toMatch(/^[0-9a-f]{64}$/);
      await list.getByRole('button', { name: 'Add identity' }).click();
    }
    expect(await list.locator('li code').allTextContents()).toEqual(['sensor-1', 'sensor-2']);
    expect(await list.locator('li .badge', { hasText: 'unsaved' }).count()).toBe(2);
    await shots('psk-identities', 'psk-identities');
    await save();
    expect(text('broker/psk.txt')).toMatch(/^sensor-1:[0-9a-f]{64}\nsensor-2:[0-9a-f]{64}\n$/);
    await list.getByRole('button', { name: 'Remove identity sensor-1' }).click();
    expect(await list.locator('li code').allTextContents()).toEqual(['sensor-2']);
    await save();
    expect(text('broker/psk.txt')).toMatch(/^sensor-2:[0-9a-f]{64}\n$/);
    expect(app.pageErrors).toEqual([]);
  });
});
