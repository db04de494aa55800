#!/usr/bin/env node
// Our broker against Debian's Mosquitto and a bare aedes, same certificates, mutual TLS 1.3 on 127.0.0.1.
//
//   npm run build:node && node bench/broker-compare.js [--messages 100000] [--handshakes 500]
//        [--clients 5000] [--latency 2000] [--only ours,aedes,mosquitto] [--mqtt 3.1.1,5]
//        [--runs messages,latency,handshakes,clients] [--repeat 1] [--cpu-prof DIR]
//
// --repeat N runs every broker N times (interleaved) and prints the median of each figure.
// --cpu-prof DIR profiles the Node brokers (V8's sampling profiler, 200 µs) during the measured
// handshake phase only, one DIR/<broker>-mqtt<4|5>-handshakes-<n>.cpuprofile each (and the message phase when
// --runs has messages: ...-messages-<n>); summarize with `node bench/cpu-profile-top.js FILE [--against OTHER]`.
//
// Each broker runs in its own process; its CPU time (utime+stime) and peak memory (VmHWM) come from
// /proc/<pid>. The load generator (mqtt.js and raw TLS clients) runs in this process and is not counted.
// Our broker and Mosquitto run the same mosquitto.conf (mTLS, certificate CN as username, an ACL);
// bare aedes runs with the same certificates and no hooks (no authentication, no ACL, no log).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './free-port.js';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const MESSAGES = Number(option('messages', 100_000));
const HANDSHAKES = Number(option('handshakes', 500));
const CLIENTS = Number(option('clients', 5000));
const LATENCY = Number(option('latency', 2000));
const ONLY = option('only', 'ours,aedes,mosquitto').split(',');
/** MQTT versions the clients speak: one table each (default both). */
const VERSIONS = option('mqtt', '3.1.1,5')
  .split(',')
  .map((v) => (v === '5' ? 5 : 4));
const RUNS = option('runs', 'messages,latency,handshakes,clients').split(',');
const REPEAT = Number(option('repeat', 1));
const CPU_PROF = option('cpu-prof', undefined);
let protocolVersion = 4;
let profileSeq = 0;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

// ---------------------------------------------------------------------------------------------
// certificates (openssl CLI), conf and ACL

function makeCertificates(dir) {
  const run = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(
    join(dir, 'ext.cnf'),
    [
      '[req]',
      'distinguished_name=dn',
      '[dn]',
      '[ca]',
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
      '[server]',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '[client]',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=clientAuth',
      '',
    ].join('\n'),
  );
  const key = (name) =>
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  key('root');
  run(
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-subj',
    '/CN=Bench Root',
    '-days',
    '30',
    '-config',
    'ext.cnf',
    '-extensions',
    'ca',
    '-out',
    'root.crt',
  );
  const issue = (name, subject, issuer, ext, serial) => {
    key(name);
    run('req', '-new', '-key', `${name}.key`, '-subj', subject, '-config', 'ext.cnf', '-out', `${name}.csr`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.crt`,
      '-CAkey',
      `${issuer}.key`,
      '-set_serial',
      serial,
      '-days',
      '30',
      '-extfile',
      'ext.cnf',
      '-extensions',
      ext,
      '-out',
      `${name}.crt`,
    );
  };
  issue('inter', '/CN=Bench Intermediate', 'root', 'ca', '2');
  issue('server', '/CN=localhost', 'inter', 'server', '3');
  issue('client', '/CN=bench', 'inter', 'client', '4');
  const text = (f) => readFileSync(join(dir, f), 'utf8');
  writeFileSync(join(dir, 'ca.crt'), text('inter.crt') + text('root.crt'));
  writeFileSync(join(dir, 'server.chain.crt'), text('server.crt') + text('inter.crt'));
  for (const f of ['root.key', 'inter.key', 'server.key', 'client.key']) chmodSync(join(dir, f), 0o644);
  writeFileSync(join(dir, 'acl'), 'user bench\ntopic readwrite bench/#\npattern read clients/%c/#\n');
}

function confText(dir, port) {
  return [
    `acl_file ${dir}/acl`,
    `listener ${port} 127.0.0.1`,
    `cafile ${dir}/ca.crt`,
    `certfile ${dir}/server.chain.crt`,
    `keyfile ${dir}/server.key`,
    'require_certificate true',
    'use_identity_as_username true',
    '',
  ].join('\n');
}

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
    child = spawn(process.execPath, [join(ROOT, 'bench/broker-server.js'), name, dir, String(port)], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...(CPU_PROF ? { BENCH_CPU_PROF: join(CPU_PROF, 'pending.cpuprofile') } : {}) },
    });
  }
  await waitForPort(port);
  return {
    name,
    port,
    pid: child.pid,
    /** Profile the body (a Node broker under --cpu-prof); otherwise just run it. */
    async profiled(phase, body) {
      if (!CPU_PROF || name === 'mosquitto') return body();
      child.kill('SIGUSR2');
      await sleep(300);
      const result = await body();
      child.kill('SIGUSR2');
      const pending = join(CPU_PROF, 'pending.cpuprofile');
      for (let i = 0; i < 100 && !existsSync(pending); i++) await sleep(100);
      renameSync(
        pending,
        join(CPU_PROF, `${name}-mqtt${protocolVersion}-${phase}-${++profileSeq}.cpuprofile`),
      );
      return result;
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

/** CPU time of a process so far, in milliseconds. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
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

/** Publish `count` messages keeping at most `window` unacknowledged (QoS 1) or unflushed (QoS 0). */
function publishMany(client, topic, count, qos, window) {
  return new Promise((resolve) => {
    let sent = 0;
    let done = 0;
    const payload = Buffer.alloc(64, 'x');
    const pump = () => {
      while (sent < count && sent - done < window) {
        sent++;
        client.publish(topic, payload, { qos }, () => {
          done++;
          if (done === count) resolve();
          else pump();
        });
      }
    };
    pump();
  });
}

/** Messages: publishers → broker → subscribers; returns broker CPU per 100k delivered messages. */
async function messageRun(broker, { qos, publishers, subscribers, messages = MESSAGES }) {
  const prefix = `bench/${qos}-${publishers}-${subscribers}-${++clientSeq}`;
  const subs = await Promise.all(Array.from({ length: subscribers }, () => connect(broker.port)));
  const pubs = await Promise.all(Array.from({ length: publishers }, () => connect(broker.port)));
  let received = 0;
  for (const sub of subs) {
    sub.on('message', () => received++);
    await new Promise((resolve, reject) =>
      sub.subscribe(`${prefix}/#`, { qos }, (e) => (e ? reject(e) : resolve())),
    );
  }
  const perPublisher = Math.floor(messages / subscribers / publishers);
  const expected = perPublisher * publishers * subscribers;
  const cpu0 = cpuMs(broker.pid);
  const t0 = performance.now();
  await Promise.all(
    pubs.map((pub, i) => publishMany(pub, `${prefix}/${i}`, perPublisher, qos, qos ? 10 : 1000)),
  );
  let last = -1;
  let stalled = performance.now();
  while (received < expected) {
    await sleep(20);
    if (received !== last) {
      last = received;
      stalled = performance.now();
    } else if (performance.now() - stalled > 5000) break;
  }
  const wall = performance.now() - t0;
  const cpu = cpuMs(broker.pid) - cpu0;
  for (const c of [...subs, ...pubs]) c.end(true);
  return {
    cpuPer100k: (cpu * 100_000) / Math.max(received, 1),
    perSecond: (received / wall) * 1000,
    delivered: received,
    expected,
  };
}

