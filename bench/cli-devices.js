// The device commands, measured (issue #17):
// 1. start-up: `--version`, `--help` and a `pub` round trip (QoS 1, mTLS, as device-1) to a local
//    broker, median of RUNS, against `node -e 0` and `mosquitto_pub` doing the same publish
//    (targets: --version ≤ 0.1 s, pub ≤ 0.3 s);
// 2. a fleet: `bench --clients 5000 --connect-rate 500 --publish-rate 1000 --duration 30` against our
//    broker and Debian's Mosquitto running the same quick-start conf, with each broker's CPU time and
//    peak memory (VmHWM) at 5,000 mTLS clients.
// Env: RUNS (10), CLIENTS (5000), CONNECT_RATE (500), PUBLISH_RATE (1000), DURATION (30).
// `--only startup` or `--only fleet` runs one part. Start-up prints the median wall time and the mean CPU
// time (user + system of the child, from this process's cutime/cstime): on a busy machine the wall time
// follows the load, the CPU time much less.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  cpSync,
  openSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin/mqtt-tls-studio.js');
const RUNS = Number(process.env.RUNS ?? 10);
const CLIENTS = Number(process.env.CLIENTS ?? 5000);
const CONNECT_RATE = Number(process.env.CONNECT_RATE ?? 500);
const PUBLISH_RATE = Number(process.env.PUBLISH_RATE ?? 1000);
const DURATION = Number(process.env.DURATION ?? 30);
const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(
    'usage: node bench/cli-devices.js [--only startup|fleet]   (env: RUNS CLIENTS CONNECT_RATE PUBLISH_RATE DURATION)',
  );
  process.exit(0);
}
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (only !== undefined && only !== 'startup' && only !== 'fleet') {
  console.error('--only takes startup or fleet');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'mts-bench-cli-'));
