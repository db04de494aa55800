import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { previewFile, type BundleFile } from '../../src-main/core/export/bundle.js';
import {
  exportMosquitto,
  exportMosquittoTarGz,
  previewMosquittoExport,
} from '../../src-main/core/export/export-mosquitto.js';
import { certificateChain, tlsMaterial } from '../../src-main/core/pki/index.js';
import type { Workspace } from '../../src-main/core/workspace/workspace.js';
import { systemUser } from '../../src-main/core/export/bundle.js';
import { tempDir } from '../helpers/tmp.js';
import { exportWorkshop } from './fixtures.js';

const openssl = (args: string[], input?: string) =>
  execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

/** The base64 body lines of every private key block of a PEM text (what must never be shown). */
function bodyLines(pem: string): string[] {
  const lines: string[] = [];
  for (const m of pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    if (!m[1].includes('PRIVATE KEY')) continue;
    for (const line of m[2].split(/\r\n|\r|\n/)) {
      const t = line.trim();
      if (t.length >= 16 && !t.includes(':')) lines.push(t);
    }
  }
  expect(lines.length).toBeGreaterThan(0);
  return lines;
}

const lineEnds: Record<string, (pem: string) => string> = {
  LF: (p) => p,
  CRLF: (p) => p.replace(/\n/g, '\r\n'),
  CR: (p) => p.replace(/\n/g, '\r'),
  mixed: (p) =>
    p
      .split('\n')
      .map((l, i) => l + (['\n', '\r\n', '\r'][i % 3] ?? '\n'))
      .join('')
      .slice(0, -1) + '\n',
  'trailing spaces': (p) => p.replace(/\n/g, '   \n'),
  'trailing spaces, CRLF': (p) => p.replace(/\n/g, ' \t\r\n'),
};

