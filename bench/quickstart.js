// Quick start's time from an empty workspace to certificates, ACL and broker settings on disk
// (target: under 2 s on this 2-core machine), against the openssl commands a user would run by hand
// for the same chain (root, intermediate, server with SANs, two clients). Prints a table.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Workspace } from '../out/node/core/workspace/workspace.js';
import { runQuickstart } from '../out/node/core/quickstart/index.js';

const RUNS = Number(process.env.RUNS ?? 10);

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { min: sorted[0], median: at(0.5), max: sorted.at(-1) };
}

async function ours() {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'mts-bench-qs-'));
    const started = performance.now();
    await runQuickstart(new Workspace(join(dir, 'ws')), { port: 8883, hostname: 'bench-host' });
    times.push(performance.now() - started);
    rmSync(dir, { recursive: true, force: true });
  }
  return stats(times);
}

function opensslChain() {
  const times = [];
  for (let i = 0; i < Math.max(3, Math.floor(RUNS / 2)); i++) {
    const dir = mkdtempSync(join(tmpdir(), 'mts-bench-ossl-'));
    const o = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    writeFileSync(
      join(dir, 'ca.ext'),
      'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
    );
    writeFileSync(
      join(dir, 'server.ext'),
      'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,DNS:bench-host\n',
    );
    writeFileSync(
      join(dir, 'client.ext'),
      'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
    );
    const started = performance.now();
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    o('req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.crt', '-subj', '/CN=Root', '-days', '3650');
    o('req', '-new', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=Intermediate');
    o(
      'x509',
      '-req',
      '-in',
      'int.csr',
      '-CA',
      'root.crt',
      '-CAkey',
      'root.key',
      '-CAcreateserial',
      '-out',
      'int.crt',
      '-days',
      '1825',
      '-extfile',
      'ca.ext',
    );
    for (const [name, ext] of [
      ['server', 'server.ext'],
      ['device-1', 'client.ext'],
      ['device-2', 'client.ext'],
    ]) {
      o('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      o(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'int.crt',
        '-CAkey',
        'int.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '365',
        '-extfile',
        ext,
      );
    }
    times.push(performance.now() - started);
    rmSync(dir, { recursive: true, force: true });
  }
  return stats(times);
}

const a = await ours();
const b = opensslChain();
const fmt = (ms) => `${ms.toFixed(0)} ms`.padStart(9);
console.log(
  `Quick start: empty workspace → root, intermediate, server (4 SANs), device-1, device-2 (${RUNS} runs)`,
);
console.log('| what                                   |    min    |  median   |    max    |');
console.log('|----------------------------------------|-----------|-----------|-----------|');
console.log(`| mqtt-tls-studio quickstart (+ACL, conf) | ${fmt(a.min)} | ${fmt(a.median)} | ${fmt(a.max)} |`);
console.log(`| openssl CLI, same chain (certs only)   | ${fmt(b.min)} | ${fmt(b.median)} | ${fmt(b.max)} |`);
console.log(`target: under 2000 ms — ${a.max < 2000 ? 'met' : 'NOT met'} (worst run ${a.max.toFixed(0)} ms)`);
