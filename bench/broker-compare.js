#!/usr/bin/env node
// Our broker against Debian's Mosquitto and a bare aedes, same certificates, mutual TLS 1.3 on 127.0.0.1.
//
//   npm run build:node && node bench/broker-compare.js [--messages 100000] [--handshakes 500]
//        [--clients 5000] [--latency 2000] [--only ours,aedes,mosquitto] [--mqtt 3.1.1,5]
//        [--runs messages,latency,handshakes,clients] [--repeat 1] [--cpu-prof DIR]
//        [--scenarios fanInQos0,fanInQos1,fanOutQos0,fanOutQos1] [--rounds 5] [--together]
//
// Messages (bench/broker-messages.js): all brokers run at once; each scenario's --messages deliveries per
// broker are split into --rounds chunks, and each round drives one chunk through every broker in turn, so
// the brokers are compared within seconds of each other on this shared machine. The table gives the median
// round (lowest–highest round) and the median of the round-by-round ratios (their spread). --together
// drives all brokers at the same moment in each round (the load generator then limits the rate; tried
// here, its spread was no smaller than one-after-the-other's).
// Handshakes the same way: all brokers at once, --handshakes split into --rounds rounds, each round on every
// broker in turn; the table gives the median round (lowest–highest) and the median of the round-by-round
// ratios. (Until session 4 each broker ran its handshakes alone, one after the other: on this shared machine
// the load changed between them and single ratios moved by ±15 %.) `node bench/handshake-variants.js`
// takes the handshake apart (server variants, GC pauses, perf profiles).
// Latency (bench/broker-latency.js) the same way: all brokers at once, --latency QoS 0 round trips split into
// --rounds rounds on every broker in turn; p50/p99 of all round trips, and the median of the round-by-round
// p50 and p99 ratios. Every ratio of rounds prints its median with the 95 % confidence interval of that median
// (bench/bench-stats.js: order statistics, from 6 rounds on) and the lowest–highest round; a target such as
// "≤ 1.1× bare aedes" is shown met when the interval's upper end is ≤ 1.1, within the noise when it straddles.
// --only ours,aedes,aedes2 adds a second bare aedes, the control: identical code measured the same way, so
// its ratio to the first (column "aedes2 / aedes") is how far this machine's noise alone moves a ratio.
// --repeat N runs every broker N times (interleaved) and prints the median of each figure (messages and
// handshakes: the rounds of all N runs together).
// --cpu-prof DIR profiles the Node brokers (V8's sampling profiler, 200 µs) during the measured
// handshake phase only, one DIR/<broker>-mqtt<4|5>-handshakes-<n>.cpuprofile each, and each message
// scenario's rounds when --runs has messages (...-messages-<scenario>-<n>; its units are the messages
// delivered, --rounds × --messages / --rounds); summarize with
// `node bench/cpu-profile-top.js FILE [--against OTHER --units N,M]`.
//
// Each broker runs in its own process; its CPU time (utime+stime; for messages the nanosecond schedstat of
// all its threads) and peak memory (VmHWM) come from /proc/<pid>. The load generator (mqtt.js and raw TLS
// clients) runs in this process and is not counted.
// Our broker and Mosquitto run the same mosquitto.conf (mTLS, certificate CN as username, an ACL);
// bare aedes runs with the same certificates and no hooks (no authentication, no ACL, no log), with
// the aedes options our broker gives it for that conf (Mosquitto's default limits: 20 messages in flight
// per client — for 3.1.1 clients too, as Mosquitto — 1000 queued, topic alias maximum 10, shared
// subscriptions on). Those limits change what goes on the wire (Mosquitto applies them too), so all three
// brokers do the same work: what is compared is the cost of our hooks and code, not of the limits.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './free-port.js';
import { confText, helpFromHeader, makeCertificates, pool, rawSession } from './mtls-fixtures.js';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { formatRatio, median as medianOfList, ratioSummary } from './bench-stats.js';
import { latencyFigures, latencyRatio, latencyRounds } from './broker-latency.js';
import { messageRounds, processCpuMs, roundRatios, SCENARIOS, summarizeRounds } from './broker-messages.js';

