import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPki } from '../client/openssl-pki.js';
import { openApp, screenshotLightAndDark, type OpenApp } from '../helpers/browser.js';
import { startForeignBroker } from '../helpers/foreign-broker.js';
import { freePort } from '../helpers/ports.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The Client view's Bench panel in Chromium: after quick start, a fleet of 20 devices with
 * certificates issued on the fly connects to the app's own broker, publishes and reads back; the
 * result shows 20 connected, nothing lost. Then a fleet without certificates is refused and the
 * reason is shown.
 */
let app: OpenApp;
const workspaceDir = join(tempDir('mts-e2e-bench-'), 'ws');

beforeAll(async () => {
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

/**
 * A foreign broker: Debian's Mosquitto with a server certificate from its own CA (made by openssl, not
 * known to the workspace), verifying the fleet's client certificates against the workspace CA. With the
 * default trust the fleet fails and the panel says where the fix is; with the broker's CA file picked
 * in the panel (copied into the workspace, read by the main process) and with "don't check" it connects.
 */
describe('Bench panel trust', () => {
  let mosquitto: RunningMosquitto;
  let pki: TestPki;
  let url: string;

  beforeAll(async () => {
    ({ pki, mosquitto, url } = await startForeignBroker(tempDir('mts-e2e-bench-trust-'), workspaceDir));
  }, 60_000);

  afterAll(async () => {
    await mosquitto?.stop();
  });

  it('a broker with its own CA: refused with the workspace CAs, connected with its CA file or unchecked', async () => {
    const page = app.page;
    await page.setViewportSize({ width: 1100, height: 700 });
    await app.gotoView('client');
    const panel = page.getByRole('region', { name: 'Bench' });
    const show = panel.getByRole('button', { name: 'Show' });
    if (await show.isVisible()) await show.click();
    await panel.getByLabel('Broker URL (empty: the workspace broker)').fill(url);
    await panel.getByLabel('Certificates issued by').selectOption('intermediate-ca');
    await panel.getByLabel('Clients').fill('3');
    await panel.getByLabel('Messages / s (all)').fill('10');
    await panel.getByLabel('Seconds').fill('1');
    const trust = panel.getByRole('combobox', { name: /^Trust/ });
    expect(await trust.inputValue()).toBe('workspace');
    const result = panel.getByRole('table', { name: 'Bench result' });
    const start = panel.getByRole('button', { name: 'Start bench' });
    const shown = async () => ((await result.textContent()) ?? '').replace(/\s+/g, ' ');

    await start.click();
    // (the table of the previous test stays until this run ends: wait for this run's own words)
    await expect
      .poll(shown, { timeout: 30_000 })
      .toMatch(/0 ok, 3 failed 3× TLS: the broker's certificate is not trusted/);
    expect(await shown()).toContain(url);
    expect(await shown()).toMatch(/choose the broker's CA file under Trust/);
    await result.scrollIntoViewIfNeeded();
    await app.screenshot('client-bench-untrusted');

    // CA file chosen but not given: the panel says so before calling
    await trust.selectOption('file');
    await start.click();
    expect(await panel.getByRole('alert').textContent()).toMatch(/choose the broker's CA file/);

    await panel.getByLabel("Choose the broker's ca file").setInputFiles(pki.rootCrt);
    const path = panel.getByLabel("Broker's CA file", { exact: true });
    await expect.poll(() => path.inputValue()).toMatch(/client-files\/[0-9a-f]{12}-root\.crt$/);
    expect(await panel.getByTestId('picked-benchTrustPath').textContent()).toMatch(/CN=Test Root CA/);
    await start.click();
    await expect.poll(shown, { timeout: 30_000 }).toMatch(/Trusted the CA file \S+root\.crt/);
    expect(await shown()).toMatch(/3 ok, 0 failed/);
    expect(await shown()).toMatch(/0 lost/);
    await result.scrollIntoViewIfNeeded();
    await screenshotLightAndDark(app, 'client-bench-trust-file');

    await trust.selectOption('insecure');
    expect(await panel.getByRole('note').textContent()).toMatch(
      /Insecure: the broker's certificate is not checked/,
    );
    await start.click();
    await expect
      .poll(shown, { timeout: 30_000 })
      .toMatch(/Trusted\s*insecure\s*none: the broker's certificate was not checked/);
    expect(await shown()).toMatch(/3 ok, 0 failed/);
    await panel.scrollIntoViewIfNeeded();
    await screenshotLightAndDark(app, 'client-bench-insecure');
    expect(app.pageErrors).toEqual([]);
  }, 120_000);
});
