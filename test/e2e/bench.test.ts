import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The Client view's Bench panel in Chromium: after quick start, a fleet of 20 devices with
 * certificates issued on the fly connects to the app's own broker, publishes and reads back; the
 * result shows 20 connected, nothing lost. Then a fleet without certificates is refused and the
 * reason is shown.
 */
let app: OpenApp;

beforeAll(async () => {
  const workspaceDir = join(tempDir('mts-e2e-bench-'), 'ws');
  app = await openApp(workspaceDir, { width: 1360, height: 900 });
  await app.service.invoke('quickstart.run', { port: await freePort() });
  await app.service.invoke('broker.start', {});
}, 60_000);

afterAll(async () => {
  await app?.service.invoke('bench.stop', {}).catch(() => undefined);
  await app?.service.invoke('broker.stop', {}).catch(() => undefined);
  await app?.close();
});

describe('Bench panel', () => {
  it('a fleet with its own certificates connects to the app broker, publishes and reads back', async () => {
    const page = app.page;
    await app.gotoView('client');
    const panel = page.getByRole('region', { name: 'Bench' });
    await panel.getByRole('button', { name: 'Show' }).click();
    await panel.getByLabel('Certificates issued by').selectOption('intermediate-ca');
    await panel.getByLabel('Clients').fill('20');
    await panel.getByLabel('Messages / s (all)').fill('50');
    await panel.getByLabel('Seconds').fill('2');
    await panel.getByRole('button', { name: 'Start bench' }).click();
    const result = panel.getByRole('table', { name: 'Bench result' });
    await result.waitFor({ timeout: 45_000 });
    await expect.poll(() => result.textContent()).toMatch(/20 ok, 0 failed/);
    expect(await result.textContent()).toMatch(/0 lost/);
    expect(await result.textContent()).toMatch(/Refusals\s*none/);
    await panel.scrollIntoViewIfNeeded();
    await app.screenshot('client-bench');
    // the throwaway identities never reach the workspace
    const names = (await app.service.invoke('pki.list', {})) as Array<{ name: string }>;
    expect(names.some((n) => n.name.startsWith('bench-'))).toBe(false);
  }, 90_000);

  it('a fleet the broker refuses shows why', async () => {
    const panel = app.page.getByRole('region', { name: 'Bench' });
    await panel.getByLabel('Certificates issued by').selectOption('');
    await panel.getByLabel('Clients').fill('3');
    await panel.getByLabel('Messages / s (all)').fill('0');
    await panel.getByRole('button', { name: 'Start bench' }).click();
    const result = panel.getByRole('table', { name: 'Bench result' });
    await expect.poll(() => result.textContent(), { timeout: 45_000 }).toMatch(/0 ok, 3 failed/);
    expect(await result.textContent()).toMatch(/3× /);
    expect(app.pageErrors).toEqual([]);
  }, 90_000);
});
