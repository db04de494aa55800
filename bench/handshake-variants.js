#!/usr/bin/env node
// Where a broker's CPU per mTLS handshake goes: several server variants, each in its own process, driven
// in interleaved rounds by the same raw TLS client (mTLS + MQTT CONNECT/CONNACK + close, 10 in parallel).
// Each server measures its own process.cpuUsage() over the measured phase (µs resolution, the load
// generator is not counted).
//
//   npm run build:node && node bench/handshake-variants.js [--variants aedes,ours] [--handshakes 600]
//        [--rounds 5] [--mqtt 4|5] [--out ours-x=DIR,...] [--perf DIR]
//
// --perf DIR runs each server under Linux perf (software event cpu-clock: samples only while the server
// is on a CPU, native OpenSSL/V8/GC frames included, JS named through --perf-basic-prof), recording the
// measured phases only, to DIR/<variant>.data; `perf report -i DIR/<variant>.data --sort sym` reads it.
//
// Variants (the server side; same certificates for all):
//   aedes         bare aedes on tls.createServer with our limit options (the bench's "bare aedes", as
//                 bench/broker-server.js: Mosquitto's default limits, shared subscriptions; no hooks)
//   aedes-nolimits  bare aedes without those options
//   aedes-ctx     bare aedes on our listener's secure context (tls-context.ts: ca as PEM array, key as PKCS#8,
//                 rejectUnauthorized false, handshakeTimeout 10 s)
//   aedes-peer    bare aedes + the per-connection TLS reads ours makes (getProtocol, getCipher,
//                 getPeerCertificate)
//   ours          our broker (out/node, or the copy named by --out DIR) on the bench's mosquitto.conf
// Prints per variant: median µs of server CPU per handshake, min–max over the rounds, and ratio to aedes.
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { createServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { confText, helpFromHeader, makeCertificates, pool, rawSession } from './mtls-fixtures.js';

const args = process.argv.slice(2);
helpFromHeader(import.meta.url, args);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const ROOT = fileURLToPath(new URL('..', import.meta.url));
let PERF;
const GC_KINDS = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
let PERF_ARGS;

// ---------------------------------------------------------------------------------------------
// server side (child process): node bench/handshake-variants.js --serve VARIANT DIR OUTDIR

if (args[0] === '--serve') {
  const [, variant, dir, outDir] = args;
  const port = await serve(variant, dir, outDir);
  let start;
  // garbage collection inside the measured phase (V8's gc entries: count and pause time)
  let gc = { count: 0, ms: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.ms += entry.duration;
      const kind = GC_KINDS[entry.detail?.kind] ?? 'other';
      gc[kind] = (gc[kind] ?? 0) + entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (message) => {
    if (message === 'start') {
      start = process.cpuUsage();
      gc = { count: 0, ms: 0 };
      // a build instrumented to time its hooks (globalThis.__hookTimes, ms by name) reports them per phase
      if (globalThis.__hookTimes)
        for (const k of Object.keys(globalThis.__hookTimes)) delete globalThis.__hookTimes[k];
      process.send({ started: true });
    } else if (message === 'stop') {
      const used = process.cpuUsage(start);
      process.send({ cpuUs: used.user + used.system, gc, hookMs: { ...globalThis.__hookTimes } });
    } else if (message === 'exit') process.exit(0);
  });
  process.send({ port });
} else {
  await main();
}

async function serve(variant, dir, outDir) {
  const read = (f) => readFileSync(join(dir, f));
  if (variant.startsWith('ours')) {
    const { parseMosquittoConf } = await import(join(outDir, 'core/conf/index.js'));
    const { startBroker } = await import(join(outDir, 'core/broker/index.js'));
    const port = await freePort();
    const text = confText(dir, port);
    await startBroker(parseMosquittoConf(text, join(dir, 'bench.conf')), {
      baseDir: dir,
      onEvent: () => undefined,
      watchFiles: true,
    });
    return port;
  }
  const { Aedes } = await import('aedes');
  const options = { drainTimeout: 10_000, connectTimeout: 10_000 };
  if (variant !== 'aedes-nolimits') {
    const { effectiveLimits } = await import(join(outDir, 'core/conf/limits.js'));
    const { aedesLimitOptions } = await import(join(outDir, 'core/broker/aedes-limits.js'));
    Object.assign(options, aedesLimitOptions(effectiveLimits({})));
  }
  const aedes = await Aedes.createBroker(options);
  let tlsOptions = {
    key: read('server.key'),
    cert: read('server.chain.crt'),
    ca: read('ca.crt'),
    requestCert: true,
    rejectUnauthorized: true,
  };
  if (variant === 'aedes-ctx') {
    const { loadListenerTls } = await import(join(outDir, 'core/broker/tls-context.js'));
    const material = loadListenerTls(
      { port: 0, cafile: 'ca.crt', certfile: 'server.chain.crt', keyfile: 'server.key' },
      dir,
    );
    tlsOptions = {
      ...material.context,
      requestCert: true,
      rejectUnauthorized: false,
      handshakeTimeout: 10_000,
    };
  }
  const server = createServer(tlsOptions, (socket) => {
    if (variant === 'aedes-peer') {
      socket.getProtocol();
      socket.getCipher();
      socket.getPeerCertificate();
    }
    aedes.handle(socket);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

// ---------------------------------------------------------------------------------------------
// driver

function ask(child, message, key) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m && key in m) {
        child.off('message', on);
        resolve(m[key]);
      }
    };
    child.on('message', on);
    if (message) child.send(message);
  });
}

