import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionSnapshot, WireLogPage } from '../../src-main/api/contract/client.js';
import { openApp, quickStartFromView, screenshotLightAndDark, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The Client view's live parts in Chromium: after quick start, device-1 publishes JSON telemetry at a few
 * hundred messages a second on several topics; its topic tree counts them, a chart of $.temp moves, and a
 * retained message deleted from the tree is gone from the broker too.
 */
let app: OpenApp;
let device1: SessionSnapshot;

beforeAll(async () => {
  app = await openApp(join(tempDir('mts-e2e-client-visual-'), 'ws'), { width: 1360, height: 900 });
  await quickStartFromView(app);
  const sessions = (await app.service.invoke('client.sessions', {})) as SessionSnapshot[];
  device1 = sessions.find((s) => s.profile === 'device-1' && s.state === 'connected')!;
  expect(device1).toBeDefined();
});

afterAll(async () => {
  await app?.close();
});

const TOPICS = ['telemetry', 'power', 'door'].map((t) => `devices/device-1/${t}`);

/** device-1 publishes about `rate` messages a second over the TOPICS for `ms`; resolves with the count. */
async function flood(rate: number, ms: number): Promise<number> {
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < ms) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    const batch: Array<Promise<unknown>> = [];
    for (; sent < due; sent++) {
      const topic = TOPICS[sent % TOPICS.length]!;
      const payload = JSON.stringify({
        seq: sent,
        temp: 20 + 5 * Math.sin(sent / 40),
        values: [sent % 7, 1.5],
        on: sent % 2 === 0,
      });
      batch.push(app.service.invoke('client.publish', { id: device1.id, topic, payload, qos: 0 }));
    }
    await Promise.all(batch);
    await new Promise((r) => setTimeout(r, 10));
  }
  return sent;
}

