import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { listeningAddresses } from '../helpers/listening.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import type { BrokerStatus } from '../../src-main/api/contract/broker.js';

/** The URLs the first listener card shows, and its reach badge. */
async function cardShows(app: OpenApp): Promise<{ urls: string[]; reach: string }> {
  const card = app.page.locator('[data-testid="listener-card"]').first();
  const urls = await card.locator('[data-testid="listener-urls"] code').allTextContents();
  const reach = (await card.locator('[data-testid="listener-reach"] .badge').textContent()) ?? '';
  return { urls, reach: reach.trim() };
}

describe('Broker view: one click opens the workspace broker to the LAN', () => {
  let app: OpenApp;
  let port: number;
  beforeAll(async () => {
    app = await openApp(join(tempDir(), 'ws'));
    port = await freePort();
    await app.service.invoke('quickstart.run', { port });
  });
  afterAll(async () => app?.close());

  it('loopback first; Open to the LAN asks to re-issue the certificate, then the status bar says it is reachable', async () => {
    await app.gotoView('broker');
    await app.page.click('[data-testid="broker-start"]');
    await app.page.locator('[data-testid="broker-state"]', { hasText: 'running' }).waitFor();
    expect(listeningAddresses(port).every((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
    expect(await app.page.locator('[data-testid="status-broker-network"]').count()).toBe(0);
    // The card shows every address it listens on: 127.0.0.1 and ::1 (when this host has IPv6).
    const loopback = await cardShows(app);
    const expected = [`mqtts://127.0.0.1:${port}`];
    if (listeningAddresses(port).includes('::1')) expected.push(`mqtts://[::1]:${port}`);
    expect(loopback).toEqual({ urls: expected, reach: 'this machine only' });

    await app.page.click('[data-testid="broker-lan"]');
    const ask = app.page.locator('[data-testid="broker-lan-reissue"]');
    await ask.waitFor();
    await app.screenshot('broker-lan-ask');
    await ask.click();
    await app.page.waitForSelector('[data-testid="broker-lan-state"]');
    await app.page.waitForSelector('[data-testid="status-broker-network"]');
    expect(listeningAddresses(port)).toEqual(['::']);
    expect(await app.service.invoke('broker.lanCheck', {})).toEqual([]);
    // Open: every address of this host, exactly the status urls, more than loopback.
    const status = (await app.service.invoke('broker.status', {})) as BrokerStatus;
    const open = await cardShows(app);
    expect(open.reach).toBe('reachable from the network');
    expect(open.urls).toEqual(status.listeners[0]!.urls);
    expect(open.urls).toEqual(expect.arrayContaining(expected));
    expect(open.urls.some((u) => !u.includes('127.0.0.1') && !u.includes('[::1]'))).toBe(true);
    await app.screenshot('broker-lan-open');
    await app.page.click('.theme-toggle');
    expect(await app.page.getAttribute('html', 'data-theme')).toBe('dark');
    await app.screenshot('broker-lan-open-dark');
    await app.page.click('.theme-toggle');

    await app.page.click('[data-testid="broker-loopback"]');
    await app.page.waitForSelector('[data-testid="broker-lan"]');
    await app.page.waitForSelector('[data-testid="status-broker-network"]', { state: 'detached' });
    expect(listeningAddresses(port).every((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
    expect((await cardShows(app)).urls).toEqual(expected);
    expect(app.pageErrors).toEqual([]);
  });

  it('a stopped workspace broker starts on the LAN in one click', async () => {
    await app.page.click('[data-testid="broker-stop"]');
    await app.page.locator('[data-testid="broker-state"]', { hasText: 'stopped' }).waitFor();
    const button = app.page.locator('[data-testid="broker-lan"]');
    expect(await button.textContent()).toBe('Start on the LAN');
    // Not with a mosquitto.conf file chosen: its own listener lines decide where it listens.
    await app.page.getByLabel('A mosquitto.conf file').check();
    await button.waitFor({ state: 'detached' });
    await app.page.getByLabel(/Workspace settings/).check();
    await button.waitFor();
    await app.screenshot('broker-lan-stopped');
    await button.click();
    await app.page.locator('[data-testid="broker-state"]', { hasText: 'running' }).waitFor();
    await app.page.waitForSelector('[data-testid="broker-lan-state"]');
    expect(listeningAddresses(port)).toEqual(['::']);
    expect((await cardShows(app)).reach).toBe('reachable from the network');
    await app.page.click('[data-testid="broker-stop"]');
    await app.page.locator('[data-testid="broker-state"]', { hasText: 'stopped' }).waitFor();
    expect(app.pageErrors).toEqual([]);
  });
});
