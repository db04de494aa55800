// A broker in its own process, so bench/broker-compare.js can measure its CPU and memory from /proc.
// Usage: node bench/broker-server.js ours|aedes DIR PORT
//   ours  — our broker (out/node/core/broker) from DIR/bench.conf (mTLS, CN as username, ACL)
//   aedes — a bare aedes (the version we ship, with its patches) on tls.createServer, same certificates, no hooks
// Prints "ready" on stdout when listening; exits on SIGTERM.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { join } from 'node:path';

const [mode, dir, portText] = process.argv.slice(2);
const port = Number(portText);

if (mode === 'ours') {
  const { parseMosquittoConf } = await import('../out/node/core/conf/index.js');
  const { startBroker } = await import('../out/node/core/broker/index.js');
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
  const aedes = await Aedes.createBroker({ drainTimeout: 10_000, connectTimeout: 10_000 });
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
