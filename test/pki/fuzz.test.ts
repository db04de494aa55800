/**
 * Fuzz: damaged certificates, CSRs, CRLs, PKCS#7, PKCS#12, PEM text and keys — valid files made by
 * openssl and by the workshop, mutated with a fixed seed — through the api (in process) and a few
 * through the CLI. Every refusal must be one clear line naming the file, a UserError (never INTERNAL,
 * never a raw JavaScript or OpenSSL message), and leave the workspace byte-identical.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { opensslOk, snapshot } from './helpers.js';

/** mulberry32: a small seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 13;
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 25_000);
const MAX_CASES = Number(process.env.FUZZ_MAX_CASES ?? 6_000);

/** What a message must never look like: raw JavaScript, OpenSSL or parser internals. */
const RAW =
  /internal error|Cannot read prop|of undefined|of null|is not a function|is not iterable|Invalid code point|error:[0-9A-F]{6,8}|\bERR_[A-Z_]+|TypeError|RangeError|SyntaxError|Maximum call stack|\bNaN\b|\[object |ASN1 schema|asn1js|Offset is outside/;

function mutate(input: Buffer, rnd: () => number): Buffer {
  let data = Buffer.from(input);
  const at = (n = data.length) => Math.floor(rnd() * Math.max(1, n));
  const ops = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < ops && data.length > 0; i++) {
    // Mostly changes in place (so the outer lengths still hold and the damage reaches inner fields).
    const roll = rnd();
    switch (roll < 0.7 ? Math.floor(rnd() * 3) : 3 + Math.floor(rnd() * 5)) {
      case 0:
        data[at()]! ^= 1 << Math.floor(rnd() * 8);
        break;
      case 1:
        data[at()] = Math.floor(rnd() * 256);
        break;
      case 2:
        data[at()] = [0x00, 0xff, 0x80, 0x7f, 0x81, 0x84][Math.floor(rnd() * 6)]!;
        break;
      case 3:
        data = data.subarray(0, at());
        break;
      case 4: {
        const start = at();
        data = Buffer.concat([data.subarray(0, start), data.subarray(start + 1 + at(16))]);
        break;
      }
      case 5: {
        const start = at();
        const extra = Buffer.from(Array.from({ length: 1 + at(8) }, () => Math.floor(rnd() * 256)));
        data = Buffer.concat([data.subarray(0, start), extra, data.subarray(start)]);
        break;
      }
      case 6: {
        const start = at();
        const piece = data.subarray(start, start + 1 + at(32));
        data = Buffer.concat([data.subarray(0, start), piece, data.subarray(start)]);
        break;
      }
      default: {
        // A length octet made long-form or indefinite.
        const spot = at();
        data[spot] = rnd() < 0.5 ? 0x80 : 0x80 | (1 + at(4));
        break;
      }
    }
  }
  return data;
}

function pem(der: Buffer, label: string): Buffer {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return Buffer.from(`-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`);
}

function derOf(pemText: Buffer): Buffer {
  const body = pemText
    .toString('latin1')
    .split('\n')
    .filter((l) => !l.startsWith('-----'))
    .join('');
  return Buffer.from(body, 'base64');
}

type Target = 'describe' | 'import' | 'import-key' | 'sign-csr' | 'verify-crl';

interface Seed {
  name: string;
  target: Target;
  /** How the mutated bytes are presented: as DER, wrapped in PEM, or the PEM text itself mutated. */
  form: 'der' | 'pem' | 'text';
  label?: string;
  data: Buffer;
  passphrase?: string;
}