async function latencyRun(broker) {
  const sub = await connect(broker.port);
  const pub = await connect(broker.port);
  const topic = `bench/latency/${++clientSeq}`;
  await new Promise((resolve, reject) =>
    sub.subscribe(topic, { qos: 0 }, (e) => (e ? reject(e) : resolve())),
  );
  const samples = [];
  for (let i = 0; i < LATENCY; i++) {
    const arrived = new Promise((resolve) => sub.once('message', resolve));
    const t0 = process.hrtime.bigint();
    pub.publish(topic, 'ping', { qos: 0 });
    await arrived;
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  sub.end(true);
  pub.end(true);
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)] };
}

/** A full mTLS handshake plus MQTT CONNECT/CONNACK on a raw socket; `keep` leaves it open. */
function rawSession(port, clientId, keep) {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, 4]),
    Buffer.from('MQTT'),
    Buffer.from([protocolVersion, 0x02, 0, 0]), // level 4 or 5, clean session, keep-alive 0
    protocolVersion === 5 ? Buffer.from([0]) : Buffer.alloc(0), // MQTT 5: no properties
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
  ]);
  const packet = Buffer.concat([Buffer.from([0x10, body.length]), body]);
  return new Promise((resolve) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ...tls });
    const timer = setTimeout(() => finish(false), 30_000);
    let settled = false;
    function finish(ok) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!ok || !keep) socket.destroy();
      resolve(ok ? socket : null);
    }
    socket.once('secureConnect', () => socket.write(packet));
    socket.once('data', (data) => finish(data[0] === 0x20 && data[3] === 0));
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

