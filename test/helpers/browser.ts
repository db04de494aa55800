import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ApiService } from '../../src-main/api/service.js';
import { startServe, type RunningServe } from '../../src-main/serve/server.js';
import { ROOT } from './run.js';

export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');
const RENDERER = join(ROOT, 'out', 'renderer');

/** Chromium flags from FACTS.md (headless, as root, on a closed network). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000 });
}

export interface OpenApp {
  page: Page;
  browser: Browser;
  serve: RunningServe;
  service: ApiService;
  /** Errors the page logged (console errors and uncaught exceptions). */
  pageErrors: string[];
  /** Save test-output/screenshots/NAME.png and return its path. */
  screenshot(name: string): Promise<string>;
  /** Go to a view (`#/certificates`) and wait for it to render. */
  gotoView(view: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The browser mode end to end: the real service over a workspace folder, the real HTTP+WebSocket
 * server, the built renderer (out/renderer; `npm run build`), in Debian's Chromium.
 */
export async function openApp(
  workspaceDir: string,
  options: { width?: number; height?: number } = {},
): Promise<OpenApp> {
  const service = new ApiService({ workspaceDir, surface: 'browser' });
  const serve = await startServe({ service, rendererDir: RENDERER });
  const browser = await launchChromium();
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1360, height: options.height ?? 860 },
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  page.setDefaultTimeout(15_000);
  await page.goto(serve.url);
  await page.waitForSelector('.status .conn.connected');
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    browser,
    serve,
    service,
    pageErrors,
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: false });
      return path;
    },
    async gotoView(view) {
      await page.click(`nav [data-view="${view}"]`);
      await page.waitForSelector(`main[data-view="${view}"]`);
    },
    async close() {
      await browser.close();
      await serve.close();
      await service.dispose();
    },
  };
}

/** Quick start as a user runs it: the Start view's one button, then wait until the view says it is ready. */
export async function quickStartFromView(app: OpenApp): Promise<void> {
  await app.gotoView('start');
  await app.page.click('[data-action="quickstart"]');
  await app.page.waitForSelector('.ready', { timeout: 30_000 });
}

/**
 * Screenshots NAME (the current, light theme) and NAME-dark, switching with the app's own theme toggle
 * and back; `settleMs` lets what redraws on a theme change (charts) finish first.
 */
export async function screenshotLightAndDark(app: OpenApp, name: string, settleMs = 0): Promise<void> {
  await app.screenshot(name);
  await app.page.locator('.theme-toggle').click();
  if (settleMs) await app.page.waitForTimeout(settleMs);
  await app.screenshot(`${name}-dark`);
  await app.page.locator('.theme-toggle').click();
}