/** Write a perf control command and wait for its ack (synchronous: nothing else runs meanwhile). */
function perfControl(c, command) {
  if (!c.perf) return;
  writeSync(c.perf.ctlFd, `${command}\n`);
  readSync(c.perf.ackFd, Buffer.alloc(5));
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const variants = option('variants', 'aedes,aedes-ctx,aedes-peer,ours').split(',');
  const handshakes = Number(option('handshakes', 600));
  const rounds = Number(option('rounds', 5));
  const protocolVersion = Number(option('mqtt', 4));
  PERF = option('perf', undefined);
  // e.g. --perf-args "-F 1000 --call-graph dwarf,8192" (default -F 4000, flat)
  PERF_ARGS = option('perf-args', '-F 4000').split(' ').filter(Boolean);
  // ours=DIR pairs: a variant named ours-x can load another build (e.g. a copy of out/node with one hook off)
  const outs = Object.fromEntries(
    (option('out', '') || '')
      .split(',')
      .filter(Boolean)
      .map((p) => p.split('=')),
  );
  const dir = mkdtempSync(join(tmpdir(), 'mts-hs-'));
  chmodSync(dir, 0o755);
  const children = [];
  try {
    makeCertificates(dir);
    const tls = {
      ca: readFileSync(join(dir, 'ca.crt')),
      cert: readFileSync(join(dir, 'client.crt')),
      key: readFileSync(join(dir, 'client.key')),
    };
    const load0 = loadavg();
    for (const variant of variants) {
      const outDir = outs[variant] ?? join(ROOT, 'out/node');
      const serverArgs = [fileURLToPath(import.meta.url), '--serve', variant, dir, outDir];
      let child;
      let perf;
      if (PERF) {
        const ctl = join(dir, `${variant}.ctl`);
        const ack = join(dir, `${variant}.ack`);
        execFileSync('mkfifo', [ctl, ack]);
        child = spawn(
          'perf',
          [
            'record',
            '-q',
            '-e',
            'cpu-clock',
            ...PERF_ARGS,
            '-D',
            '-1',
            '--control',
            `fifo:${ctl},${ack}`,
            '-o',
            join(PERF, `${variant}.data`),
            '--',
            process.execPath,
            '--perf-basic-prof',
            ...serverArgs,
          ],
          { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
        );
        perf = { ctl, ack };
      } else {
        child = spawn(process.execPath, serverArgs, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      }
      const port = await ask(child, undefined, 'port');
      if (perf) {
        perf.ctlFd = openSync(perf.ctl, 'w');
        perf.ackFd = openSync(perf.ack, 'r');
      }
      children.push({ variant, child, port, perf, samples: [] });
    }
    let seq = 0;
    // warm-up (not counted): JIT of the connection path
    for (const c of children)
      await pool(100, 10, () => rawSession(c.port, `w-${seq++}`, { tls, protocolVersion }));
    for (let round = 0; round < rounds; round++) {
      // rotate the order each round so no variant always follows the same one
      const order = children.map((_, i) => children[(i + round) % children.length]);
      for (const c of order) {
        perfControl(c, 'enable');
        await ask(c.child, 'start', 'started');
        const ok = (
          await pool(handshakes, 10, () => rawSession(c.port, `h-${seq++}`, { tls, protocolVersion }))
        ).filter(Boolean).length;
        const hookMs = ask(c.child, undefined, 'hookMs');
        const gc = ask(c.child, undefined, 'gc');
        const cpuUs = await ask(c.child, 'stop', 'cpuUs');
        for (const [k, ms] of Object.entries(await hookMs)) (c.hooks ??= {})[k] = (c.hooks[k] ?? 0) + ms;
        perfControl(c, 'disable');
        c.samples.push(cpuUs / Math.max(ok, 1));
        c.gc ??= {};
        for (const [k, v] of Object.entries(await gc)) c.gc[k] = (c.gc[k] ?? 0) + v;
        if (ok !== handshakes) console.error(`${c.variant}: ${handshakes - ok} handshakes failed`);
      }
      process.stderr.write(
        `round ${round + 1}/${rounds}: ${children.map((c) => `${c.variant} ${c.samples[round].toFixed(0)}`).join(', ')} µs/handshake\n`,
      );
    }
    const load1 = loadavg();
    const base = children.find((c) => c.variant === 'aedes');
    console.log(
      `handshake-variants: MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, ${handshakes} handshakes × ${rounds} rounds, load ${load0[0].toFixed(2)} → ${load1[0].toFixed(2)}, node ${process.version}`,
    );
    // the ratio to bare aedes is taken within each round (the two ran seconds apart), then the median
    console.log('variant          µs CPU/handshake: median (min–max)   / aedes per round: median (min–max)');
    for (const c of children) {
      const ratios = base ? c.samples.map((v, i) => v / base.samples[i]) : [];
      const range = (v, d) =>
        `${median(v).toFixed(d)} (${Math.min(...v).toFixed(d)}–${Math.max(...v).toFixed(d)})`;
      console.log(
        `${c.variant.padEnd(16)} ${range(c.samples, 0).padEnd(36)} ${base ? range(ratios, 3) : '—'}`,
      );
    }
    for (const c of children) {
      const n = handshakes * rounds;
      console.log(
        `${c.variant}: GC ${(c.gc.count / n).toFixed(3)} pauses, ${((c.gc.ms * 1000) / n).toFixed(0)} µs pause time per handshake (${Object.entries(
          c.gc,
        )
          .filter(([k]) => k !== 'count' && k !== 'ms')
          .map(([k, v]) => `${k} ${((v * 1000) / n).toFixed(0)}`)
          .join(', ')})`,
      );
    }
    for (const c of children) {
      if (!c.hooks || !Object.keys(c.hooks).length) continue;
      const per = (ms) => ((ms * 1000) / (handshakes * rounds)).toFixed(1);
      console.log(`${c.variant}: wall µs per handshake inside its hooks (timed build):`);
      for (const [k, ms] of Object.entries(c.hooks).sort((a, b) => b[1] - a[1]))
        console.log(`  ${k.padEnd(28)} ${per(ms)}`);
    }
    if (PERF)
      console.log(
        `perf data: ${variants.map((v) => join(PERF, `${v}.data`)).join(' ')} (${handshakes * rounds} handshakes each)`,
      );
  } finally {
    for (const c of children) {
      if (c.perf) {
        closeSync(c.perf.ctlFd);
        closeSync(c.perf.ackFd);
        // perf stops (and writes its file) when the server exits
        c.child.send('exit');
        await new Promise((resolve) => c.child.once('exit', resolve));
      } else c.child.kill('SIGTERM');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