const args = process.argv.slice(2);
helpFromHeader(import.meta.url, args);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const MESSAGES = Number(option('messages', 100_000));
const HANDSHAKES = Number(option('handshakes', 500));
const CLIENTS = Number(option('clients', 5000));
const LATENCY = Number(option('latency', 2000));
const ONLY = option('only', 'ours,aedes,mosquitto').split(',');
/** Every broker the bench knows; aedes2 (only when --only names it) is a second bare aedes, the control. */
const BROKERS = ['ours', 'aedes', 'aedes2', 'mosquitto'];
/** MQTT versions the clients speak: one table each (default both). */
const VERSIONS = option('mqtt', '3.1.1,5')
  .split(',')
  .map((v) => (v === '5' ? 5 : 4));
const RUNS = option('runs', 'messages,latency,handshakes,clients').split(',');
const REPEAT = Number(option('repeat', 1));
/** Message scenarios run (default all) and rounds each is split into (each round: a chunk on every broker). */
const SCENARIO_KEYS = option('scenarios', 'fanInQos0,fanInQos1,fanOutQos0,fanOutQos1').split(',');
const ROUNDS = Number(option('rounds', 5));
/** Each round drives all brokers at the same time (default: one after the other). */
const TOGETHER = args.includes('--together');
const CPU_PROF = option('cpu-prof', undefined);
let protocolVersion = 4;
let profileSeq = 0;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------------------------------------
// certificates (openssl CLI), conf and ACL

// ---------------------------------------------------------------------------------------------
// processes

function waitForPort(port, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${port} not ready`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Each broker's VmRSS (MB) just after start, idle: the lowest over its starts. */
const idleRss = {};

async function startBroker(name, dir) {
  const port = await freePort();
  let child;
  if (name === 'mosquitto') {
    writeFileSync(join(dir, 'mosquitto.conf'), confText(dir, port));
    child = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
  } else {
    if (name === 'ours') writeFileSync(join(dir, 'bench.conf'), confText(dir, port));
    const mode = name === 'aedes2' ? 'aedes' : name;
    child = spawn(process.execPath, [join(ROOT, 'bench/broker-server.js'), mode, dir, String(port)], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        ...(CPU_PROF ? { BENCH_CPU_PROF: join(CPU_PROF, `pending-${name}.cpuprofile`) } : {}),
      },
    });
  }
  await waitForPort(port);
  // what the broker holds before any client: its code and libraries (the lowest of its starts)
  await sleep(300);
  idleRss[name] = Math.min(idleRss[name] ?? Infinity, memoryMb(child.pid, 'VmRSS'));
  return {
    name,
    port,
    pid: child.pid,
    /** Profile the body (a Node broker under --cpu-prof); otherwise just run it. */
    async profiled(phase, body) {
      await this.startProfile();
      const result = await body();
      await this.stopProfile(phase);
      return result;
    },
    /** Start V8's profiler in a Node broker under --cpu-prof (nothing otherwise). */
    async startProfile() {
      if (!CPU_PROF || name === 'mosquitto') return;
      child.kill('SIGUSR2');
      await sleep(300);
    },
    /** Stop it and keep the profile as DIR/<broker>-mqtt<4|5>-<phase>-<n>.cpuprofile. */
    async stopProfile(phase) {
      if (!CPU_PROF || name === 'mosquitto') return;
      child.kill('SIGUSR2');
      const pending = join(CPU_PROF, `pending-${name}.cpuprofile`);
      for (let i = 0; i < 100 && !existsSync(pending); i++) await sleep(100);
      renameSync(
        pending,
        join(CPU_PROF, `${name}-mqtt${protocolVersion}-${phase}-${++profileSeq}.cpuprofile`),
      );
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

function memoryMb(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

// ---------------------------------------------------------------------------------------------
// clients

let tls;
let clientSeq = 0;

function connect(port, clientId = `bench-${++clientSeq}`) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtts://localhost:${port}`, {
      ...tls,
      clientId,
      protocolVersion,
      reconnectPeriod: 0,
      connectTimeout: 15_000,
    });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A full mTLS handshake plus MQTT CONNECT/CONNACK on a raw socket; `keep` leaves it open. */

