import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { openssl, opensslOk } from './helpers.js';
import {
  buildPkcs12,
  certificateUsernames,
  createCa,
  exportCertificate,
  importCertificate,
  issueCertificate,
  keyMatchesCertificate,
  listCertificates,
  parsePkcs12,
  readKey,
  signCsr,
  showCertificate,
  tlsMaterial,
} from '../../src-main/core/pki/index.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

/** Import of what users already have (made by openssl), export of what they need (read by openssl). */
describe('import: PEM, DER, PKCS#12 (modern, legacy RC2/3DES), encrypted and legacy keys', () => {
  const dir = tempDir('pki-import-');
  const f = (name: string) => join(dir, name);
  const read = (name: string) => readFileSync(f(name));

  beforeAll(async () => {
    // An openssl CA with an intermediate and a leaf: the material of an existing deployment.
    const ext = [
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ];
    await opensslOk([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('ca.key'),
      '-subj',
      '/O=Legacy/CN=Legacy Root',
      '-days',
      '100',
      '-out',
      f('ca.crt'),
      ...ext,
    ]);
    await opensslOk([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
      '-nodes',
      '-keyout',
      f('int.key'),
      '-subj',
      '/CN=Legacy Int',
      '-out',
      f('int.csr'),
    ]);
    await opensslOk([
      'req',
      '-x509',
      '-in',
      f('int.csr'),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-days',
      '50',
      '-out',
      f('int.crt'),
      ...ext,
    ]);
    await opensslOk([
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('leaf.key'),
      '-subj',
      '/CN=legacy-device',
      '-out',
      f('leaf.csr'),
    ]);
    await opensslOk([
      'req',
      '-x509',
      '-in',
      f('leaf.csr'),
      '-CA',
      f('int.crt'),
      '-CAkey',
      f('int.key'),
      '-days',
      '20',
      '-out',
      f('leaf.crt'),
      '-addext',
      'extendedKeyUsage=clientAuth',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
    ]);
    await opensslOk(['x509', '-in', f('leaf.crt'), '-outform', 'DER', '-out', f('leaf.der')]);
    await opensslOk([
      'pkcs8',
      '-topk8',
      '-in',
      f('leaf.key'),
      '-passout',
      'pass:k pass',
      '-out',
      f('leaf.enc.key'),
    ]);
    await opensslOk([
      'pkcs8',
      '-topk8',
      '-in',
      f('leaf.key'),
      '-nocrypt',
      '-outform',
      'DER',
      '-out',
      f('leaf.key.der'),
    ]);
    await opensslOk(['rsa', '-in', f('leaf.key'), '-traditional', '-out', f('leaf.pkcs1.key')]);
    await opensslOk([
      'rsa',
      '-in',
      f('leaf.key'),
      '-traditional',
      '-aes128',
      '-passout',
      'pass:k pass',
      '-out',
      f('leaf.pkcs1.enc.key'),
    ]);
    await opensslOk(['ec', '-in', f('int.key'), '-out', f('int.sec1.key')]);
    const chain = f('chain.pem');
    writeFileSync(chain, read('int.crt').toString() + read('ca.crt').toString());
    await opensslOk([
      'pkcs12',
      '-export',
      '-in',
      f('leaf.crt'),
      '-inkey',
      f('leaf.key'),
      '-certfile',
      chain,
      '-passout',
      'pass:p12',
      '-out',
      f('modern.p12'),
    ]);
    await opensslOk([
      'pkcs12',
      '-export',
      '-legacy',
      '-in',
      f('leaf.crt'),
      '-inkey',
      f('leaf.key'),
      '-certfile',
      chain,
      '-passout',
      'pass:p12',
      '-out',
      f('legacy.p12'),
    ]);
    await opensslOk([
      'pkcs12',
      '-export',
      '-in',
      f('leaf.crt'),
      '-inkey',
      f('leaf.key'),
      '-keypbe',
      'PBE-SHA1-3DES',
      '-certpbe',
      'PBE-SHA1-3DES',
      '-macalg',
      'sha1',
      '-passout',
      'pass:p12',
      '-out',
      f('3des.p12'),
    ]);
  }, 60_000);

  it('reads every key encoding to the same key', () => {
    const reference = readKey(read('leaf.key')).export({ format: 'der', type: 'pkcs8' });
    for (const [file, pass] of [
      ['leaf.enc.key', 'k pass'],
      ['leaf.key.der', undefined],
      ['leaf.pkcs1.key', undefined],
      ['leaf.pkcs1.enc.key', 'k pass'],
    ] as const) {
      expect(readKey(read(file), pass, file).export({ format: 'der', type: 'pkcs8' }), file).toEqual(
        reference,
      );
    }
    expect(readKey(read('int.sec1.key')).asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(keyMatchesCertificate(read('leaf.key'), read('leaf.crt'))).toBe(true);
    expect(keyMatchesCertificate(read('int.key'), read('leaf.crt'))).toBe(false);
  });

  it('opens PKCS#12 from openssl 3 (AES), -legacy (RC2-40/3DES) and 3DES/SHA-1 MAC', () => {
    for (const file of ['modern.p12', 'legacy.p12', '3des.p12']) {
      const contents = parsePkcs12(read(file), 'p12', file);
      expect(keyMatchesCertificate(contents.keyPem, contents.certPem), file).toBe(true);
    }
    const modern = parsePkcs12(read('modern.p12'), 'p12');
    // The chain comes back ordered: the leaf's issuer first.
    expect(modern.chainPems.map((p) => certificateUsernames(p).subject)).toEqual([
      'CN=Legacy Int',
      'CN=Legacy Root,O=Legacy',
    ]);
  });

  it('imports a whole existing hierarchy, in any order, and links issuers', async () => {
    const ws = new Workspace(join(dir, 'ws1'));
    // The leaf first (as DER, with a PKCS#1 key): its issuer is not there yet.
    const leaf = importCertificate(ws, {
      name: 'legacy-device',
      cert: read('leaf.der'),
      certFile: 'leaf.der',
      key: read('leaf.pkcs1.key'),
    });
    expect(leaf.issuerName).toBeUndefined();
    expect(leaf.hasKey).toBe(true);
    const int = importCertificate(ws, {
      name: 'legacy-int',
      cert: read('int.crt'),
      key: read('int.sec1.key'),
    });
    expect(int.kind).toBe('imported');
    expect(int.isCa).toBe(true);
    const root = importCertificate(ws, { name: 'legacy-root', cert: read('ca.crt') });
    expect(root.hasKey).toBe(false);
    const byName = Object.fromEntries(listCertificates(ws).map((c) => [c.name, c]));
    expect(byName['legacy-device']!.issuerName).toBe('legacy-int');
    expect(byName['legacy-int']!.issuerName).toBe('legacy-root');
    expect(showCertificate(ws, 'legacy-device').chainNames).toEqual([
      'legacy-device',
      'legacy-int',
      'legacy-root',
    ]);
    // An imported CA with its key issues new leaves; openssl verifies them up to the imported root.
    await issueCertificate(ws, { ca: 'legacy-int', profile: 'client', name: 'new-device', cn: 'new-device' });
    exportCertificate(ws, 'new-device', { outDir: join(dir, 'new'), format: 'pem' });
    const verified = await opensslOk([
      'verify',
      '-CAfile',
      join(dir, 'new', 'ca.crt'),
      '-untrusted',
      join(dir, 'new', 'new-device.chain.crt'),
      '-purpose',
      'sslclient',
      join(dir, 'new', 'new-device.crt'),
    ]);
    expect(verified).toContain(': OK');
    expect(tlsMaterial(ws, 'new-device').complete).toBe(true);
  });

  it('imports PKCS#12 and encrypted keys with their passphrase', () => {
    const ws = new Workspace(join(dir, 'ws2'));
    const fromP12 = importCertificate(ws, {
      name: 'p12',
      cert: read('legacy.p12'),
      certFile: 'legacy.p12',
      passphrase: 'p12',
    });
    expect(fromP12.hasKey).toBe(true);
    expect(fromP12.cn).toBe('legacy-device');
    expect(statSync(join(dir, 'ws2', 'keys', 'p12.key')).mode & 0o777).toBe(0o600);
    const ws3 = new Workspace(join(dir, 'ws3'));
    const enc = importCertificate(ws3, {
      name: 'enc',
      cert: read('leaf.crt'),
      key: read('leaf.enc.key'),
      passphrase: 'k pass',
    });
    expect(enc.hasKey).toBe(true);
    // Stored unencrypted PKCS#8, 0600.
    expect(readFileSync(join(dir, 'ws3', 'keys', 'enc.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('a combined PEM (key + certificate in one file) imports with its key', () => {
    const ws = new Workspace(join(dir, 'ws4'));
    const combined = Buffer.concat([read('leaf.key'), read('leaf.crt')]);
    expect(importCertificate(ws, { name: 'combo', cert: combined, certFile: 'combo.pem' }).hasKey).toBe(true);
  });
});

describe('export: file names and contents exactly as CLI.md says, judged by openssl', () => {
  const dir = tempDir('pki-export-');
  const ws = new Workspace(join(dir, 'ws'));
  beforeAll(async () => {
    await createCa(ws, { name: 'root', cn: 'Export Root' });
    await createCa(ws, { name: 'int', cn: 'Export Int', parent: 'root', pathLen: 1 });
    await createCa(ws, { name: 'int2', cn: 'Export Int 2', parent: 'int' });
    await issueCertificate(ws, { ca: 'int2', profile: 'server', name: 'broker', cn: 'broker.local' });
  }, 30_000);

  it('pem: NAME.crt, NAME.key (0600), NAME.chain.crt (leaf then intermediates, no root), ca.crt', async () => {
    const out = join(dir, 'pem');
    const { files } = exportCertificate(ws, 'broker', { outDir: out, format: 'pem' });
    expect(files.map((p) => p.slice(out.length + 1))).toEqual([
      'broker.crt',
      'broker.key',
      'broker.chain.crt',
      'ca.crt',
    ]);
    expect(statSync(join(out, 'broker.key')).mode & 0o777).toBe(0o600);
    const chain = readFileSync(join(out, 'broker.chain.crt'), 'utf8');
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    const subjects = (
      await opensslOk(['crl2pkcs7', '-nocrl', '-certfile', join(out, 'broker.chain.crt')]).then(
        async (p7) => {
          const r = await openssl(['pkcs7', '-print_certs', '-noout'], undefined, p7);
          return r.stdout;
        },
      )
    )
      .split('\n')
      .filter((l) => l.startsWith('subject='));
    expect(subjects).toEqual([
      'subject=CN = broker.local',
      'subject=CN = Export Int 2',
      'subject=CN = Export Int',
    ]);
    expect(await opensslOk(['x509', '-in', join(out, 'ca.crt'), '-noout', '-subject'])).toContain(
      'Export Root',
    );
    expect(
      await opensslOk([
        'verify',
        '-CAfile',
        join(out, 'ca.crt'),
        '-untrusted',
        join(out, 'broker.chain.crt'),
        '-verify_hostname',
        'broker.local',
        join(out, 'broker.crt'),
      ]),
    ).toContain(': OK');
    expect(
      keyMatchesCertificate(readFileSync(join(out, 'broker.key')), readFileSync(join(out, 'broker.crt'))),
    ).toBe(true);
  });

  it('pem with a key passphrase writes an encrypted PKCS#8 key openssl opens', async () => {
    const out = join(dir, 'pem-enc');
    exportCertificate(ws, 'broker', { outDir: out, format: 'pem', keyPassphrase: 'kp' });
    expect(readFileSync(join(out, 'broker.key'), 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(await opensslOk(['pkey', '-in', join(out, 'broker.key'), '-passin', 'pass:kp', '-noout'])).toBe(
      '',
    );
  });

  it('der: NAME.der only', async () => {
    const out = join(dir, 'der');
    const { files } = exportCertificate(ws, 'broker', { outDir: out, format: 'der' });
    expect(files).toEqual([join(out, 'broker.der')]);
    expect(await opensslOk(['x509', '-inform', 'DER', '-in', files[0]!, '-noout', '-subject'])).toContain(
      'broker.local',
    );
  });

  it('p12: NAME.p12 with key, leaf, intermediates and root, in that order', async () => {
    const out = join(dir, 'p12');
    const { files } = exportCertificate(ws, 'broker', {
      outDir: out,
      format: 'p12',
      passphrase: 'pass phrase',
    });
    expect(files).toEqual([join(out, 'broker.p12')]);
    const info = await opensslOk([
      'pkcs12',
      '-info',
      '-in',
      files[0]!,
      '-passin',
      'pass:pass phrase',
      '-nodes',
    ]);
    expect(info).toContain('PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC');
    expect(info).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC');
    expect(info.split('\n').filter((l) => l.startsWith('subject='))).toEqual([
      'subject=CN = broker.local',
      'subject=CN = Export Int 2',
      'subject=CN = Export Int',
      'subject=CN = Export Root',
    ]);
    expect(info).toContain('friendlyName: broker');
    // Our reader gives the same back.
    const back = parsePkcs12(readFileSync(files[0]!), 'pass phrase');
    expect(keyMatchesCertificate(back.keyPem, back.certPem)).toBe(true);
    expect(back.chainPems).toHaveLength(3);
  });

  it('buildPkcs12 with an empty passphrase is readable by openssl', async () => {
    const material = tlsMaterial(ws, 'broker');
    const der = buildPkcs12({ key: readKey(material.key), certPem: material.cert, passphrase: '' });
    const file = join(dir, 'empty.p12');
    writeFileSync(file, der);
    expect(await opensslOk(['pkcs12', '-info', '-in', file, '-passin', 'pass:', '-nokeys'])).toContain(
      'subject=CN = broker.local',
    );
  });

  it('signs an openssl CSR under a profile, keeping its subject and requested SANs', async () => {
    const key = join(dir, 'csr.key');
    const csr = join(dir, 'req.csr');
    await opensslOk([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-subj',
      '/O=Field/CN=gateway-3',
      '-addext',
      'subjectAltName=DNS:gw3.local,IP:192.168.7.3',
      '-out',
      csr,
    ]);
    const signed = signCsr(ws, {
      ca: 'int2',
      profile: 'server',
      name: 'gateway-3',
      csrPem: readFileSync(csr),
      csrFile: 'req.csr',
    });
    expect(signed).toMatchObject({
      kind: 'server',
      hasKey: false,
      subject: 'CN=gateway-3,O=Field',
      san: ['dns:gw3.local', 'ip:192.168.7.3'],
    });
    const out = join(dir, 'csr-out');
    exportCertificate(ws, 'gateway-3', { outDir: out, format: 'pem' });
    expect(
      await opensslOk([
        'verify',
        '-CAfile',
        join(out, 'ca.crt'),
        '-untrusted',
        join(out, 'gateway-3.chain.crt'),
        '-purpose',
        'sslserver',
        '-verify_ip',
        '192.168.7.3',
        join(out, 'gateway-3.crt'),
      ]),
    ).toContain(': OK');
    expect(keyMatchesCertificate(readFileSync(key), readFileSync(join(out, 'gateway-3.crt')))).toBe(true);
  });
});
