// Time to issue 1,000 ECDSA P-256 client certificates with their keys, our workshop against a loop of
// openssl CLI commands doing the same (key, certificate signed by an intermediate, clientAuth EKU).
// Then a 30,000-device `cert batch` through the CLI, in one process: it must end (no hang).
// Run: `npm run build:node && node bench/pki-issue.js [count] [batch-devices]` (or `npm run bench pki-issue`).
// PKI_BENCH_BASELINE=DIR (another build's out/node inside a checkout with node_modules) adds that
// build's issueBatch and certificate builder, rounds interleaved with ours so both see the same load.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const pki = await import('../out/node/core/pki/index.js');
const { Workspace } = await import('../out/node/core/workspace/workspace.js');
const builder = await import('../out/node/core/pki/certificate-builder.js');
const BASELINE = process.env.PKI_BENCH_BASELINE;
const baseline = BASELINE
  ? {
      pki: await import(join(BASELINE, 'core/pki/index.js')),
      Workspace: (await import(join(BASELINE, 'core/workspace/workspace.js'))).Workspace,
      builder: await import(join(BASELINE, 'core/pki/certificate-builder.js')),
    }
  : undefined;

const COUNT = Number(process.argv[2] ?? 1000);
const BATCH_DEVICES = Number(process.argv[3] ?? 30000);
const OPENSSL_SAMPLE = Math.min(COUNT, 100);
const ROUNDS = Number(process.env.PKI_BENCH_ROUNDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'bench-pki-'));

