/**
 * The Inspector view end to end (browser mode, Debian's Chromium): a workspace PKI, a Mosquitto whose
 * certfile lacks the intermediate, and an inspection that puts the problem and its fix on top, the
 * chain as cards, the handshake timeline and the openssl command. Then the app's own broker: the form
 * filled from route params (as the Client and Broker views link to it), the broker's log beside the
 * client's view, and a one-click fix after which the problem is gone.
 */
import { readFileSync } from 'node:fs';
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
  let dir: string;
  let out: string;

  beforeAll(async () => {
    dir = tempDir('inspect-e2e-');
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
    out = join(dir, 'export');
    await invoke('pki.export', { name: 'broker', outDir: out });
    readableByMosquitto(dir);
    readableByMosquitto(out);
    port = await freePort();
    // The classic mistake: certfile is the leaf alone (broker.crt), not the chain file.
    mosquitto = await startMosquitto(dir, conf(join(out, 'broker.crt')), port);
  });

  const conf = (certfile: string) =>
    `listener ${port} 127.0.0.1\nallow_anonymous true\ncertfile ${certfile}\nkeyfile ${join(out, 'broker.key')}\n`;

  afterAll(async () => {
    await app?.close();
    await mosquitto?.stop();
  });

  test('a failed inspection shows the problem with its fix on top, the chain and the timeline', async () => {
    await app.gotoView('inspector');
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

  test('the export fix writes the chain file; Mosquitto with it as certfile inspects clean', async () => {
    const { page } = app;
    const folder = join(dir, 'for-mosquitto');
    await page.fill('[aria-label="Folder for the chain file"]', folder);
    await page.click('[data-fix="export-chain"] button');
    await page.waitForSelector('[aria-label="Fix applied"]');
    expect(await page.textContent('[aria-label="Fix applied"]')).toContain(join(folder, 'broker.chain.crt'));
    expect(readFileSync(join(folder, 'broker.chain.crt'), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(
      2,
    );
    await mosquitto.stop();
    readableByMosquitto(folder);
    mosquitto = await startMosquitto(dir, conf(join(folder, 'broker.chain.crt')), port);
    await page.click('form.target-form button[type="submit"]');
    await page.waitForFunction(
      () => document.querySelector('section[aria-label="Result"] .badge')?.textContent === 'Handshake OK',
    );
    expect(await page.locator('section[aria-label="Chain as sent"] article.cert').count()).toBe(2);
    expect(app.pageErrors).toEqual([]);
  });
});

describe('Inspector view against our own broker', () => {
  let app: OpenApp;
  let port: number;
  let other: number;

  beforeAll(async () => {
    const dir = tempDir('inspect-e2e-own-');
    app = await openApp(join(dir, 'ws'), { width: 1440, height: 1100 });
    const invoke = (method: string, params: unknown) => app.service.invoke(method, params);
    port = await freePort();
    other = await freePort();
    await invoke('quickstart.run', { port, hostname: 'studio-e2e' });
    await invoke('pki.createCa', { name: 'rogue-ca', cn: 'Rogue CA' });
    await invoke('pki.issue', {
      ca: 'rogue-ca',
      profile: 'client',
      name: 'rogue-device',
      cn: 'rogue-device',
    });
    // open to the network: the last case reaches it as 127.0.0.2 (loopback-only binds 127.0.0.1 and ::1)
    await invoke('broker.start', { lan: true });
  });

  afterAll(async () => {
    await app?.close();
  });

  const goto = async (params: Record<string, string>) => {
    const query = new URLSearchParams(params).toString();
    await app.page.evaluate((hash) => (location.hash = hash), `#/inspector?${query}`);
    await app.page.waitForSelector('main[data-view="inspector"]');
  };

  /** After `run: '1'`: wait for the result of this target (not the previous one, shown dimmed meanwhile). */
  const resultFor = (target: string) =>
    app.page.waitForFunction(
      (t) =>
        document.querySelector('section[aria-label="Result"] h2 .mono')?.textContent === t &&
        document.querySelector('.result[aria-busy="false"]') !== null,
      target,
    );

  test('route params fill the form (the Client view links with target and servername)', async () => {
    const { page } = app;
    await goto({ target: `localhost:${other}`, servername: 'mqtt.plant.lan' });
    expect(await page.inputValue('input[aria-label="Target"]')).toBe(`localhost:${other}`);
    expect(await page.inputValue('input[aria-label="SNI"]')).toBe('mqtt.plant.lan');
    // A new link while the Inspector is open refills it; every param of lib/inspect-params.ts.
    await goto({
      target: `localhost:${port}`,
      trust: 'root-ca',
      cert: 'device-1',
      alpn: 'mqtt',
      tlsMin: '1.2',
      tlsMax: '1.3',
      mqtt: '1',
      username: 'ignored-by-cn',
    });
    expect(await page.inputValue('input[aria-label="Target"]')).toBe(`localhost:${port}`);
    expect(await page.inputValue('select[aria-label="Trust"]')).toBe('workspace');
    expect(await page.inputValue('select[aria-label="Workspace CA"]')).toBe('root-ca');
    expect(await page.inputValue('select[aria-label="Client certificate"]')).toBe('workspace');
    expect(await page.inputValue('select[aria-label="Workspace certificate"]')).toBe('device-1');
    expect(await page.inputValue('input[aria-label="ALPN"]')).toBe('mqtt');
    expect(await page.inputValue('select[aria-label="TLS minimum"]')).toBe('1.2');
    expect(await page.inputValue('select[aria-label="TLS maximum"]')).toBe('1.3');
    expect(await page.inputValue('input[aria-label="Username"]')).toBe('ignored-by-cn');
    // The Broker view's "Inspect handshake" link lands here with its listener as target.
    await app.gotoView('broker');
    await page.click('button:has-text("Inspect handshake")');
    await page.waitForSelector('main[data-view="inspector"]');
    expect(await page.inputValue('input[aria-label="Target"]')).toBe(`localhost:${port}`);
    expect(app.pageErrors).toEqual([]);
  });

  test('a refused client: the broker’s reason on the problem card and its log beside the timeline', async () => {
    const { page } = app;
    await goto({ target: `localhost:${port}`, trust: 'root-ca', cert: 'rogue-device', mqtt: '1', run: '1' });
    await resultFor(`localhost:${port}`);
    const reason = await page.textContent('section[aria-label="Problems"] [aria-label="Broker\'s reason"]');
    expect(reason).toMatch(/unknown CA: the client certificate was not issued by a CA in this listener/);
    const side = await page.textContent('section[aria-label="Broker side"]');
    expect(side).toMatch(/refused/);
    expect(side).toContain('CLIENT_CERT_REJECTED');
    await app.screenshot('inspector-own-broker-refused');
    expect(app.pageErrors).toEqual([]);
  });

  test('HOSTNAME_MISMATCH on our broker: broker side shown, one click re-issues, inspect again is clean', async () => {
    const { page } = app;
    await goto({ target: `127.0.0.2:${port}`, trust: 'root-ca', cert: 'device-1', mqtt: '1', run: '1' });
    await resultFor(`127.0.0.2:${port}`);
    expect(await page.textContent('section[aria-label="Problems"]')).toContain('HOSTNAME_MISMATCH');
    const side = await page.textContent('section[aria-label="Broker side"]');
    expect(side).toMatch(/connected/);
    expect(side).toContain('client "mts-inspect-');
    const button = page.locator('[data-fix="reissue-san"] button');
    expect(await button.textContent()).toContain('Re-issue “broker” with IP:127.0.0.2');
    await app.screenshot('inspector-own-broker-hostname');
    await button.click();
    await page.waitForSelector('[aria-label="Fix applied"]');
    await page.waitForFunction(
      () => document.querySelector('section[aria-label="Result"] .badge')?.textContent === 'Handshake OK',
    );
    expect(await page.locator('section[aria-label="Problems"]').count()).toBe(0);
    expect(await page.textContent('[aria-label="Fix applied"]')).toMatch(
      /Re-issued "broker" with IP:127.0.0.2.*no problem left/,
    );
    expect(await page.textContent('section[aria-label="Broker side"]')).toMatch(/connected/);
    await app.screenshot('inspector-own-broker-fixed');
    expect(app.pageErrors).toEqual([]);
  });
});