describe('fuzz: every malformed input is one clear error and changes nothing', () => {
  const dir = tempDir('pki-fuzz-');
  const f = (name: string) => join(dir, name);
  const pristine = f('pristine');
  const wsDir = f('ws');
  const seeds: Seed[] = [];
  let service: ApiService;
  const internals: unknown[] = [];

  beforeAll(async () => {
    const setup = new ApiService({ workspaceDir: pristine, surface: 'cli' });
    await setup.invoke('pki.createCa', { name: 'root', cn: 'Fuzz Root', keyType: 'ec-p256' });
    await setup.invoke('pki.createCa', { name: 'int', cn: 'Fuzz Int', parent: 'root', keyType: 'rsa-2048' });
    await setup.invoke('pki.issue', { ca: 'int', profile: 'client', name: 'dev', cn: 'dev' });
    await setup.invoke('pki.revoke', { name: 'dev', reason: 'keyCompromise' });
    const chain = (await setup.invoke('pki.chain', { name: 'dev' })) as {
      cert: string;
      chain: string;
      ca: string;
    };
    await setup.dispose();
    writeFileSync(f('dev.crt'), chain.cert);
    writeFileSync(f('chain.pem'), chain.chain + chain.ca);
    const read = (name: string) => readFileSync(f(name));
    // Outside material made by openssl: RSA with extensions, Ed25519, a CSR, PKCS#7, PKCS#12.
    await opensslOk([
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ext.key'), '-subj',
      '/C=GB/O=Fuzz Org/OU=Unit+CN=ext.example', '-addext', 'subjectAltName=DNS:ext.example,IP:10.0.0.1,email:a@b.c',
      '-addext', 'crlDistributionPoints=URI:http://crl.example/ca.crl', '-days', '30', '-out', f('ext.crt'),
    ]); // prettier-ignore
    await opensslOk([
      'req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', f('ed.key'), '-subj', '/CN=ed', '-days', '3',
      '-out', f('ed.crt'),
    ]); // prettier-ignore
    await opensslOk([
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('csr.key'),
      '-subj', '/CN=csr-device/O=Fuzz', '-addext', 'subjectAltName=DNS:csr.example', '-out', f('req.csr'),
    ]); // prettier-ignore
    await opensslOk([
      'crl2pkcs7',
      '-nocrl',
      '-certfile',
      f('chain.pem'),
      '-outform',
      'DER',
      '-out',
      f('chain.p7b'),
    ]);
    await opensslOk(['pkcs12', '-export', '-in', f('ext.crt'), '-inkey', f('ext.key'), '-passout', 'pass:pw', '-out', f('modern.p12')]); // prettier-ignore
    await opensslOk([
      'pkcs12', '-export', '-legacy', '-in', f('ext.crt'), '-inkey', f('ext.key'), '-passout', 'pass:pw', '-out',
      f('legacy.p12'),
    ]); // prettier-ignore
    await opensslOk(['pkcs8', '-topk8', '-in', f('csr.key'), '-passout', 'pass:pw', '-out', f('enc.key')]);
    await opensslOk(['ec', '-in', f('csr.key'), '-out', f('sec1.key')]);
    await opensslOk(['rsa', '-in', f('ext.key'), '-traditional', '-out', f('pkcs1.key')]);
    const crl = readFileSync(join(pristine, 'crl', 'int.crl'));

    const cert = (name: string, data: Buffer) => {
      seeds.push({ name, target: 'describe', form: 'der', data: derOf(data) });
      seeds.push({ name, target: 'import', form: 'pem', label: 'CERTIFICATE', data: derOf(data) });
    };
    cert('dev.crt', read('dev.crt'));
    cert('ext.crt', read('ext.crt'));
    cert('ed.crt', read('ed.crt'));
    seeds.push({ name: 'chain.pem', target: 'import', form: 'text', data: read('chain.pem') });
    seeds.push({ name: 'chain.p7b', target: 'import', form: 'der', data: read('chain.p7b') });
    seeds.push({ name: 'chain.p7b', target: 'import', form: 'pem', label: 'PKCS7', data: read('chain.p7b') });
    seeds.push({
      name: 'modern.p12',
      target: 'import',
      form: 'der',
      data: read('modern.p12'),
      passphrase: 'pw',
    });
    seeds.push({
      name: 'legacy.p12',
      target: 'import',
      form: 'der',
      data: read('legacy.p12'),
      passphrase: 'pw',
    });
    seeds.push({
      name: 'req.csr',
      target: 'sign-csr',
      form: 'pem',
      label: 'CERTIFICATE REQUEST',
      data: derOf(read('req.csr')),
    });
    seeds.push({ name: 'req.csr', target: 'sign-csr', form: 'der', data: derOf(read('req.csr')) });
    seeds.push({ name: 'int.crl', target: 'verify-crl', form: 'pem', label: 'X509 CRL', data: derOf(crl) });
    seeds.push({ name: 'int.crl', target: 'verify-crl', form: 'der', data: derOf(crl) });
    seeds.push({
      name: 'ext.key',
      target: 'import-key',
      form: 'pem',
      label: 'PRIVATE KEY',
      data: derOf(read('ext.key')),
    });
    seeds.push({
      name: 'sec1.key',
      target: 'import-key',
      form: 'pem',
      label: 'EC PRIVATE KEY',
      data: derOf(read('sec1.key')),
    });
    seeds.push({ name: 'pkcs1.key', target: 'import-key', form: 'der', data: derOf(read('pkcs1.key')) });
    seeds.push({ name: 'enc.key', target: 'import-key', form: 'pem', label: 'ENCRYPTED PRIVATE KEY', data: derOf(read('enc.key')), passphrase: 'pw' }); // prettier-ignore
    seeds.push({ name: 'ext.key', target: 'import-key', form: 'text', data: read('ext.key') });
    cpSync(pristine, wsDir, { recursive: true });
    service = new ApiService({ workspaceDir: wsDir, surface: 'cli' });
    service.logInternalError = (error) => internals.push(error);
  }, 120_000);

  /** The request for one mutated input. */
  const request = (seed: Seed, bytes: Buffer, file: string): { method: string; params: object } => {
    const b64 = bytes.toString('base64');
    const material = (name: string) => readFileSync(f(name)).toString('base64');
    switch (seed.target) {
      case 'describe':
        return { method: 'pki.describe', params: { data: b64, file } };
      case 'import':
        return {
          method: 'pki.import',
          params: {
            name: 'fuzzed',
            cert: b64,
            certFile: file,
            ...(seed.passphrase ? { passphrase: seed.passphrase } : {}),
          },
        };
      case 'import-key': {
        const certFor: Record<string, string> = { 'ext.key': 'ext.crt', 'pkcs1.key': 'ext.crt' };
        const certFile = certFor[seed.name] ?? 'csr-signed.crt';
        return {
          method: 'pki.import',
          params: {
            name: 'fuzzed',
            cert: certFile === 'csr-signed.crt' ? material('ext.crt') : material(certFile),
            certFile: 'cert.pem',
            key: b64,
            keyFile: file,
            ...(seed.passphrase ? { passphrase: seed.passphrase } : {}),
          },
        };
      }
      case 'sign-csr':
        return {
          method: 'pki.signCsr',
          params: { ca: 'int', profile: 'client', name: 'fuzzed', csr: b64, file },
        };
      case 'verify-crl':
        return {
          method: 'pki.verify',
          params: {
            cert: material('dev.crt'),
            ca: material('chain.pem'),
            crl: b64,
            files: { cert: 'dev.crt', ca: 'chain.pem', crl: file },
          },
        };
    }
  };

  const refusedOnce: Array<{ seed: Seed; bytes: Buffer }> = [];

  it(
    `${MAX_CASES.toLocaleString('en')} cases at most, seed ${SEED}, ${BUDGET_MS / 1000} s budget`,
    async () => {
      const rnd = random(SEED);
      const started = Date.now();
      let cases = 0;
      let refused = 0;
      let before = snapshot(wsDir);
      const problems: string[] = [];
      for (; cases < MAX_CASES && Date.now() - started < BUDGET_MS; cases++) {
        const seed = seeds[Math.floor(rnd() * seeds.length)]!;
        const file = `fuzz-${cases}-${seed.name}`;
        let bytes: Buffer;
        if (seed.form === 'text') bytes = mutate(seed.data, rnd);
        else {
          const der = mutate(seed.data, rnd);
          bytes = seed.form === 'pem' ? pem(der, seed.label!) : der;
        }
        const { method, params } = request(seed, bytes, file);
        const response = await service.call(method, params);
        if (response.ok) {
          // A mutation that is still valid (a changed signature byte, a bit in a name…): start again clean.
          if (method === 'pki.import' || method === 'pki.signCsr') {
            await service.dispose();
            rmSync(wsDir, { recursive: true, force: true });
            cpSync(pristine, wsDir, { recursive: true });
            service = new ApiService({ workspaceDir: wsDir, surface: 'cli' });
            service.logInternalError = (error) => internals.push(error);
            before = snapshot(wsDir);
          }
          continue;
        }
        refused++;
        const { code, message } = response.error;
        const named = [file, 'cert.pem', 'dev.crt', 'chain.pem'].some((n) => message.startsWith(n));
        if (code === 'INTERNAL' || RAW.test(message) || message.includes('\n') || !named) {
          problems.push(`${seed.name} (${seed.target}, ${seed.form}) case ${cases}: [${code}] ${message}`);
        }
        if (refusedOnce.length < 4 && seed.target === 'import' && seed.form !== 'text' && cases % 3 === 0) {
          refusedOnce.push({ seed, bytes });
        }
        if (cases % 25 === 0) expect(snapshot(wsDir)).toEqual(before);
      }
      expect(snapshot(wsDir)).toEqual(before);
      console.log(`fuzz: ${cases} cases in ${Date.now() - started} ms, ${refused} refused`);
      expect(problems.slice(0, 20)).toEqual([]);
      expect(internals).toEqual([]);
      expect(cases).toBeGreaterThan(100);
      expect(refused).toBeGreaterThan(cases / 2);
    },
    BUDGET_MS + 90_000,
  );

  it('through the CLI: exit 1, one `error:` line, nothing changed', async () => {
    expect(refusedOnce.length).toBeGreaterThan(0);
    const before = snapshot(wsDir);
    for (const [i, { seed, bytes }] of refusedOnce.entries()) {
      const file = f(`cli-${i}-${seed.name}`);
      writeFileSync(file, bytes);
      writeFileSync(f('pass.txt'), `${seed.passphrase ?? ''}\n`);
      const r = await cli([
        'cert',
        'import',
        '--name',
        'fuzzed',
        '--cert',
        file,
        ...(seed.passphrase ? ['--passphrase-file', f('pass.txt')] : []),
        '--workspace',
        wsDir,
      ]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+)?[:,] [^\\n]+\\n$`),
      );
      expect(r.stderr).not.toMatch(RAW);
    }
    expect(snapshot(wsDir)).toEqual(before);
  }, 120_000);
});