describe('the export preview masks private keys by what they are', () => {
  const keys: Record<string, string> = {};
  let cert: string;

  beforeAll(() => {
    const dir = tempDir('mts-mask-');
    keys['PKCS#8 EC'] = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    keys['PKCS#8 RSA'] = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
    keys['legacy EC PRIVATE KEY'] = openssl(['ecparam', '-name', 'prime256v1', '-genkey']); // with EC PARAMETERS
    keys['legacy RSA PRIVATE KEY'] = openssl(['rsa', '-traditional'], keys['PKCS#8 RSA']);
    keys['encrypted PKCS#8'] = openssl(
      ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', 'pass:secret'],
      keys['PKCS#8 EC'],
    );
    keys['legacy encrypted (Proc-Type)'] = openssl(
      ['rsa', '-traditional', '-aes256', '-passout', 'pass:secret'],
      keys['PKCS#8 RSA'],
    );
    keys['Ed25519'] = openssl(['genpkey', '-algorithm', 'ed25519']);
    writeFileSync(join(dir, 'k.pem'), keys['PKCS#8 EC']);
    cert = openssl(['req', '-x509', '-key', join(dir, 'k.pem'), '-subj', '/CN=bundle', '-days', '1']);
  });

  for (const [endName, convert] of Object.entries(lineEnds)) {
    it(`key files with ${endName} line ends: every kind masked, the body never shown`, () => {
      for (const [keyName, pem] of Object.entries(keys)) {
        const data = convert(pem);
        const file: BundleFile = {
          path: 'certs/server.key',
          data,
          mode: 0o600,
          kind: 'server-key',
          description: '',
        };
        const preview = previewFile(file);
        expect(preview.masked, keyName).toBe(true);
        for (const line of bodyLines(pem)) expect(preview.content, `${keyName}: ${line}`).not.toContain(line);
        expect(preview.content, keyName).toContain('private key, not shown');
        expect(preview.content, keyName).not.toContain('DEK-Info');
      }
    });

    it(`a key inside a public bundle file (${endName}) is masked, the certificates around it kept`, () => {
      for (const [keyName, pem] of Object.entries(keys)) {
        const data = convert(`${cert}${pem}${cert}`);
        const file: BundleFile = {
          path: 'certs/server.crt',
          data,
          mode: 0o644,
          kind: 'server-cert',
          description: '',
        };
        const preview = previewFile(file);
        expect(preview.masked, keyName).toBe(true);
        for (const line of bodyLines(pem)) expect(preview.content, `${keyName}: ${line}`).not.toContain(line);
        for (const line of cert.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----')))
          expect(preview.content).toContain(line);
      }
    });
  }

  it('a key without an END line, a DER key and a key in a conf are masked too', () => {
    const pem = keys['PKCS#8 EC'];
    const cut = pem.slice(0, pem.indexOf('-----END'));
    for (const mode of [0o600, 0o644]) {
      const preview = previewFile({ path: 'x.pem', data: cut, mode, kind: 'ca', description: '' });
      for (const line of bodyLines(pem)) expect(preview.content).not.toContain(line);
    }
    const derKey = execFileSync('openssl', ['pkey', '-outform', 'DER'], { input: pem });
    const preview = previewFile({ path: 'k.der', data: derKey, mode: 0o644, kind: 'ca', description: '' });
    expect(preview.masked).toBe(true);
    expect(preview.content).not.toContain(derKey.toString('base64').slice(0, 20));
  });
});

describe('every exported file that carries a secret is 0600 and masked in the preview', () => {
  let ws: Workspace;
  const root = tempDir('mts-secret-modes-');
  const psk = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

  beforeAll(async () => {
    ws = await exportWorkshop(join(root, 'ws'));
    const chain = certificateChain(ws, 'broker');
    const key = tlsMaterial(ws, 'broker').key;
    ws.commit([
      {
        path: 'broker/mosquitto.conf',
        data: ['listener 8883', 'cafile ca.crt', 'certfile server.crt', 'keyfile server.key', ''].join(
          '\r\n',
        ),
      },
      // The key inside the certificate file and the CA file too, all with CRLF line ends.
      { path: 'broker/server.crt', data: `${chain.cert}${key}`.replace(/\n/g, '\r\n') },
      { path: 'broker/ca.crt', data: `${chain.ca}${key}`.replace(/\n/g, '\r\n') },
      { path: 'broker/server.key', data: key.replace(/\n/g, '\r\n'), secret: true },
    ]);
  });

  const options = () => ({
    host: 'localhost',
    bridgeSettings: [
      {
        name: 'central',
        address: 'central.example:8884',
        topics: ['sensors/# out 1'],
        psk: { identity: 'site-1', key: psk },
      },
    ],
  });

  it('the preview shows no key body and no PSK (CRLF key, keys inside the certificate and CA files, bridge PSK)', () => {
    const key = tlsMaterial(ws, 'broker').key;
    const preview = previewMosquittoExport(ws, { ...options(), pathPrefix: '/etc/mosquitto' });
    for (const file of preview.files) {
      for (const line of bodyLines(key)) expect(file.content, file.path).not.toContain(line);
      expect(file.content, file.path).not.toContain(psk);
    }
    const conf = preview.files.find((f) => f.path === 'mosquitto.conf')!;
    expect(conf).toMatchObject({ masked: true, mode: '0600' });
    expect(conf.content).toMatch(/^bridge_psk ••••••••$/m);
    expect(conf.content).toContain('bridge_identity site-1');
    // The CA file carried the key: masked in place, the certificates kept, mode 0600.
    const caFile = preview.files.find((f) => f.kind === 'ca')!;
    expect(caFile).toMatchObject({ masked: true, mode: '0600' });
    expect(caFile.content).toContain('BEGIN CERTIFICATE');
    expect(caFile.content).toContain('private key, not shown');
  });

  it('written to a folder: the conf with the PSK and the CA file with the key are 0600, given to mosquitto', () => {
    const out = join(root, 'out');
    const result = exportMosquitto(ws, { ...options(), outDir: out });
    const conf = join(out, 'mosquitto.conf');
    expect(readFileSync(conf, 'utf8')).toContain(`bridge_psk ${psk}`);
    expect(statSync(conf).mode & 0o777).toBe(0o600);
    const certPath = result.files.find(
      (f) =>
        f.startsWith('certs/') &&
        f.endsWith('.crt') &&
        readFileSync(join(out, f), 'utf8').includes('PRIVATE KEY'),
    )!;
    expect(certPath).toBeDefined();
    expect(statSync(join(out, certPath)).mode & 0o777).toBe(0o600);
    for (const f of result.files) {
      const data = readFileSync(join(out, f));
      if (data.includes('PRIVATE KEY') || data.includes(psk))
        expect(statSync(join(out, f)).mode & 0o777, f).toBe(0o600);
    }
    const mosquitto = systemUser('mosquitto');
    if (process.getuid?.() === 0 && mosquitto) {
      // Written by root: chowned like the keys.
      expect(statSync(conf).uid).toBe(mosquitto.uid);
      expect(statSync(join(out, certPath)).uid).toBe(mosquitto.uid);
      expect(result.owned?.files).toEqual(expect.arrayContaining(['mosquitto.conf', certPath]));
    }
    const readme = readFileSync(join(out, 'README.txt'), 'utf8');
    expect(readme).not.toContain(psk);
  });

  it('in the .tar.gz: the same files are 0600', () => {
    const file = join(root, 'bundle.tar.gz');
    exportMosquittoTarGz(ws, { ...options(), pathPrefix: '/etc/mosquitto', file });
    const listing = execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rw------- \S+ +\d+ .* mosquitto\.conf$/m);
  });
});
