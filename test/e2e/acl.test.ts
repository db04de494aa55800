/**
 * The ACL view end to end (browser mode, Debian's Chromium): structured and raw editors stay in sync,
 * the simulator answers with the deciding rule highlighted in both editors, the matrix and lint show,
 * and Save writes the workspace ACL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

const ACL = [
  '# Plant 3: devices own their subtree; the dashboard reads telemetry.',
  'topic read public/#',
  '',
  'user device-1',
  'topic readwrite devices/device-1/#',
  'topic deny devices/device-1/firmware',
  '',
  'user dashboard',
  'topic read devices/+/telemetry',
  'topic write devices/+/cmd',
  'topic read devices/dashboard-7/telemetry',
  '',
  'pattern read clients/%c/inbox',
  'pattern write everyone/news',
  '',
].join('\n');

describe('ACL view', () => {
  let app: OpenApp;
  let workspaceDir: string;
  beforeAll(async () => {
    workspaceDir = join(tempDir('acl-e2e-'), 'ws');
    app = await openApp(workspaceDir, { width: 1440, height: 1000 });
    await app.service.invoke('acl.save', { text: ACL });
    await app.gotoView('acl');
    await app.page.waitForSelector('[data-testid="acl-structured"] section[aria-label="user device-1"]');
  });
  afterAll(async () => app?.close());

  const raw = () => app.page.inputValue('[data-testid="acl-raw"]');

  test('loads the workspace ACL into both editors, with lint', async () => {
    expect(await raw()).toBe(ACL);
    const lint = await app.page.textContent('[data-testid="acl-lint"]');
    expect(lint).toContain('apply only to clients without a username');
    expect(lint).toContain('pattern without %u or %c');
    expect(lint).toContain('has no effect');
  });

  test('the simulator names the deciding rule and highlights it in both editors', async () => {
    const sim = app.page.locator('[data-testid="acl-simulator"]');
    await sim.getByLabel('Username', { exact: true }).fill('device-1');
    await sim.getByLabel('Client id', { exact: true }).fill('device-1');
    await sim.getByLabel('Topic', { exact: true }).fill('devices/device-1/firmware');
    await sim.getByLabel('Access', { exact: true }).selectOption('write');
    await app.page.waitForSelector('[data-testid="acl-verdict"].deny');
    expect(await app.page.textContent('[data-testid="acl-verdict"]')).toContain(
      'line 6: topic deny devices/device-1/firmware',
    );
    await app.page.waitForSelector('[data-testid="acl-structured"] li.hl');
    expect(await app.page.textContent('[data-testid="acl-structured"] li.hl .ln')).toContain('6');
    expect(await app.page.locator('.raw .line.hl').textContent()).toBe(
      'topic deny devices/device-1/firmware',
    );

    await sim.getByLabel('Topic', { exact: true }).fill('devices/device-1/telemetry');
    await app.page.waitForSelector('[data-testid="acl-verdict"].allow');
    expect(await app.page.textContent('[data-testid="acl-verdict"]')).toContain('line 5');
  });

  test('an edit in the structured editor appears in the raw text, and the other way round', async () => {
    const block = app.page.locator('section[aria-label="user dashboard"]');
    await block.getByLabel('Topic of the new rule in dashboard').fill('alerts/#');
    await block.getByLabel('Access of the new rule in dashboard').selectOption('read');
    await block.getByRole('button', { name: 'Add rule' }).click();
    await expect
      .poll(raw)
      .toContain(
        'topic write devices/+/cmd\ntopic read devices/dashboard-7/telemetry\ntopic read alerts/#\n',
      );

    await app.page.fill('[data-testid="acl-raw"]', ACL + 'user ops\ntopic readwrite #\n');
    await app.page.waitForSelector('section[aria-label="user ops"]');
    expect(await app.page.locator('section[aria-label="user ops"] input.topic').first().inputValue()).toBe(
      '#',
    );

    // Move a rule down and delete it from the structured editor.
    await app.page.getByRole('button', { name: 'Move line 9 down' }).click();
    await expect.poll(raw).toContain('topic write devices/+/cmd\ntopic read devices/+/telemetry\n');
    await app.page.getByRole('button', { name: 'Delete line 11' }).click();
    await expect.poll(raw).not.toContain('dashboard-7');
  });

  test('the matrix answers identities × topics; a refused line blocks Save; Save writes the file', async () => {
    await app.page.waitForSelector('[data-testid="acl-matrix"] button.cell.allow');
    const cells = await app.page.locator('[data-testid="acl-matrix"] button.cell').count();
    expect(cells).toBeGreaterThan(8);

    await app.page.fill('[data-testid="acl-raw"]', ACL + '  # indented comment\n');
    await app.page.waitForSelector('.badge.err');
    expect(await app.page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);

    await app.page.fill('[data-testid="acl-raw"]', ACL + 'user ops\ntopic readwrite ops/#\n');
    await app.page.waitForSelector('section[aria-label="user ops"]');
    await app.page.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => readFileSync(join(workspaceDir, 'broker/acl.conf'), 'utf8'))
      .toBe(ACL + 'user ops\ntopic readwrite ops/#\n');

    const sim = app.page.locator('[data-testid="acl-simulator"]');
    await sim.getByLabel('Username', { exact: true }).fill('device-1');
    await sim.getByLabel('Topic', { exact: true }).fill('devices/device-1/firmware');
    await app.page.waitForSelector('[data-testid="acl-verdict"].deny');
    await app.screenshot('acl-workbench');
    await app.page.locator('section[aria-label="Matrix"]').scrollIntoViewIfNeeded();
    await app.screenshot('acl-matrix-lint');
    expect(app.pageErrors).toEqual([]);
  });
});