try {
  const rows = [];

  // Ours: issueBatch — keys, certificates and the atomic commit of 2 files per certificate + index.
  // With a baseline build, its rounds alternate with ours.
  const contenders = [{ label: 'workshop', pki, Workspace, builder, times: [], cpu: [], buildTimes: [] }];
  if (baseline) contenders.push({ label: 'baseline', ...baseline, times: [], cpu: [], buildTimes: [] });
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) {
      const ws = new c.Workspace(join(dir, `ws-${c.label}-${round}`));
      await c.pki.createCa(ws, { name: 'root', cn: 'Bench Root' });
      await c.pki.createCa(ws, { name: 'int', cn: 'Bench Int', parent: 'root' });
      const names = Array.from({ length: COUNT }, (_, i) => `device-${i + 1}`);
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      await c.pki.issueBatch(ws, { ca: 'int', profile: 'client', names });
      c.times.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuStart);
      c.cpu.push((cpu.user + cpu.system) / 1000);
    }
  }
  // The certificate encoder alone: COUNT leaves from one prepared key, same inputs for both builds.
  {
    const { generateKeyPairSync } = await import('node:crypto');
    const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = leaf.publicKey.export({ format: 'der', type: 'spki' });
    const caSpki = ca.publicKey.export({ format: 'der', type: 'spki' });
    const { commonNameOnly } = await import('../out/node/core/pki/distinguished-name.js');
    const issuerName = commonNameOnly('Bench Int');
    const subjects = Array.from({ length: COUNT }, (_, i) => commonNameOnly(`device-${i + 1}`));
    const publicKeyBits = builder.publicKeyBitsOf(spki); // issueBatch hands these over with each key
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of contenders) {
        const template = (i) => ({
          subject: subjects[i],
          issuer: issuerName,
          spki,
          publicKeyBits,
          signingKey: ca.privateKey,
          issuerKeyId: c.builder.keyIdentifier(c.builder.publicKeyBitsOf(caSpki)),
          notBefore: new Date('2026-01-01T00:00:00Z'),
          notAfter: new Date('2027-01-01T00:00:00Z'),
          keyUsage: ['digitalSignature'],
          extKeyUsage: ['1.3.6.1.5.5.7.3.2'],
        });
        const start = performance.now();
        for (let i = 0; i < COUNT; i++) c.builder.buildCertificate(template(i));
        c.buildTimes.push(performance.now() - start);
      }
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const ours = median(contenders[0].times);
  for (const c of contenders) {
    rows.push({
      method: `${c.label} issueBatch (median of ${ROUNDS})`,
      measured: COUNT,
      ms: median(c.times),
      note: `keys 0600 + certs + index, one atomic commit (syncfs); CPU ${(median(c.cpu) / 1000).toFixed(2)} s; all ${c.times.map((t) => (t / 1000).toFixed(2)).join(' ')}`,
    });
  }
  for (const c of contenders) {
    rows.push({
      method: `${c.label} buildCertificate only (median of ${ROUNDS})`,
      measured: COUNT,
      ms: median(c.buildTimes),
      note: 'encode + sign one leaf, no key generation, no files',
    });
  }

  // Ours, one certificate per call (what the UI and CLI do for a single leaf).
  {
    const ws = new Workspace(join(dir, 'ws-single'));
    await pki.createCa(ws, { name: 'root', cn: 'Bench Root' });
    await pki.createCa(ws, { name: 'int', cn: 'Bench Int', parent: 'root' });
    const n = Math.min(COUNT, 100);
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      await pki.issueCertificate(ws, {
        ca: 'int',
        profile: 'client',
        name: `single-${i}`,
        cn: `single-${i}`,
      });
    }
    rows.push({
      method: 'workshop issueCertificate, one call each',
      measured: n,
      ms: performance.now() - start,
      note: 'one commit per certificate',
    });
  }

  // openssl: the same intermediate, exported for the CLI.
  const ws = new Workspace(join(dir, 'ws-workshop-0'));
  const material = pki.tlsMaterial(ws, 'int');
  const caCrt = join(dir, 'int.crt');
  const caKey = join(dir, 'int.key');
  writeFileSync(caCrt, material.cert);
  writeFileSync(caKey, material.key, { mode: 0o600 });
  const out = join(dir, 'openssl');
  execFileSync('mkdir', ['-p', out]);
  const ext = [
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature',
    '-addext',
    'extendedKeyUsage=clientAuth',
  ];

  // One openssl process per certificate (OpenSSL 3: `req -x509 -CA` makes the key and signs at once).
  {
    const start = performance.now();
    for (let i = 0; i < OPENSSL_SAMPLE; i++) {
      const r = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(out, `a-${i}.key`),
        '-out',
        join(out, `a-${i}.crt`),
        '-subj',
        `/CN=device-${i}`,
        '-CA',
        caCrt,
        '-CAkey',
        caKey,
        '-days',
        '365',
        ...ext,
      ]);
      if (r.status !== 0) throw new Error(String(r.stderr));
    }
    rows.push({
      method: 'openssl req -x509 -CA (1 process per cert)',
      measured: OPENSSL_SAMPLE,
      ms: performance.now() - start,
      note: 'no index, no fsync',
    });
  }

  // The classic recipe: genpkey + req + x509 -req (3 processes per certificate).
  {
    const n = Math.min(OPENSSL_SAMPLE, 50);
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const key = join(out, `b-${i}.key`);
      const csr = join(out, `b-${i}.csr`);
      for (const args of [
        ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key],
        ['req', '-new', '-key', key, '-subj', `/CN=device-${i}`, '-out', csr],
        [
          'x509',
          '-req',
          '-in',
          csr,
          '-CA',
          caCrt,
          '-CAkey',
          caKey,
          '-CAcreateserial',
          '-days',
          '365',
          '-out',
          join(out, `b-${i}.crt`),
        ],
      ]) {
        const r = spawnSync('openssl', args);
        if (r.status !== 0) throw new Error(String(r.stderr));
      }
    }
    rows.push({
      method: 'openssl genpkey + req + x509 -req (3 processes)',
      measured: n,
      ms: performance.now() - start,
      note: 'easy-rsa style',
    });
  }

  const version = execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  console.log(`Issue ${COUNT.toLocaleString('en')} ECDSA P-256 client certificates with keys`);
  console.log(
    `node ${process.version}, ${version}, ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log('');
  const header = [
    'method',
    'measured',
    'time',
    'per cert',
    `for ${COUNT.toLocaleString('en')}`,
    'vs workshop',
    'notes',
  ];
  const table = rows.map((r) => {
    const per = r.ms / r.measured;
    const full = per * COUNT;
    const extrapolated = r.measured < COUNT;
    return [
      r.method,
      String(r.measured),
      `${(r.ms / 1000).toFixed(2)} s`,
      `${per.toFixed(2)} ms`,
      `${(full / 1000).toFixed(2)} s${extrapolated ? ' (extrapolated)' : ''}`,
      `${(full / ours).toFixed(1)}×`,
      r.note,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of table) console.log(line(row));
  console.log('');
  const opensslRow = rows.find((r) => r.method.startsWith('openssl req'));
  if (baseline) {
    const ratio = (label) => (median(contenders[0][label]) / median(contenders[1][label])).toFixed(2);
    console.log(
      `workshop / baseline: issueBatch ${ratio('times')}× (CPU ${ratio('cpu')}×), buildCertificate ${ratio('buildTimes')}×`,
    );
  }
  console.log(
    `Target: at most 0.6 s (median) for ${COUNT.toLocaleString('en')} → ${(ours / 1000).toFixed(2)} s, ` +
      `${(((opensslRow.ms / opensslRow.measured) * COUNT) / ours).toFixed(1)}× faster than the one-process openssl loop.`,
  );

  // A big batch through the CLI, one process: keys, signatures and one commit of 60,000 files.
  if (BATCH_DEVICES > 0) {
    const wsDir = join(dir, 'ws-batch');
    const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'mqtt-tls-studio.js');
    const runCli = (...args) =>
      spawnSync(process.execPath, [cli, ...args, '--workspace', wsDir], {
        encoding: 'utf8',
        timeout: 15 * 60_000,
        maxBuffer: 1 << 30, // the --json of 30,000 summaries is ~15 MB (the 1 MB default killed it)
      });
    runCli('ca', 'create', '--name', 'root', '--cn', 'Batch Root');
    runCli('ca', 'create', '--name', 'int', '--cn', 'Batch Int', '--parent', 'root');
    const devices = join(dir, 'devices.txt');
    writeFileSync(devices, Array.from({ length: BATCH_DEVICES }, (_, i) => `dev-${i + 1}`).join('\n') + '\n');
    const start = performance.now();
    const r = runCli('cert', 'batch', '--ca', 'int', '--devices', devices, '--json');
    const seconds = (performance.now() - start) / 1000;
    const ended =
      r.status === 0
        ? `ended, ${JSON.parse(r.stdout).issued.length.toLocaleString('en')} issued`
        : `FAILED (status ${r.status}, signal ${r.signal}): ${r.stderr.trim()}`;
    console.log('');
    console.log(
      `cert batch, ${BATCH_DEVICES.toLocaleString('en')} devices in one CLI process: ${ended} in ${seconds.toFixed(1)} s`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
