// Time to read certificates: the workshop's reader (every field it reasons about: names with their
// RFC 2253 strings, extensions, the public key) against node's X509Certificate and @peculiar/x509,
// over the same 1,000 DER certificates (P-256 leaves with SANs, made by the workshop). Also a PKCS#12
// read, and one shuffled PEM chain of 30 certificates put in chain order (×20).
// Run: `npm run build:node && node bench/pki-parse.js [count]` (or `npm run bench pki-parse`).
import 'reflect-metadata';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const pki = await import('../out/node/core/pki/index.js');
const { readPemBundle, orderBundle } = await import('../out/node/core/pki/bundle.js');
const { Workspace } = await import('../out/node/core/workspace/workspace.js');

const COUNT = Number(process.argv[2] ?? 1000);
const ROUNDS = 5;
const dir = mkdtempSync(join(tmpdir(), 'bench-parse-'));
x509.cryptoProvider.set(webcrypto);

function median(run) {
  const times = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function medianAsync(run) {
  const times = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

try {
  const ws = new Workspace(join(dir, 'ws'));
  await pki.createCa(ws, { name: 'root', cn: 'Bench Root' });
  await pki.createCa(ws, { name: 'int', cn: 'Bench Int', parent: 'root' });
  const names = Array.from({ length: COUNT }, (_, i) => `device-${i + 1}`);
  await pki.issueBatch(ws, { ca: 'int', profile: 'server', names });
  const ders = names.map((n) => {
    const pem = readFileSync(join(dir, 'ws', 'certs', `${n}.crt`), 'utf8');
    return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  });

  const rows = [];
  rows.push({
    what: `workshop readCertificate (all fields)`,
    ms: median(() => {
      for (const der of ders) {
        const c = pki.readCertificate(der, 'bench');
        if (!c.subject.rfc2253) throw new Error('no subject');
      }
    }),
  });
  rows.push({
    what: `node X509Certificate (subject, SAN, key)`,
    ms: median(() => {
      for (const der of ders) {
        const c = new NodeX509(der);
        if (!c.subject || c.subjectAltName === undefined || !c.publicKey) throw new Error('no subject');
      }
    }),
  });
  rows.push({
    what: `@peculiar/x509 X509Certificate (subject, extensions, key)`,
    ms: median(() => {
      for (const der of ders) {
        const c = new x509.X509Certificate(der);
        if (!c.subject || !c.extensions.length || !c.publicKey.algorithm) throw new Error('no subject');
      }
    }),
  });

  // A 200-certificate chain in shuffled PEM order, put in chain order (bundle.ts).
  const chainLength = Math.min(30, COUNT);
  const chainWs = new Workspace(join(dir, 'chain'));
  await pki.createCa(chainWs, { name: 'c0', cn: 'Chain 0', days: 3650 });
  for (let i = 1; i < chainLength; i++) {
    await pki.createCa(chainWs, {
      name: `c${i}`,
      cn: `Chain ${i}`,
      parent: `c${i - 1}`,
      pathLen: chainLength - i - 1,
      days: 3000 - i * 20,
    });
  }
  const pems = Array.from({ length: chainLength }, (_, i) =>
    readFileSync(join(dir, 'chain', 'certs', `c${i}.crt`), 'utf8'),
  );
  const shuffled = Buffer.from(pems.map((_, i) => pems[(i * 7919) % chainLength]).join(''));
  rows.push({
    what: `workshop: a shuffled ${chainLength}-certificate PEM chain read and ordered ×20`,
    ms: median(() => {
      for (let i = 0; i < 20; i++) orderBundle(readPemBundle(shuffled, 'chain.pem'), 'chain.pem');
    }),
  });

  // PKCS#12 made by openssl (AES, 2,048 iterations), read by the workshop.
  const key = join(dir, 'ws', 'keys', 'device-1.key');
  const crt = join(dir, 'ws', 'certs', 'device-1.crt');
  const p12 = join(dir, 'd.p12');
  execFileSync('openssl', [
    'pkcs12',
    '-export',
    '-in',
    crt,
    '-inkey',
    key,
    '-passout',
    'pass:pw',
    '-out',
    p12,
  ]);
  const p12Bytes = readFileSync(p12);
  rows.push({
    what: 'workshop parsePkcs12Async (openssl AES file) ×20',
    ms: await medianAsync(async () => {
      for (let i = 0; i < 20; i++) await pki.parsePkcs12Async(p12Bytes, 'pw', 'd.p12');
    }),
  });

  console.log(`Read ${COUNT.toLocaleString('en')} certificates (DER, P-256 leaves)`);
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; median of ${ROUNDS}`,
  );
  console.log('');
  const header = ['what', 'ms', 'per certificate'];
  const table = rows.map((r) => [
    r.what,
    r.ms.toFixed(0),
    r.what.includes('×20') ? '' : `${((r.ms * 1000) / COUNT).toFixed(0)} µs`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of table) console.log(line(row));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
