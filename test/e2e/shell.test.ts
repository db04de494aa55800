import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

const VIEWS = ['start', 'certificates', 'broker', 'inspector', 'acl', 'client', 'export'];

describe('the renderer shell in Chromium (browser mode)', () => {
  let app: OpenApp;
  beforeAll(async () => {
    app = await openApp(join(tempDir(), 'ws'));
  });
  afterAll(async () => app?.close());

  it('shows the status bar connected to the workspace', async () => {
    const status = await app.page.textContent('.status');
    expect(status).toContain('connected');
    expect(status).toContain(app.service.workspace.dir);
  });

  it('navigates every view and saves a screenshot of each', async () => {
    for (const view of VIEWS) {
      await app.gotoView(view);
      expect(await app.page.getAttribute(`nav [data-view="${view}"]`, 'aria-current')).toBe('page');
      await app.screenshot(`shell-${view}`);
    }
    expect(app.pageErrors).toEqual([]);
  });

  it('switches views from the keyboard (Alt+number) and moves focus into the view', async () => {
    await app.page.keyboard.press('Alt+3');
    await app.page.waitForSelector('main[data-view="broker"]');
    expect(await app.page.evaluate(() => document.activeElement?.tagName)).toBe('MAIN');
    await app.page.keyboard.press('Alt+1');
    await app.page.waitForSelector('main[data-view="start"]');
  });

  it('toggles a dark theme that persists across a reload', async () => {
    await app.page.click('.theme-toggle');
    expect(await app.page.getAttribute('html', 'data-theme')).toBe('dark');
    await app.screenshot('shell-dark');
    await app.page.reload();
    await app.page.waitForSelector('.status .conn.connected');
    expect(await app.page.getAttribute('html', 'data-theme')).toBe('dark');
    await app.page.click('.theme-toggle');
    expect(await app.page.getAttribute('html', 'data-theme')).toBe('light');
  });
});
