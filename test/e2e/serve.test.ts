import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openApp, type OpenApp } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

describe('browser mode in Chromium: the token stays with this server', () => {
  let app: OpenApp;
  let other: Server;
  let otherPort: number;
  const seenByOther: { url: string; cookie?: string; referer?: string }[] = [];

  beforeAll(async () => {
    app = await openApp(join(tempDir(), 'ws'));
    // Another local web server, as any other program on this machine may run.
    other = createServer((req, res) => {
      seenByOther.push({ url: req.url ?? '', cookie: req.headers.cookie, referer: req.headers.referer });
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>other</p>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherPort = (other.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => other?.close(resolve));
  });

  it('sets no cookie; the page keeps its token in sessionStorage, which no other origin reads', async () => {
    expect(await app.page.context().cookies()).toEqual([]);
    expect(await app.page.evaluate(() => document.cookie)).toBe('');
    expect(await app.page.evaluate(() => sessionStorage.getItem('mts-token'))).toBe(app.serve.token);
  });

  it('a reload (also on another view) connects again', async () => {
    await app.gotoView('certificates');
    await app.page.reload();
    await app.page.waitForSelector('.status .conn.connected');
    await app.page.waitForSelector('main[data-view="certificates"]');
    const info = await app.page.evaluate(async () => (await fetch('/favicon.svg')).status);
    expect(info).toBe(200);
    expect(app.pageErrors).toEqual([]);
  });

  it('another server on 127.0.0.1 receives no token, by cookie or by referrer', async () => {
    const page = await app.browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${otherPort}/`);
      await page.goto(`http://localhost:${otherPort}/x`);
      expect(await page.evaluate(() => sessionStorage.getItem('mts-token'))).toBeNull();
      // Links out of the app carry no Referer (no-referrer).
      await app.page.evaluate((port) => {
        const a = document.createElement('a');
        a.href = `http://127.0.0.1:${port}/from-app`;
        a.target = '_self';
        document.body.append(a);
        a.click();
      }, otherPort);
      await app.page.waitForURL(`http://127.0.0.1:${otherPort}/from-app`);
    } finally {
      await page.close();
    }
    expect(seenByOther.length).toBeGreaterThanOrEqual(3);
    for (const request of seenByOther) {
      expect(request.cookie ?? '').not.toContain(app.serve.token);
      expect(request.url).not.toContain(app.serve.token);
      expect(request.referer ?? '').not.toContain(app.serve.token);
    }
  });
});
