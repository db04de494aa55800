// The Client view's message log under a flood: 10,000 messages/s arrive at one connection while the
// view is open (and scrolled) in Chromium. Prints frame times measured in the page and memory of the
// page and the main process, for several log sizes: memory must follow the log size, not the number
// of messages received. Needs `npm run build` (or `npx electron-vite build`) for out/renderer.
//
// Two modes: `log` (the message log alone, as the view opens) and `tree-chart` (a second, idle connection
// so the merged tree exists; the flooded connection's Topics tab open with every branch expanded and a
// topic's details shown, and the merged view's chart of one topic's $.celsius drawing).
//
//   node bench/client-log.js [--rate 10000] [--seconds 12] [--sizes 10000,100000] [--modes log,tree-chart]
//                            [--profile DIR] [--trace DIR]
//
// --profile DIR records the page's CPU profile (Chrome DevTools Protocol, Profiler domain) during each
// flood into DIR/client-log-MODE-SIZE.cpuprofile (open it in Chromium's DevTools, Performance panel) and
// prints the functions with the most self time. --trace DIR records a Chromium performance trace
// (devtools.timeline) into DIR/client-log-MODE-SIZE.json and prints where the page's main thread spent
// its time (script, style, layout, paint…) per event name. The machine's load average is printed with the table:
// frame times on a shared machine depend on it.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createServer } from 'node:net';
import { freePort } from './free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RATE = Number(arg('rate', '10000'));
const SECONDS = Number(arg('seconds', '12'));
const SIZES = arg('sizes', '10000,100000').split(',').map(Number);
const MODES = arg('modes', 'log,tree-chart').split(',');
const PROFILE = arg('profile', '');
const TRACE = arg('trace', '');
const PAYLOAD = JSON.stringify({ device: 'device-1', celsius: 21.5, humidity: 40, seq: 0 });

if (
  !existsSync(join(root, 'out/renderer/index.html')) ||
  !existsSync(join(root, 'out/node/api/service.js'))
) {
  console.error('build first: npm run build (out/renderer and out/node are needed)');
  process.exit(1);
}