chmodSync(dir, 0o755);
const ws = join(dir, 'ws');
const cli = (...args) => spawnSync(process.execPath, [CLI, ...args, '--workspace', ws], { encoding: 'utf8' });

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
/** CPU seconds of this process's waited-for children (user + system; clock ticks of 1/100 s). */
function childrenCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
/** Median wall seconds and mean CPU seconds of RUNS runs. */
function timeRuns(command, args, env = process.env) {
  const times = [];
  const cpuBefore = childrenCpuSeconds();
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const r = spawnSync(command, args, { encoding: 'utf8', env });
    times.push((performance.now() - started) / 1000);
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  }
  return { wall: median(times), cpu: (childrenCpuSeconds() - cpuBefore) / RUNS };
}
function peakKb(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  } catch {
    return NaN;
  }
}
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
// A broker's output goes to a file, never to a pipe: the fleet runs under spawnSync, which blocks this
// process's event loop, and a broker logging every connection into an undrained pipe stops when it fills.
function startLogged(command, args, logFile, options = {}) {
  const fd = openSync(logFile, 'w');
  const child = spawn(command, args, { ...options, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}
async function waitForLog(child, logFile, pattern) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(readFileSync(logFile, 'utf8'));
    if (pattern.test(readFileSync(logFile, 'utf8'))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${pattern} in ${logFile} after 30 s`);
}

const port = 20000 + (process.pid % 20000);
const mosqPort = port + 1;
if (cli('quickstart', '--port', String(port)).status !== 0) throw new Error('quickstart failed');
cli('cert', 'export', 'device-1', '--out', join(dir, 'files'));

// our broker, started as a user would
const oursLog = join(dir, 'ours.log');
const ours = startLogged(process.execPath, [CLI, 'broker', '--workspace', ws], oursLog);
await waitForLog(ours, oursLog, /listening mqtts:/);
// Mosquitto on a copy of the same broker folder (it drops root: files readable by its user)
const mdir = join(dir, 'mosquitto');
cpSync(join(ws, 'broker'), mdir, { recursive: true });
chmodSync(mdir, 0o755);
for (const f of readdirSync(mdir)) if (statSync(join(mdir, f)).isFile()) chmodSync(join(mdir, f), 0o644);
const conf = readFileSync(join(mdir, 'mosquitto.conf'), 'utf8').replace(
  `listener ${port}`,
  `listener ${mosqPort}`,
);
writeFileSync(join(mdir, 'mosquitto.conf'), conf + '\nmax_queued_messages 100000\n');
const mosquittoLog = join(dir, 'mosquitto.log');
const mosquitto = startLogged('/usr/sbin/mosquitto', ['-c', join(mdir, 'mosquitto.conf')], mosquittoLog, {
  cwd: mdir,
});
await waitForLog(
  mosquitto,
  mosquittoLog,
  /Opening ipv[46] listen socket on port|mosquitto version .* running/,
);

try {
  const files = join(dir, 'files');
  // Node reads NODE_EXTRA_CA_CERTS (this sandbox sets it to the system bundle) at every start, before any
  // script: ~50 ms here. The table is printed with the variable as set, then without it, as most machines run.
  const SAME_PUBLISH = ['-t', 'devices/device-1/t', '-m', 'x', '-q', '1']; // for ours and mosquitto_pub
  const environments = [['', process.env]];
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const { NODE_EXTRA_CA_CERTS: _extra, ...rest } = process.env;
    environments[0][0] = ` with NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}`;
    environments.push([' without NODE_EXTRA_CA_CERTS', rest]);
  }
  for (const [label, env] of only === 'fleet' ? [] : environments) {
    const startup = [
      ['node -e 0', timeRuns(process.execPath, ['-e', '0'], env)],
      ['mqtt-tls-studio --version', timeRuns(process.execPath, [CLI, '--version'], env)],
      ['mqtt-tls-studio --help', timeRuns(process.execPath, [CLI, '--help'], env)],
      [
        'mqtt-tls-studio pub --as device-1 -q 1 (round trip)',
        timeRuns(process.execPath, [CLI, 'pub', '--workspace', ws, '--as', 'device-1', ...SAME_PUBLISH], env),
      ],
      [
        'mosquitto_pub (same publish, same broker)',
        timeRuns(
          'mosquitto_pub',
          [
            '-h',
            'localhost',
            '-p',
            String(port),
            '--cafile',
            join(files, 'ca.crt'),
            '--cert',
            join(files, 'device-1.crt'),
            '--key',
            join(files, 'device-1.key'),
            ...SAME_PUBLISH,
          ],
          env,
        ),
      ],
    ];
    console.log(
      `\nStart-up${label}, ${RUNS} runs (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})     median wall   mean CPU`,
    );
    for (const [what, s] of startup)
      console.log(
        `  ${what.padEnd(52)} ${s.wall.toFixed(3).padStart(9)} s ${s.cpu.toFixed(3).padStart(8)} s`,
      );
  }
  if (only !== 'startup') {
    const rows = [];
    for (const [name, pid, p] of [
      ['ours', ours.pid, port],
      ['mosquitto', mosquitto.pid, mosqPort],
    ]) {
      const cpuBefore = cpuSeconds(pid);
      const r = spawnSync(
        process.execPath,
        [
          CLI,
          'bench',
          '--workspace',
          ws,
          '-h',
          'localhost',
          '-p',
          String(p),
          '--ca',
          'intermediate-ca',
          '--clients',
          String(CLIENTS),
          '--connect-rate',
          String(CONNECT_RATE),
          '--publish-rate',
          String(PUBLISH_RATE),
          '--duration',
          String(DURATION),
          '--json',
        ],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      if (!r.stdout.trim().startsWith('{')) throw new Error(`bench against ${name}: ${r.stderr}`);
      const report = JSON.parse(r.stdout);
      rows.push({ name, report, cpu: cpuSeconds(pid) - cpuBefore, peakMb: peakKb(pid) / 1024 });
    }
    console.log(
      `\nFleet: ${CLIENTS} mTLS clients at ${CONNECT_RATE}/s, then ${PUBLISH_RATE} msg/s for ${DURATION} s (QoS 0)`,
    );
    const header = [
      'broker',
      'ok',
      'failed',
      'handshakes/s',
      'sent/s',
      'recv/s',
      'lost',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'broker CPU s',
      'broker peak MB',
    ];
    console.log('  ' + header.map((h) => h.padStart(15)).join(''));
    for (const { name, report: t, cpu, peakMb } of rows) {
      const cells = [
        name,
        t.connected,
        t.failed,
        t.handshakesPerSecond.toFixed(0),
        t.sentPerSecond.toFixed(0),
        t.receivedPerSecond.toFixed(0),
        t.lost,
        (t.latencyMs.p50 ?? NaN).toFixed(2),
        (t.latencyMs.p95 ?? NaN).toFixed(2),
        (t.latencyMs.p99 ?? NaN).toFixed(2),
        cpu.toFixed(1),
        peakMb.toFixed(0),
      ];
      console.log('  ' + cells.map((c) => String(c).padStart(15)).join(''));
      for (const f of t.failures) console.log(`    ${name}: ${f.count}× ${f.reason}`);
    }
  }
} finally {
  ours.kill('SIGTERM');
  mosquitto.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