async function concurrentRun(broker) {
  const t0 = performance.now();
  const sockets = await pool(CLIENTS, 50, (i) =>
    rawSession(broker.port, `held-${i}`, { tls, protocolVersion, keep: true }),
  );
  const wall = performance.now() - t0;
  await sleep(1000);
  const held = sockets.filter((s) => s && !s.destroyed).length;
  const rss = memoryMb(broker.pid, 'VmRSS');
  for (const s of sockets) s?.destroy();
  await sleep(500);
  return { held, errors: CLIENTS - sockets.filter(Boolean).length, seconds: wall / 1000, rss };
}

// ---------------------------------------------------------------------------------------------

/** All brokers at once, the message scenarios interleaved round by round (bench/broker-messages.js). */
async function messagePhase(names, dir, into, peaks) {
  const brokers = [];
  try {
    for (const name of names) brokers.push(await startBroker(name, dir));
    process.stderr.write(`messages (${names.join(', ')}): `);
    await messageRounds(
      {
        brokers,
        connect,
        messages: MESSAGES,
        rounds: ROUNDS,
        scenarios: SCENARIO_KEYS,
        together: TOGETHER,
        log: (text) => process.stderr.write(text),
        profiled: async (key, body) => {
          for (const broker of brokers) await broker.startProfile();
          const result = await body();
          for (const broker of brokers) await broker.stopProfile(`messages-${key}`);
          return result;
        },
      },
      into,
    );
    for (const broker of brokers)
      peaks[broker.name] = Math.max(peaks[broker.name] ?? 0, memoryMb(broker.pid, 'VmHWM'));
    process.stderr.write(' done\n');
  } finally {
    await Promise.all(brokers.map((broker) => broker.stop()));
  }
}

/**
 * Handshakes: all brokers at once, --rounds rounds; each round runs --handshakes / --rounds handshakes on
 * every broker in turn (the order rotating), so the brokers are compared within seconds of each other on
 * this shared machine. CPU: the schedstat of all the broker's threads (ns), per handshake and round.
 */
async function handshakePhase(names, dir, into, peaks) {
  const brokers = [];
  try {
    for (const name of names) brokers.push(await startBroker(name, dir));
    process.stderr.write(`handshakes (${names.join(', ')}): `);
    let seq = 0;
    // warm-up (not reported): the connection path's first runs are JIT-compiled
    for (const broker of brokers)
      await pool(Math.min(HANDSHAKES, 50), 10, () =>
        rawSession(broker.port, `warm-${seq++}`, { tls, protocolVersion }),
      );
    const perRound = Math.max(1, Math.round(HANDSHAKES / ROUNDS));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < brokers.length; i++) {
        const broker = brokers[(i + round) % brokers.length];
        if (round === 0) await broker.startProfile();
        const cpu0 = processCpuMs(broker.pid);
        const t0 = performance.now();
        const results = await pool(perRound, 10, () =>
          rawSession(broker.port, `hs-${seq++}`, { tls, protocolVersion }),
        );
        const wall = performance.now() - t0;
        const cpu = processCpuMs(broker.pid) - cpu0;
        const ok = results.filter(Boolean).length;
        (into[broker.name] ??= []).push({
          cpuPerHandshake: cpu / Math.max(ok, 1),
          perSecond: (ok / wall) * 1000,
          failed: perRound - ok,
        });
      }
      process.stderr.write('.');
    }
    for (const broker of brokers) {
      await broker.stopProfile('handshakes');
      peaks[broker.name] = Math.max(peaks[broker.name] ?? 0, memoryMb(broker.pid, 'VmHWM'));
    }
    process.stderr.write(' done\n');
  } finally {
    await Promise.all(brokers.map((broker) => broker.stop()));
  }
}

/** Latency: all brokers at once, the round trips interleaved round by round (bench/broker-latency.js). */
async function latencyPhase(names, dir, into, peaks) {
  const brokers = [];
  try {
    for (const name of names) brokers.push(await startBroker(name, dir));
    process.stderr.write(`latency (${names.join(', ')}): `);
    const result = await latencyRounds({
      brokers,
      connect,
      total: LATENCY,
      rounds: ROUNDS,
      log: (text) => process.stderr.write(text),
    });
    for (const [name, figures] of Object.entries(result)) {
      const slot = (into[name] ??= { samples: [], roundP50: [], roundP99: [] });
      slot.samples.push(...figures.samples);
      slot.roundP50.push(...figures.roundP50);
      slot.roundP99.push(...figures.roundP99);
    }
    for (const broker of brokers)
      peaks[broker.name] = Math.max(peaks[broker.name] ?? 0, memoryMb(broker.pid, 'VmHWM'));
    process.stderr.write(' done\n');
  } finally {
    await Promise.all(brokers.map((broker) => broker.stop()));
  }
}

