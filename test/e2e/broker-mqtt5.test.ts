/**
 * MQTT 5 in the Broker view (browser mode, Debian's Chromium): each client's protocol version, refusals with
 * their v5 reason code by name, and the switch that stops telling refused MQTT 5 clients why (saved in the
 * workspace beside mosquitto.conf, applied to the running broker at once, never exported).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { connectClient, mqttjsOutcomeV5 } from '../broker/differential.js';

describe('Broker view, MQTT 5', () => {
  let app: OpenApp;
  let dir: string;
  let workspaceDir: string;
  let port: number;

  beforeAll(async () => {
    dir = tempDir('broker-mqtt5-e2e-');
    workspaceDir = join(dir, 'ws');
    port = await freePort();
    app = await openApp(workspaceDir, { width: 1440, height: 1100 });
    await app.service.invoke('quickstart.run', { port });
    await app.service.invoke('broker.start', {});
    await app.gotoView('broker');
    await app.page.waitForSelector('[data-testid="listener-card"]');
  }, 60_000);
  afterAll(async () => {
    await app?.service.invoke('broker.stop', {});
    await app?.close();
  });

  const file = (relative: string) => readFileSync(join(workspaceDir, relative));

  test('protocol versions, reason codes by name, and the Reason String switch', async () => {
    const toggle = app.page.getByLabel('Tell refused MQTT 5 clients why (Reason String)');
    expect(await toggle.isChecked()).toBe(true);
    const device = await connectClient(`mqtts://localhost:${port}`, {
      protocolVersion: 5,
      ca: file('broker/ca.crt'),
      cert: file('certs/device-1.crt'),
      key: file('keys/device-1.key'),
      clientId: 'device-1-v5',
    });
    const legacy = await connectClient(`mqtts://localhost:${port}`, {
      ca: file('broker/ca.crt'),
      cert: file('certs/device-2.crt'),
      key: file('keys/device-2.key'),
      clientId: 'device-2-v311',
    });
    const url = `mqtts://localhost:${port}`;
    const refused = await mqttjsOutcomeV5(url, { ca: file('broker/ca.crt') });
    expect(refused).toEqual({
      outcome: 'reason 0x87',
      reasonString: 'no client certificate: this listener requires one (require_certificate true)',
    });

    const clients = app.page.locator('[data-testid="broker-clients"]');
    await clients.locator('text=device-2-v311').waitFor();
    const row = (id: string) =>
      clients.locator('tr', { hasText: id }).locator('[data-testid="client-protocol"]');
    expect(await row('device-1-v5').textContent()).toBe('MQTT 5');
    expect(await row('device-2-v311').textContent()).toBe('MQTT 3.1.1');
    const log = app.page.locator('[data-testid="broker-log"]');
    const refusal = log.locator('li.refused').first();
    await refusal.locator('[data-testid="event-reason-code"]').waitFor();
    expect(await refusal.locator('[data-testid="event-reason-code"]').textContent()).toBe(
      '0x87 Not authorized',
    );
    expect(await refusal.locator('[data-testid="event-protocol"]').textContent()).toBe('MQTT 5');
    await app.screenshot('broker-mqtt5');

    await toggle.uncheck();
    await expect.poll(() => app.service.invoke('broker.options', {})).toEqual({ reasonStrings: false });
    expect(JSON.parse(file('broker/local-options.json').toString())).toEqual({ reasonStrings: false });
    expect(await mqttjsOutcomeV5(url, { ca: file('broker/ca.crt') })).toEqual({ outcome: 'reason 0x87' });
    // the switch outlives a restart, and the export never carries it
    await app.service.invoke('broker.stop', {});
    await app.service.invoke('broker.start', {});
    expect(await mqttjsOutcomeV5(url, { ca: file('broker/ca.crt') })).toEqual({ outcome: 'reason 0x87' });
    await app.page.reload();
    await app.page.waitForSelector('[data-testid="listener-card"]');
    expect(await toggle.isChecked()).toBe(false);
    const out = join(dir, 'export');
    await app.service.invoke('export.write', { target: 'folder', path: out });
    expect(existsSync(join(out, 'mosquitto.conf'))).toBe(true);
    expect(
      readdirSync(out, { recursive: true })
        .map(String)
        .some((f) => f.includes('local-options')),
    ).toBe(false);
    expect(readFileSync(join(out, 'mosquitto.conf'), 'utf8')).not.toMatch(/reason/i);

    device.end(true);
    legacy.end(true);
    expect(app.pageErrors).toEqual([]);
  }, 90_000);
});
