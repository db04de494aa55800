import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { listeningAddresses } from '../helpers/listening.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

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

    await app.page.click('[data-testid="broker-lan"]');
    const ask = app.page.locator('[data-testid="broker-lan-reissue"]');
    await ask.waitFor();
    await app.screenshot('broker-lan-ask');
    await ask.click();
    await app.page.waitForSelector('[data-testid="broker-lan-state"]');
    await app.page.waitForSelector('[data-testid="status-broker-network"]');
    expect(listeningAddresses(port)).toEqual(['::']);
    expect(await app.service.invoke('broker.lanCheck', {})).toEqual([]);
    await app.screenshot('broker-lan-open');

    await app.page.click('[data-testid="broker-loopback"]');
    await app.page.waitForSelector('[data-testid="broker-lan"]');
    await app.page.waitForSelector('[data-testid="status-broker-network"]', { state: 'detached' });
    expect(listeningAddresses(port).every((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
    expect(app.pageErrors).toEqual([]);
  });
});