async function measure(name, dir) {
  const broker = await startBroker(name, dir);
  const out = { name };
  try {
    if (RUNS.includes('clients')) {
      process.stderr.write(` ${CLIENTS} clients…`);
      out.concurrent = await concurrentRun(broker);
    }
    out.peakMb = memoryMb(broker.pid, 'VmHWM');
    process.stderr.write(' done\n');
  } finally {
    await broker.stop();
  }
  return out;
}

/** The median of every numeric figure over repeated runs of one broker. */
function medianOf(runs) {
  const merge = (items) => {
    const first = items[0];
    if (typeof first === 'number') return medianOfList(items);
    if (!first || typeof first !== 'object') return first;
    return Object.fromEntries(Object.keys(first).map((k) => [k, merge(items.map((i) => i?.[k]))]));
  };
  return merge(runs);
}

function table(results, messageRoundsByBroker = {}, handshakeRoundsByBroker = {}, latency = {}) {
  const by = Object.fromEntries(results.map((r) => [r.name, r]));
  const cols = BROKERS.filter((n) => by[n]);
  // the ratio columns: [numerator, denominator]; with the control, a second bare aedes against the first
  const pairs = [['ours', 'aedes'], ['ours', 'mosquitto'], ...(by.aedes2 ? [['aedes2', 'aedes']] : [])];
  const rows = [];
  const fmt = (v, digits = 1) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
  const add = (label, pick, digits, lowerIsBetter = true) => {
    const get = (r) => {
      try {
        return pick(r);
      } catch {
        return undefined;
      }
    };
    const values = cols.map((c) => get(by[c]));
    if (values.every((v) => v === undefined)) return;
    const ratio = ([one, other]) => {
      if (!by[one] || !by[other]) return '—';
      const [a, b] = [get(by[one]), get(by[other])];
      if (!b) return a ? '—' : 'same';
      return `${(a / b).toFixed(2)}×${lowerIsBetter ? '' : ' (higher is better)'}`;
    };
    rows.push([label, ...values.map((v) => fmt(v, digits)), ...pairs.map(ratio)]);
  };
  for (const [key, [label]] of Object.entries(SCENARIOS)) {
    if (cols.every((c) => !by[c]?.[key])) continue;
    // median round (lowest–highest round); ratios: the median of the round-by-round ratios
    const cell = (c) => {
      const m = by[c]?.[key];
      return m ? `${fmt(m.cpuPer100k, 0)} (${fmt(m.cpuLow, 0)}–${fmt(m.cpuHigh, 0)})` : '—';
    };
    const ratio = ([one, other]) => formatRatio(roundRatios(messageRoundsByBroker, one, other, key));
    rows.push([`${label}: broker CPU ms / 100k msgs`, ...cols.map(cell), ...pairs.map(ratio)]);
    add(`${label}: msgs/s delivered`, (r) => r[key].perSecond, 0, false);
  }
  if (cols.some((c) => handshakeRoundsByBroker[c]?.length)) {
    // median round (lowest–highest round); ratios: the median of the round-by-round ratios (their spread)
    const list = (c) => handshakeRoundsByBroker[c] ?? [];
    const cpu = (c) => list(c).map((r) => r.cpuPerHandshake);
    const cell = (c) =>
      list(c).length
        ? `${fmt(medianOfList(cpu(c)), 2)} (${fmt(Math.min(...cpu(c)), 2)}–${fmt(Math.max(...cpu(c)), 2)})`
        : '—';
    const ratio = ([one, other]) => formatRatio(ratioSummary(cpu(one), cpu(other)));
    const perSecond = (c) => (list(c).length ? fmt(medianOfList(list(c).map((r) => r.perSecond)), 0) : '—');
    rows.push([
      'handshakes/s (mTLS + CONNECT, 10 parallel)',
      ...cols.map(perSecond),
      '(higher is better)',
      ...pairs.slice(1).map(() => ''),
    ]);
    rows.push(['broker CPU ms / handshake', ...cols.map(cell), ...pairs.map(ratio)]);
  }
  if (cols.some((c) => latency[c])) {
    // p50/p99 of all round trips; ratios: the median of the round-by-round ratios (95 % interval, spread)
    const figures = (c) => latencyFigures(latency[c]);
    const count = figures(cols.find((c) => latency[c]))?.count ?? 0;
    rows.push([
      `latency p50 ms (QoS 0, ${count} round trips)`,
      ...cols.map((c) => fmt(figures(c)?.p50, 3)),
      ...pairs.map(([one, other]) => formatRatio(latencyRatio(latency, one, other, 'roundP50'))),
    ]);
    rows.push([
      'latency p99 ms',
      ...cols.map((c) => fmt(figures(c)?.p99, 3)),
      ...pairs.map(([one, other]) => formatRatio(latencyRatio(latency, one, other, 'roundP99'))),
    ]);
  }
  add(`concurrent mTLS clients held (of ${CLIENTS})`, (r) => r.concurrent.held, 0, false);
  add('  connection errors', (r) => r.concurrent.errors, 0);
  add('  seconds to connect them all (50 parallel)', (r) => r.concurrent.seconds, 1);
  add('  broker RSS MB with all connected', (r) => r.concurrent.rss, 0);
  add('broker RSS MB idle after start', (r) => r.idleRss, 0);
  add('broker peak memory MB (VmHWM)', (r) => r.peakMb, 0);
  const header = ['metric', ...cols, ...pairs.map(([one, other]) => `${one} / ${other}`)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const [name, list] of Object.entries(handshakeRoundsByBroker)) {
    const failed = list.reduce((sum, r) => sum + r.failed, 0);
    if (failed) console.log(`note: ${name}: ${failed} handshakes failed`);
  }
  for (const r of results) {
    for (const key of Object.keys(SCENARIOS)) {
      if (r[key] && r[key].delivered !== r[key].expected) {
        console.log(`note: ${r.name} ${key} delivered ${r[key].delivered} of ${r[key].expected}`);
      }
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'mts-bench-'));
chmodSync(dir, 0o755);
try {
  makeCertificates(dir);
  tls = {
    ca: readFileSync(join(dir, 'ca.crt')),
    cert: readFileSync(join(dir, 'client.crt')),
    key: readFileSync(join(dir, 'client.key')),
  };
  console.log(
    `broker-compare: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )} on ${cpus().length} CPUs; median of ${REPEAT} run(s) per broker; ${MESSAGES} messages per run, ${HANDSHAKES} handshakes, ${CLIENTS} concurrent clients, mTLS (EC P-256, TLS 1.3), node ${process.version}`,
  );
  for (const version of VERSIONS) {
    protocolVersion = version;
    console.log(`\nMQTT ${version === 5 ? '5' : '3.1.1'} clients`);
    const names = BROKERS.filter((n) => ONLY.includes(n));
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    const rounds = {};
    const peaks = {};
    for (let repeat = 0; repeat < REPEAT && RUNS.includes('messages'); repeat++)
      await messagePhase(names, dir, rounds, peaks);
    const handshakeRounds = {};
    for (let repeat = 0; repeat < REPEAT && RUNS.includes('handshakes'); repeat++)
      await handshakePhase(names, dir, handshakeRounds, peaks);
    const latency = {};
    for (let repeat = 0; repeat < REPEAT && RUNS.includes('latency'); repeat++)
      await latencyPhase(names, dir, latency, peaks);
    // interleaved (ours, aedes, mosquitto, ours, …) so a change in the machine's load hits all alike
    if (RUNS.includes('clients')) {
      for (let round = 0; round < REPEAT; round++) {
        for (const name of names) runs[name].push(await measure(name, dir));
      }
    }
    table(
      names.map((name) => {
        const merged = {
          ...(runs[name].length ? medianOf(runs[name]) : {}),
          ...summarizeRounds(rounds[name] ?? {}),
        };
        merged.peakMb = Math.max(merged.peakMb ?? 0, peaks[name] ?? 0) || undefined;
        merged.idleRss = idleRss[name];
        return { ...merged, name };
      }),
      rounds,
      handshakeRounds,
      latency,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