const { ApiService } = await import(join(root, 'out/node/api/service.js'));
const { startServe } = await import(join(root, 'out/node/serve/server.js'));
const { chromium } = await import('playwright-core');
const { Aedes } = await import('aedes');
const mqtt = (await import('mqtt')).default;

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function scenario(logSize, mode) {
  const dir = mkdtempSync(join(tmpdir(), 'mts-bench-client-'));
  const broker = await Aedes.createBroker({ drainTimeout: 5000 });
  const brokerServer = createServer(broker.handle);
  const brokerPort = await freePort();
  await new Promise((r) => brokerServer.listen(brokerPort, '127.0.0.1', r));
  const service = new ApiService({ workspaceDir: join(dir, 'ws'), surface: 'browser' });
  const serve = await startServe({ service, rendererDir: join(root, 'out/renderer') });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--enable-precise-memory-info',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(serve.url);
  await page.waitForSelector('.status .conn.connected');
  await page.click('nav [data-view="client"]');
  await page.waitForSelector('main[data-view="client"]');

  const session = await service.invoke('client.connect', {
    profile: { name: 'flood', url: `mqtt://127.0.0.1:${brokerPort}`, logSize },
  });
  await service.invoke('client.subscribe', { id: session.id, filters: [{ filter: 'load/#', qos: 0 }] });
  await page.waitForSelector('[data-session="flood"] .state:text("connected")');
  if (mode === 'tree-chart') {
    await service.invoke('client.connect', {
      profile: { name: 'idle', url: `mqtt://127.0.0.1:${brokerPort}` },
    });
    await page.waitForSelector('[data-session="idle"] .state:text("connected")');
    // Some messages first, so there is a tree to open and a topic to chart.
    const warm = mqtt.connect(`mqtt://127.0.0.1:${brokerPort}`, { clientId: 'bench-warm' });
    await new Promise((r) => warm.once('connect', r));
    for (let i = 0; i < 100; i++) warm.publish(`load/${i % 50}`, PAYLOAD);
    await new Promise((r) => warm.end(false, {}, r));
    const pane = page.locator('[data-session="flood"]');
    await pane.getByRole('tab', { name: 'Topics' }).click();
    await pane
      .locator('[data-topic="load/7"]')
      .waitFor({ state: 'attached' })
      .catch(() => undefined);
    await pane.getByRole('button', { name: 'Expand all' }).click();
    await pane.locator('[data-topic="load/7"]').click();
    const all = page.getByRole('region', { name: 'All connections', exact: true });
    await all.getByRole('tab', { name: 'Charts' }).click();
    await all.locator('input[name="chartTopic"]').fill('load/7');
    await all.locator('input[name="chartPath"]').fill('$.celsius');
    await all.getByRole('button', { name: 'Add series' }).click();
    await all.locator('[data-series="load/7 $.celsius"]').waitFor();
  }

  // Frame times in the page, recorded with requestAnimationFrame.
  await page.evaluate(() => {
    const w = window;
    w.__frames = [];
    w.__run = true;
    let last = performance.now();
    const tick = (now) => {
      w.__frames.push(now - last);
      last = now;
      if (w.__run) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const heap = () => page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  global.gc?.();
  const mainMemory = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external; // message payloads are Buffers: external memory
  };
  const before = { page: await heap(), main: mainMemory() };
  const load = [loadavg()[0]];
  const cdp = PROFILE ? await page.context().newCDPSession(page) : null;
  const traceFile = TRACE ? join(TRACE, `client-log-${mode}-${logSize}.json`) : null;
  if (traceFile) {
    mkdirSync(TRACE, { recursive: true });
    await browser.startTracing(page, { path: traceFile, categories: ['devtools.timeline'] });
  }
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }

  const publisher = mqtt.connect(`mqtt://127.0.0.1:${brokerPort}`, { clientId: 'bench-pub' });
  await new Promise((r) => publisher.once('connect', r));
  const started = Date.now();
  let sent = 0;
  const samples = [];
  const viewport =
    mode === 'tree-chart' ? '[data-session="flood"] [role="tree"]' : '[data-session="flood"] .viewport';
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (Date.now() - started) / 1000;
      const due = Math.min(RATE * SECONDS, Math.floor(elapsed * RATE));
      for (; sent < due; sent++)
        publisher.publish(`load/${sent % 50}`, PAYLOAD.replace('"seq":0', `"seq":${sent}`));
      if (sent >= RATE * SECONDS) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
    // A user scrolling the log now and then, and a heap sample every 3 s.
    const scroller = setInterval(async () => {
      if (sent >= RATE * SECONDS) return clearInterval(scroller);
      await page.hover(viewport).catch(() => undefined);
      await page.mouse.wheel(0, 400).catch(() => undefined);
    }, 700);
    const sampler = setInterval(async () => {
      if (sent >= RATE * SECONDS) return clearInterval(sampler);
      samples.push(await heap().catch(() => 0));
    }, 3000);
  });
  const sendSeconds = (Date.now() - started) / 1000;
  load.push(loadavg()[0]);
  let hot = null;
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    mkdirSync(PROFILE, { recursive: true });
    writeFileSync(join(PROFILE, `client-log-${mode}-${logSize}.cpuprofile`), JSON.stringify(profile));
    hot = selfTimes(profile);
  }
  let timeline = null;
  if (traceFile) timeline = mainThreadTimes(JSON.parse((await browser.stopTracing()).toString()));
  // Wait until everything published has arrived (or 10 s).
  const deadline = Date.now() + 10_000;
  let page1 = await service.invoke('client.messages', { id: session.id, limit: 1 });
  while (page1.received < sent && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    page1 = await service.invoke('client.messages', { id: session.id, limit: 1 });
  }
  const deliverSeconds = (Date.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const frames = await page.evaluate(() => {
    window.__run = false;
    return window.__frames;
  });
  const shown =
    mode === 'tree-chart'
      ? await page.textContent('[data-session="flood"] .tree .count')
      : await page.textContent('[data-session="flood"] .count');
  const draws =
    mode === 'tree-chart'
      ? await page.getAttribute('[aria-label="All connections"] [data-draws]', 'data-draws').catch(() => null)
      : null;
  global.gc?.();
  const after = { page: await heap(), main: mainMemory() };
  // Typing a topic filter over the whole log: time until the next frames are painted.
  const filterMs = {};
  const filterCounts = {};
  for (const text of mode === 'tree-chart' ? [] : ['load/7', '+/13', '']) {
    filterMs[text || '(none)'] = await page.evaluate(async (value) => {
      const input = document.querySelector('[data-session="flood"] input[type="search"]');
      const t0 = performance.now();
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t0;
    }, text);
    filterCounts[text || '(none)'] = (await page.textContent('[data-session="flood"] .count'))
      ?.trim()
      .replace(/\s+/g, ' ');
  }

  const sorted = [...frames].sort((a, b) => a - b);

  publisher.end(true);
  await browser.close();
  await serve.close();
  await service.dispose();
  await new Promise((r) => brokerServer.close(r));
  await new Promise((r) => broker.close(r));
  rmSync(dir, { recursive: true, force: true });
  return {
    mode,
    draws,
    samples,
    logSize,
    sent,
    received: page1.received,
    kept: page1.size,
    rate: Math.round(page1.received / deliverSeconds),
    sendSeconds,
    frames: frames.length,
    p50: pct(sorted, 50),
    p95: pct(sorted, 95),
    p99: pct(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
    long: frames.filter((f) => f > 50).length,
    pageBefore: before.page,
    pageAfter: after.page,
    pagePeak: Math.max(after.page, ...samples),
    mainBefore: before.main,
    mainAfter: after.main,
    shown: shown?.trim().replace(/\s+/g, ' '),
    filterMs,
    filterCounts,
    errors,
    load,
    hot,
    timeline,
  };
}

/**
 * Where the page's main thread spent its time in a devtools.timeline trace: total duration per event name
 * (nested events included: a Layout inside a FunctionCall counts in both), on the busiest renderer thread.
 */
function mainThreadTimes(trace) {
  const events = trace.traceEvents ?? trace;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const onMain = events.filter(
    (e) => e.ph === 'X' && typeof e.dur === 'number' && (!main || (e.pid === main.pid && e.tid === main.tid)),
  );
  const byName = new Map();
  for (const e of onMain) {
    const row = byName.get(e.name) ?? { ms: 0, n: 0, max: 0 };
    row.ms += e.dur / 1000;
    row.n++;
    row.max = Math.max(row.max, e.dur / 1000);
    byName.set(e.name, row);
  }
  return [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 16);
}

/** Self time per function of a CPU profile (ms), most first. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const f = byId.get(id).callFrame;
    const file = f.url ? f.url.split('/').pop() : '';
    const key = `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  return { total, top };
}

console.log(
  `client message log: ${RATE} msg/s for ${SECONDS} s into one connection, Client view open in Chromium`,
);
const results = [];
for (const mode of MODES) for (const size of SIZES) results.push(await scenario(size, mode));
console.log('');
for (const r of results) {
  if (!r.hot) continue;
  console.log(`page CPU profile, ${r.mode} ${r.logSize} (${r.hot.total.toFixed(0)} ms sampled), self time:`);
  for (const [name, ms] of r.hot.top)
    console.log(
      `  ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / r.hot.total).toFixed(1).padStart(5)}%  ${name}`,
    );
}
for (const r of results) {
  if (!r.timeline) continue;
  console.log(`page main thread (trace), ${r.mode} ${r.logSize}: event, total ms, count, longest ms`);
  for (const [name, row] of r.timeline)
    console.log(
      `  ${row.ms.toFixed(0).padStart(7)} ms ${String(row.n).padStart(7)} × max ${row.max.toFixed(1).padStart(6)}  ${name}`,
    );
}
console.log('');
console.log(
  '| view | log size | sent | received | kept | delivered/s | frames | p50 ms | p95 ms | p99 ms | max ms | frames >50 ms | page heap MB (start → peak → end) | main heap+external MB (start → end) | filter "load/7" / "+/13" / none, ms |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.mode} | ${r.logSize.toLocaleString()} | ${r.sent.toLocaleString()} | ${r.received.toLocaleString()} | ${r.kept.toLocaleString()} | ${r.rate.toLocaleString()} | ${r.frames} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(0)} | ${r.long} | ${mb(r.pageBefore)} → ${mb(r.pagePeak)} → ${mb(r.pageAfter)} | ${mb(r.mainBefore)} → ${mb(r.mainAfter)} | ${
      Object.values(r.filterMs)
        .map((v) => v.toFixed(0))
        .join(' / ') || '—'
    } |`,
  );
}
for (const r of results) {
  console.log(
    `${r.mode} ${r.logSize}: load average ${r.load.map((l) => l.toFixed(1)).join(' → ')}; view says "${r.shown}"; page heap every 3 s: ${r.samples.map(mb).join(', ')} MB${r.draws ? `; chart redrawn ${r.draws} times` : ''}; filters: ${JSON.stringify(r.filterCounts)}${r.errors.length ? `; page errors: ${r.errors.join('; ')}` : ''}`,
  );
}
