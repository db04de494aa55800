import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

describe('a new user’s first minute (browser mode, Chromium)', () => {
  let app: OpenApp;
  beforeAll(async () => {
    app = await openApp(join(tempDir(), 'fresh-ws'), { width: 1360, height: 900 });
  });
  afterAll(async () => app?.close());

  it('empty workspace → one click → broker running, device-1 and device-2 connected', async () => {
    await app.gotoView('start');
    await app.page.waitForSelector('[data-action="quickstart"]');
    expect(await app.page.textContent('.hero')).toContain('Create a secure local setup in one click');
    await app.screenshot('quickstart-empty');
    await app.page.click('[data-action="quickstart"]');
    await app.page.waitForSelector('.ready', { timeout: 30_000 });
    const ready = await app.page.textContent('.ready');
    expect(ready).toMatch(/Ready: broker at mqtts:\/\/[^ ]+:\d+/);
    const broker = await app.service.invoke('broker.status', {});
    expect((broker as { running: boolean }).running).toBe(true);
    // the device profiles speak MQTT 5
    const clients = (broker as { clients: Array<{ clientId: string; protocolVersion?: number }> }).clients;
    expect(clients.map((c) => [c.clientId, c.protocolVersion]).sort()).toEqual([
      ['device-1', 5],
      ['device-2', 5],
    ]);
    await app.screenshot('quickstart-ready');
  });

  it('the tour shows the chain the workspace made', async () => {
    await app.page.click('[data-tour="chain"]');
    const chain = await app.page.textContent('.chain');
    for (const name of ['root-ca', 'intermediate-ca', 'broker', 'device-1', 'device-2'])
      expect(chain).toContain(name);
  });

  it('the handshake from both sides: the inspector and the broker log agree', async () => {
    await app.page.click('[data-tour="handshake"]');
    await app.page.click('[data-action="tour-inspect"]');
    await app.page.waitForSelector('text=Client side (inspector)', { timeout: 20_000 });
    const panel = await app.page.textContent('.tab-panel');
    expect(panel).toContain('TLSv1.3');
    expect(panel).toContain('connection accepted');
    expect(panel).toMatch(/connected/);
    await app.screenshot('quickstart-tour-handshake');
  });

  it('a message device-1 publishes arrives in its own subscription; device-2 on device-1’s topic is refused', async () => {
    await app.page.click('[data-tour="acl"]');
    await app.page.click('[data-action="tour-publish-own"]');
    await app.page.waitForSelector('.msg[data-topic="devices/device-1/status"]', { timeout: 10_000 });
    expect(await app.page.textContent('.msg[data-topic="devices/device-1/status"]')).toContain(
      'hello from device-1',
    );

    await app.page.click('[data-action="tour-publish-foreign"]');
    await app.page.waitForSelector('.msg.refused', { timeout: 10_000 });
    const refused = ((await app.page.textContent('.msg.refused')) ?? '').replace(/\s+/g, ' ');
    expect(refused).toContain('device-2 may not write devices/device-1/cmd — default deny');
    // over MQTT 5 device-2 is told, in its PUBACK
    expect(await app.page.textContent('[data-testid="tour-publish-answer"]')).toMatch(
      /Not authorized \(135\)/,
    );
    // Nothing from device-2 reached device-1.
    await app.page.waitForTimeout(500);
    expect(await app.page.$('.msg[data-topic="devices/device-1/cmd"]')).toBeNull();
    await app.screenshot('quickstart-tour-acl');
    expect(app.pageErrors).toEqual([]);
  });

  it('after quick start the Start view no longer offers to create (it never overwrites)', async () => {
    const status = (await app.service.invoke('quickstart.status', {})) as { empty: boolean; done: boolean };
    expect(status).toMatchObject({ empty: false, done: true });
    await expect(app.service.invoke('quickstart.run', {})).rejects.toThrow(/not empty/);
  });
});