async function pool(total, concurrency, task) {
  let next = 0;
  const results = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function handshakeRun(broker) {
  const cpu0 = cpuMs(broker.pid);
  const t0 = performance.now();
  const results = await pool(HANDSHAKES, 10, (i) => rawSession(broker.port, `hs-${i}`, false));
  const wall = performance.now() - t0;
  const cpu = cpuMs(broker.pid) - cpu0;
  const ok = results.filter(Boolean).length;
  return { perSecond: (ok / wall) * 1000, cpuPerHandshake: cpu / Math.max(ok, 1), ok };
}

async function concurrentRun(broker) {
  const t0 = performance.now();
  const sockets = await pool(CLIENTS, 50, (i) => rawSession(broker.port, `held-${i}`, true));
  const wall = performance.now() - t0;
  await sleep(1000);
  const held = sockets.filter((s) => s && !s.destroyed).length;
  const rss = memoryMb(broker.pid, 'VmRSS');
  for (const s of sockets) s?.destroy();
  await sleep(500);
  return { held, errors: CLIENTS - sockets.filter(Boolean).length, seconds: wall / 1000, rss };
}

// ---------------------------------------------------------------------------------------------

async function measure(name, dir) {
  const broker = await startBroker(name, dir);
  const out = { name };
  try {
    if (RUNS.includes('messages')) {
      process.stderr.write(`${name}: warm-up…`);
      // JIT warm-up (not reported): the first run of a Node broker is markedly slower than the next ones
      await messageRun(broker, {
        qos: 0,
        publishers: 2,
        subscribers: 2,
        messages: Math.min(MESSAGES, 50_000),
      });
      await messageRun(broker, {
        qos: 1,
        publishers: 2,
        subscribers: 2,
        messages: Math.min(MESSAGES, 20_000),
      });
      process.stderr.write(' messages…');
      await broker.profiled('messages', async () => {
        out.fanInQos0 = await messageRun(broker, { qos: 0, publishers: 10, subscribers: 1 });
        out.fanInQos1 = await messageRun(broker, { qos: 1, publishers: 10, subscribers: 1 });
        out.fanOutQos0 = await messageRun(broker, { qos: 0, publishers: 1, subscribers: 10 });
        out.fanOutQos1 = await messageRun(broker, { qos: 1, publishers: 1, subscribers: 10 });
      });
    }
    if (RUNS.includes('latency')) {
      process.stderr.write(`${name}: latency…`);
      out.latency = await latencyRun(broker);
    }
    if (RUNS.includes('handshakes')) {
      process.stderr.write(`${name}: handshakes…`);
      // warm-up (not reported): the connection path's first runs are JIT-compiled
      await pool(Math.min(HANDSHAKES, 50), 10, (i) => rawSession(broker.port, `warm-${i}`, false));
      out.handshakes = await broker.profiled('handshakes', () => handshakeRun(broker));
    }
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
  const median = (values) => {
    const sorted = values.filter((v) => typeof v === 'number' && !Number.isNaN(v)).sort((a, b) => a - b);
    if (!sorted.length) return undefined;
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const merge = (items) => {
    const first = items[0];
    if (typeof first === 'number') return median(items);
    if (!first || typeof first !== 'object') return first;
    return Object.fromEntries(Object.keys(first).map((k) => [k, merge(items.map((i) => i?.[k]))]));
  };
  return merge(runs);
}

function table(results) {
  const by = Object.fromEntries(results.map((r) => [r.name, r]));
  const cols = ['ours', 'aedes', 'mosquitto'].filter((n) => by[n]);
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
    const ratio = (other) => {
      if (!by.ours || !by[other]) return '—';
      const [a, b] = [get(by.ours), get(by[other])];
      if (!b) return a ? '—' : 'same';
      return `${(a / b).toFixed(2)}×${lowerIsBetter ? '' : ' (higher is better)'}`;
    };
    rows.push([label, ...values.map((v) => fmt(v, digits)), ratio('aedes'), ratio('mosquitto')]);
  };
  for (const [key, label] of [
    ['fanInQos0', 'fan-in QoS 0 (10 pub → 1 sub)'],
    ['fanInQos1', 'fan-in QoS 1 (10 pub → 1 sub)'],
    ['fanOutQos0', 'fan-out QoS 0 (1 pub → 10 sub)'],
    ['fanOutQos1', 'fan-out QoS 1 (1 pub → 10 sub)'],
  ]) {
    add(`${label}: broker CPU ms / 100k msgs`, (r) => r[key].cpuPer100k, 0);
    add(`${label}: msgs/s delivered`, (r) => r[key].perSecond, 0, false);
  }
  add('handshakes/s (mTLS + CONNECT, 10 parallel)', (r) => r.handshakes.perSecond, 0, false);
  add('broker CPU ms / handshake', (r) => r.handshakes.cpuPerHandshake, 2);
  add(`latency p50 ms (QoS 0, ${LATENCY} round trips)`, (r) => r.latency.p50, 3);
  add('latency p99 ms', (r) => r.latency.p99, 3);
  add(`concurrent mTLS clients held (of ${CLIENTS})`, (r) => r.concurrent.held, 0, false);
  add('  connection errors', (r) => r.concurrent.errors, 0);
  add('  seconds to connect them all (50 parallel)', (r) => r.concurrent.seconds, 1);
  add('  broker RSS MB with all connected', (r) => r.concurrent.rss, 0);
  add('broker peak memory MB (VmHWM)', (r) => r.peakMb, 0);
  const header = ['metric', ...cols, 'ours / aedes', 'ours / mosquitto'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const r of results) {
    for (const key of ['fanInQos0', 'fanInQos1', 'fanOutQos0', 'fanOutQos1']) {
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
    const names = ['ours', 'aedes', 'mosquitto'].filter((n) => ONLY.includes(n));
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    // interleaved (ours, aedes, mosquitto, ours, …) so a change in the machine's load hits all alike
    for (let round = 0; round < REPEAT; round++) {
      for (const name of names) runs[name].push(await measure(name, dir));
    }
    table(names.map((name) => ({ ...medianOf(runs[name]), name })));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