describe('Client view: live topic tree, charts, payload views', () => {
  it('the tree shows every topic with counts and rates while device-1 publishes a few hundred messages a second', async () => {
    const page = app.page;
    await app.gotoView('client');
    const pane = page.locator('[data-session="device-1"]');
    await expect.poll(() => pane.locator('.state').textContent()).toBe('connected');
    await app.service.invoke('client.publish', {
      id: device1.id,
      topic: 'devices/device-1/config',
      payload: '{"interval": 5}',
      qos: 1,
      retain: true,
    });
    // Subscribing again brings the retained message with its retain flag (live ones come without it).
    await app.service.invoke('client.subscribe', {
      id: device1.id,
      filters: [{ filter: 'devices/device-1/#', qos: 1 }],
    });
    await pane.getByRole('tab', { name: 'Topics' }).click();
    const running = flood(300, 3000);
    await pane.getByRole('button', { name: 'Expand all' }).click();
    const telemetry = pane.locator('[data-topic="devices/device-1/telemetry"]');
    await telemetry.waitFor();
    // While the flood runs: a rate of about a hundred a second per topic (300/s over three topics).
    await page.waitForTimeout(1500);
    await pane.getByRole('button', { name: 'Expand all' }).click();
    await expect
      .poll(
        async () => Number(((await telemetry.locator('.rate').textContent()) ?? '').replace(/[^\d.]/g, '')),
        {
          timeout: 10_000,
        },
      )
      .toBeGreaterThan(40);
    const sent = await running;
    expect(sent).toBeGreaterThanOrEqual(850);
    // Every message counted: the tree's counts add up to what was published (plus the retained one).
    await expect
      .poll(async () => {
        let total = 0;
        for (const t of TOPICS)
          total += Number(
            ((await pane.locator(`[data-topic="${t}"] .count-cell`).textContent()) ?? '0').replace(/\D/g, ''),
          );
        return total;
      })
      .toBe(sent);
    const config = pane.locator('[data-topic="devices/device-1/config"]');
    expect(await config.locator('.flags').textContent()).toContain('R');
    // The retained message came twice (live, then on the new subscription).
    expect(await config.locator('.count-cell').textContent()).toBe('2');
    expect(await pane.locator('[data-path="devices"] .count-cell').textContent()).toBe(
      (sent + 2).toLocaleString('en-US'),
    );
    // Search narrows the tree to matching topics (with their branches).
    await pane.getByLabel('Search topics').fill('pow');
    await expect.poll(() => pane.locator('[data-topic]').count()).toBe(1);
    await pane.getByLabel('Search topics').fill('');

    // Keyboard: focus the first row, go down to a topic, open it with Enter.
    await pane.locator('[role="treeitem"]').first().focus();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await pane.getByRole('region', { name: /^Topic devices\/device-1\// }).waitFor();
    expect(app.pageErrors).toEqual([]);
  });

  it("a topic's history shows payload views, the JSON diff of consecutive messages and the MQTT 5-ready properties", async () => {
    const pane = app.page.locator('[data-session="device-1"]');
    await pane.locator('[data-topic="devices/device-1/telemetry"]').click();
    const detail = pane.getByRole('region', { name: 'Topic devices/device-1/telemetry' });
    await detail.waitFor();
    // The newest message as a JSON tree; text, hex and base64 too.
    const body = detail.getByLabel(/^Payload \(/);
    expect(await body.textContent()).toMatch(/temp:\s*\d+\.\d/);
    await detail.getByRole('button', { name: 'Hex' }).click();
    expect(await body.textContent()).toMatch(/^00000000 {2}7b 22 73 65 71 22/);
    await detail.getByRole('button', { name: 'Base64' }).click();
    expect(await body.textContent()).toMatch(/^eyJzZXEiO/);
    await detail.getByRole('button', { name: 'Text' }).click();
    expect(await body.textContent()).toMatch(/^\{"seq":\d+,"temp":/);
    // The diff with the previous message on the topic: JSON-aware, seq and temp changed.
    const diff = detail.getByLabel('Change from the previous message');
    expect(await diff.textContent()).toContain('JSON, keys in order');
    const removed = await diff.locator('.del').allTextContents();
    const added = await diff.locator('.add').allTextContents();
    expect(removed.some((l) => /"seq": \d+/.test(l))).toBe(true);
    expect(added.some((l) => /"seq": \d+/.test(l))).toBe(true);
    expect(
      await detail
        .getByRole('list', { name: /History of/ })
        .locator('li')
        .count(),
    ).toBe(20);
  });

  it('a chart of $.temp moves while messages arrive; messages per second are charted', async () => {
    const page = app.page;
    const pane = page.locator('[data-session="device-1"]');
    const detail = pane.getByRole('region', { name: 'Topic devices/device-1/telemetry' });
    await detail.getByLabel('JSON path to chart').fill('$.temp');
    await detail.getByLabel('JSON path to chart').press('Enter');
    const chip = pane.locator('[data-series="devices/device-1/telemetry $.temp"]');
    await chip.waitFor();
    const chart = pane.getByRole('img', { name: /Values over time/ });
    await chart.locator('canvas').waitFor();
    const running = flood(300, 2500);
    const values = new Set<string>();
    const draws: number[] = [];
    for (let i = 0; i < 8; i++) {
      await page.waitForTimeout(250);
      values.add((await chip.locator('.value').textContent()) ?? '');
      draws.push(Number(await chart.getAttribute('data-draws')));
    }
    await running;
    // The newest value changed again and again, and the chart was redrawn with it.
    expect(values.size).toBeGreaterThan(4);
    expect(draws[draws.length - 1]! - draws[0]!).toBeGreaterThan(4);
    const rate = pane.getByRole('img', { name: 'Messages per second' });
    expect(await rate.locator('canvas').count()).toBe(1);
    await pane.scrollIntoViewIfNeeded();
    await screenshotLightAndDark(app, 'client-visual-chart', 300);
    expect(app.pageErrors).toEqual([]);
  });

  it('deleting a retained message (after confirmation) removes it from the tree and from the broker', async () => {
    const page = app.page;
    const pane = page.locator('[data-session="device-1"]');
    await pane.getByRole('tab', { name: 'Topics' }).click();
    await pane.getByRole('button', { name: 'Expand all' }).click();
    const config = pane.locator('[data-topic="devices/device-1/config"]');
    await config.click();
    const detail = pane.getByRole('region', { name: 'Topic devices/device-1/config' });
    await detail.getByRole('button', { name: 'Delete retained message…' }).click();
    const confirm = detail.getByRole('alertdialog');
    expect((await confirm.textContent())?.replace(/\s+/g, ' ')).toContain(
      'device-1 publishes an empty retained message there',
    );
    await detail.scrollIntoViewIfNeeded();
    await screenshotLightAndDark(app, 'client-visual-tree', 300);
    await confirm.getByRole('button', { name: 'Delete it' }).click();
    await config.waitFor({ state: 'detached' });
    // The broker forgot it: subscribing again brings no retained message on the topic.
    const before = (await app.service.invoke('client.messages', {
      id: device1.id,
      topic: 'devices/device-1/config',
    })) as WireLogPage;
    await app.service.invoke('client.subscribe', {
      id: device1.id,
      filters: [{ filter: 'devices/device-1/config', qos: 1 }],
    });
    await page.waitForTimeout(500);
    const after = (await app.service.invoke('client.messages', {
      id: device1.id,
      topic: 'devices/device-1/config',
    })) as WireLogPage;
    expect(after.matched).toBe(before.matched);
    expect(await config.count()).toBe(0);
    expect(app.pageErrors).toEqual([]);
  });

  it('the merged tree shows the topics of every connection', async () => {
    const page = app.page;
    const all = page.getByRole('region', { name: 'All connections', exact: true });
    await all.scrollIntoViewIfNeeded();
    await all.getByRole('button', { name: 'Expand all' }).click();
    await all.locator('[data-topic="devices/device-1/telemetry"]').waitFor();
    expect(await all.locator('[data-topic="devices/device-1/config"]').count()).toBe(0);
    expect(app.pageErrors).toEqual([]);
  });
});
