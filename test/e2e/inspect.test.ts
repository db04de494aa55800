/**
 * The Inspector view end to end (browser mode, Debian's Chromium): a workspace PKI, a Mosquitto whose
 * certfile lacks the intermediate, and an inspection that puts the problem and its fix on top, the
 * chain as cards, the handshake timeline and the openssl command.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { readableByMosquitto } from '../inspect/openssl-pki.js';

describe('Inspector view', () => {
  let app: OpenApp;
  let mosquitto: RunningMosquitto;
  let port: number;

  beforeAll(async () => {
    const dir = tempDir('inspect-e2e-');
    const workspaceDir = join(dir, 'ws');
    app = await openApp(workspaceDir, { width: 1440, height: 1100 });
    const invoke = (method: string, params: unknown) => app.service.invoke(method, params);
    await invoke('pki.createCa', { name: 'plant-root', cn: 'Plant Root CA' });
    await invoke('pki.createCa', { name: 'plant-issuing', cn: 'Plant Issuing CA', parent: 'plant-root' });
    await invoke('pki.issue', {
      ca: 'plant-issuing',
      profile: 'server',
      name: 'broker',
      cn: 'localhost',
      san: ['dns:localhost'],
    });
    const out = join(dir, 'export');
    await invoke('pki.export', { name: 'broker', outDir: out });
    readableByMosquitto(dir);
    readableByMosquitto(out);
    port = await freePort();
    // The classic mistake: certfile is the leaf alone (broker.crt), not the chain file.
    mosquitto = await startMosquitto(
      dir,
      `listener ${port} 127.0.0.1\nallow_anonymous true\ncertfile ${join(out, 'broker.crt')}\nkeyfile ${join(out, 'broker.key')}\n`,
      port,
    );
    await app.gotoView('inspector');
  });

  afterAll(async () => {
    await app?.close();
    await mosquitto?.stop();
  });

  test('a failed inspection shows the problem with its fix on top, the chain and the timeline', async () => {
    const { page } = app;
    await page.fill('input[aria-label="Target"]', `localhost:${port}`);
    await page.selectOption('select[aria-label="Trust"]', 'workspace');
    await page.selectOption('select[aria-label="Workspace CA"]', 'plant-root');
    await page.click('button[type="submit"]');
    await page.waitForSelector('section[aria-label="Problems"] .problem');
    const problem = await page.textContent('section[aria-label="Problems"] .problem');
    expect(problem).toContain('MISSING_INTERMEDIATE');
    expect(problem).toContain('Plant Issuing CA');
    expect(problem).toMatch(/Fix:.*certfile/);
    expect(await page.locator('section[aria-label="Chain as sent"] article.cert').count()).toBe(1);
    const timeline = await page.textContent('section[aria-label="Handshake timeline"]');
    expect(timeline).toMatch(/ClientHello[\s\S]*ServerHello[\s\S]*Certificate/);
    expect(await page.textContent('pre.command')).toContain(`openssl s_client -connect localhost:${port}`);
    expect(await page.textContent('.history')).toContain(`localhost:${port}`);
    await app.screenshot('inspector-missing-intermediate');
    expect(app.pageErrors).toEqual([]);
  });
});
