// Key reading and encoding speed: readKey of every key file form openssl writes (PEM PKCS#8, DER
// PKCS#8 / PKCS#1 / SEC1, encrypted PKCS#8 through readKeyAsync) and generateEncodedKey (the batch's
// fast path), per key, median of the rounds with the spread.
// Run: `npm run build:node && node bench/pki-keys.js [count]`.
// PKI_BENCH_BASELINE=DIR (another build's out/node inside a checkout with node_modules) adds that
// build's readKey/generateEncodedKey, rounds interleaved with ours so both see the same load.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const COUNT = Number(process.argv[2] ?? 2000);
const ROUNDS = 5;
const ours = await import('../out/node/core/pki/keys.js');
const BASELINE = process.env.PKI_BENCH_BASELINE;
const contenders = [{ label: 'this build', keys: ours }];
if (BASELINE) contenders.push({ label: 'baseline', keys: await import(join(BASELINE, 'core/pki/keys.js')) });

const dir = mkdtempSync(join(tmpdir(), 'bench-pki-keys-'));
const f = (name) => join(dir, name);
const openssl = (...args) => execFileSync('openssl', args, { stdio: 'ignore' });
try {
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f('ec.pem'));
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f('rsa.pem'));
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', f('ec.pem'), '-outform', 'DER', '-out', f('ec.p8.der'));
  openssl('ec', '-in', f('ec.pem'), '-outform', 'DER', '-out', f('ec.sec1.der'));
  openssl('rsa', '-in', f('rsa.pem'), '-traditional', '-outform', 'DER', '-out', f('rsa.pkcs1.der'));
  openssl('pkcs8', '-topk8', '-in', f('ec.pem'), '-v2', 'aes-256-cbc', '-passout', 'pass:pw', '-out', f('ec.enc.pem')); // prettier-ignore

  const cases = [
    { what: 'readKey PEM PKCS#8 (P-256)', n: COUNT, run: (k) => k.readKey(readFileSync(f('ec.pem'))) },
    { what: 'readKey DER PKCS#8 (P-256)', n: COUNT, run: (k) => k.readKey(readFileSync(f('ec.p8.der'))) },
    { what: 'readKey DER SEC1 (P-256)', n: COUNT, run: (k) => k.readKey(readFileSync(f('ec.sec1.der'))) },
    { what: 'readKey DER PKCS#1 (RSA-2048)', n: COUNT / 4, run: (k) => k.readKey(readFileSync(f('rsa.pkcs1.der'))) }, // prettier-ignore
    { what: 'readKeyAsync encrypted PKCS#8 (PBKDF2 2048)', n: COUNT / 10, run: (k) => k.readKeyAsync(readFileSync(f('ec.enc.pem')), 'pw') }, // prettier-ignore
    { what: 'generateEncodedKey ec-p256', n: COUNT, run: (k) => k.generateEncodedKey('ec-p256') },
    { what: 'generateEncodedKey ed25519', n: COUNT, run: (k) => k.generateEncodedKey('ed25519') },
  ];
  const times = new Map(); // `${case}|${label}` -> µs per key, one per round
  const load = [loadavg()[0]];
  for (const c of contenders) for (const kase of cases) await kase.run(c.keys); // warm-up (lazy loads)
  for (let round = 0; round < ROUNDS; round++) {
    for (const kase of cases) {
      for (const c of contenders) {
        const start = performance.now();
        for (let i = 0; i < kase.n; i++) await kase.run(c.keys);
        const key = `${kase.what}|${c.label}`;
        times.set(key, [...(times.get(key) ?? []), ((performance.now() - start) * 1000) / kase.n]);
      }
    }
  }
  load.push(loadavg()[0]);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cell = (xs) =>
    `${median(xs).toFixed(0)} µs (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  console.log(`\nKeys, µs per key: median of ${ROUNDS} rounds (min–max); load average ${load.map((l) => l.toFixed(1)).join(' → ')}`); // prettier-ignore
  console.log(`| what | ${contenders.map((c) => c.label).join(' | ')} |`);
  console.log(`|---|${contenders.map(() => '---').join('|')}|`);
  for (const kase of cases) {
    console.log(`| ${kase.what} | ${contenders.map((c) => cell(times.get(`${kase.what}|${c.label}`))).join(' | ')} |`); // prettier-ignore
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
