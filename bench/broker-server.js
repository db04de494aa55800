// A broker in its own process, so bench/broker-compare.js can measure its CPU and memory from /proc.
// Usage: node bench/broker-server.js ours|aedes DIR PORT
//   ours  — our broker (out/node/core/broker) from DIR/bench.conf (mTLS, CN as username, ACL)
//   aedes — a bare aedes (the version we ship, with its patches) on tls.createServer, same certificates, no hooks,
//           the same limit options as ours (Mosquitto's defaults)
// Prints "ready" on stdout when listening; exits on SIGTERM.
// With BENCH_CPU_PROF=FILE in the environment, SIGUSR2 starts V8's CPU profiler and the next SIGUSR2
// writes the profile to FILE (so a profile covers exactly one measured phase, not the start-up).
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createServer } from 'node:tls';
import { join } from 'node:path';

const [mode, dir, portText] = process.argv.slice(2);
const port = Number(portText);

// Over an IPC channel (spawned with 'ipc' in stdio), 'heap' answers the memory use after a full GC
// (start node with --expose-gc).
process.on('message', (message) => {
  if (message !== 'heap') return;
  globalThis.gc?.();
  globalThis.gc?.();
  process.send?.({ heap: process.memoryUsage() });
});

if (process.env.BENCH_CPU_PROF) {
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  let profiling = false;
  process.on('SIGUSR2', async () => {
    if (!profiling) {
      profiling = true;
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      return;
    }
    profiling = false;
    const { profile } = await post('Profiler.stop');
    writeFileSync(process.env.BENCH_CPU_PROF, JSON.stringify(profile));
    process.stderr.write(`cpu profile written to ${process.env.BENCH_CPU_PROF}\n`);
  });
}

if (mode === 'ours') {
  const { parseMosquittoConf } = await import('../out/node/core/conf/index.js');
  // start-broker.js, not the broker's index.js: the index also exports the settings editor and the listener
  // commands, which load the workshop's PKI modules (the @peculiar ASN.1 stack) that a running broker loads
  // only when its conf needs them (a crlfile).
  const { startBroker } = await import('../out/node/core/broker/start-broker.js');
  const text = readFileSync(join(dir, 'bench.conf'), 'utf8').replace(/^listener \d+/m, `listener ${port}`);
  let events = 0;
  const broker = await startBroker(parseMosquittoConf(text, join(dir, 'bench.conf')), {
    baseDir: dir,
    onEvent: () => events++,
    watchFiles: true,
  });
  process.on('SIGTERM', () => broker.stop().then(() => process.exit(0)));
} else if (mode === 'aedes') {
  const { Aedes } = await import('aedes');
  // The limit options our broker derives from a conf without limit lines (core/broker/aedes-limits.ts):
  // Mosquitto's default limits, which change what goes on the wire (20 in flight per client, 3.1.1 too;
  // 1000 queued). Hooks: none.
  const { effectiveLimits } = await import('../out/node/core/conf/limits.js');
  const { aedesLimitOptions } = await import('../out/node/core/broker/aedes-limits.js');
  const aedes = await Aedes.createBroker({
    drainTimeout: 10_000,
    connectTimeout: 10_000,
    ...aedesLimitOptions(effectiveLimits({})),
  });
  const server = createServer(
    {
      key: readFileSync(join(dir, 'server.key')),
      cert: readFileSync(join(dir, 'server.chain.crt')),
      ca: readFileSync(join(dir, 'ca.crt')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    aedes.handle,
  );
  server.on('tlsClientError', () => undefined);
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  process.on('SIGTERM', () => server.close(() => aedes.close(() => process.exit(0))));
} else {
  console.error('usage: node bench/broker-server.js ours|aedes DIR PORT');
  process.exit(2);
}
console.log('ready');
