#!/usr/bin/env node
// Memory of our broker under malformed MQTT 5 traffic: N connections (default 5000), each a valid CONNECT
// followed by one malformed packet (unknown / duplicate / misplaced property, topic alias 0, bad
// subscription options, packet identifier 0, oversize remaining length, ...) or a malformed CONNECT.
// The broker runs in its own process (bench/broker-server.js, plain MQTT listener, allow_anonymous);
// after every 1000 connections it reports heap and RSS after a full GC. Exits 1 when the heap after the
// last batch is more than --bound MB (default 16) above the heap after the first batch, or the broker
// stopped serving.
//
//   npm run build:node && node bench/broker-malformed-memory.js [--connections 5000] [--bound 16]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { freePort } from './free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const CONNECTIONS = Number(option('connections', 5000));
const BOUND_MB = Number(option('bound', 16));
const PARALLEL = 20;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const varint = (n) => {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
};
const str = (s) => Buffer.concat([Buffer.from([0, Buffer.byteLength(s)]), Buffer.from(s)]);
const pkt = (first, ...parts) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([first]), varint(body.length), body]);
};
const props = (bytes) => Buffer.concat([varint(bytes.length), Buffer.from(bytes)]);
const connect = (id, p = []) => pkt(0x10, str('MQTT'), Buffer.from([5, 2, 0, 60]), props(p), str(id));
const publish = (p, qos = 0, id = 1) =>
  pkt(
    0x30 | (qos << 1),
    str('m/t'),
    qos ? Buffer.from([id >> 8, id & 0xff]) : Buffer.alloc(0),
    props(p),
    Buffer.from('x'),
  );
const subscribe = (id, p, options = 1) =>
  pkt(0x82, Buffer.from([id >> 8, id & 0xff]), props(p), str('m/#'), Buffer.from([options]));

/** [CONNECT properties or null for a malformed CONNECT, bytes after the CONNACK, whether the client hangs up] */
const CASES = [
  [[], publish([0x7f, 0, 1])], // unknown property
  [[], publish([0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2], 1)], // duplicate property
  [[], publish([0x11, 0, 0, 0, 10])], // not allowed in PUBLISH
  [[], publish([0x23, 0, 0])], // topic alias 0
  [[], publish([], 1, 0)], // packet identifier 0
  [[], subscribe(1, [], 0xc1)], // reserved subscription option bits
  [[], subscribe(1, [0x0b, 1, 0x0b, 2])], // duplicate subscription identifier
  [[], subscribe(1, [0x0b, 0])], // subscription identifier 0
  [[], pkt(0xa2, Buffer.from([0, 2]), props([0x0b, 1]), str('m/#'))], // property not allowed in UNSUBSCRIBE
  [[], Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])], // oversize remaining length
  // cut short: 40 kB of a 64 kB PUBLISH, then the client goes away (the broker must drop the partial packet)
  [[], pkt(0x30, str('m/t'), props([]), Buffer.alloc(64 * 1024, 1)).subarray(0, 40000), 'hang up'],
  [null, connect('bad', [0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2])], // duplicate property in CONNECT
  [null, connect('bad', [0x23, 0, 1])], // property not allowed in CONNECT
];

function session(port, i) {
  const [connectProps, bytes, hangUp] = CASES[i % CASES.length];
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    let settled = false;
    const done = (how) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(how);
    };
    const timer = setTimeout(() => done('timeout'), 5000);
    socket.on('connect', () => {
      if (connectProps === null) socket.write(bytes);
      else socket.write(connect(`mal-${i}`, connectProps));
    });
    socket.once('data', (chunk) => {
      if (connectProps !== null && chunk[0] === 0x20) socket.write(bytes);
      if (hangUp) setTimeout(() => done('closed'), 300);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => done('closed'));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'mts-malformed-mem-'));
const port = await freePort();
writeFileSync(join(dir, 'bench.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
const child = spawn(
  process.execPath,
  ['--expose-gc', join(ROOT, 'bench/broker-server.js'), 'ours', dir, String(port)],
  {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  },
);
await new Promise((resolve, reject) => {
  child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
  child.once('exit', () => reject(new Error('broker exited')));
});
const heap = () =>
  new Promise((resolve) => {
    child.once('message', (m) => resolve(m.heap));
    child.send('heap');
  });

let failed = false;
try {
  const rows = [];
  const base = await heap();
  rows.push(['0', base]);
  let timeouts = 0;
  for (let done = 0; done < CONNECTIONS;) {
    const batch = Math.min(1000, CONNECTIONS - done);
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < batch) {
          const i = done + next++;
          if ((await session(port, i)) === 'timeout') timeouts++;
        }
      }),
    );
    done += batch;
    rows.push([String(done), await heap()]);
  }
  // still serving: a well-formed session gets its CONNACK
  const alive = await new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1', () => socket.write(connect('after')));
    socket.once('data', (d) => {
      resolve(d[0] === 0x20 && d[3] === 0);
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
    setTimeout(() => resolve(false), 5000);
  });
  const mb = (n) => (n / 1024 / 1024).toFixed(1);
  console.log(
    `broker-malformed-memory: ${CONNECTIONS} malformed MQTT 5 sessions (${CASES.length} kinds, ${PARALLEL} parallel), node ${process.version}`,
  );
  console.log('connections  heapUsed MB  RSS MB  (after a full GC)');
  for (const [n, h] of rows)
    console.log(`${n.padStart(11)}  ${mb(h.heapUsed).padStart(11)}  ${mb(h.rss).padStart(6)}`);
  const growth = (rows.at(-1)[1].heapUsed - rows[1][1].heapUsed) / 1024 / 1024;
  console.log(
    `heap growth from the first 1000 to the end: ${growth.toFixed(1)} MB (bound ${BOUND_MB} MB); sessions that hung 5 s: ${timeouts}; broker serves a new client afterwards: ${alive ? 'yes' : 'NO'}`,
  );
  failed = growth > BOUND_MB || !alive || timeouts > 0;
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
