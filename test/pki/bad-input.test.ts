import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { expectRefusedUnchanged, opensslOk, opensslSelfSigned, snapshot } from './helpers.js';
import {
  buildCrl,
  createCa,
  deleteCertificate,
  exportCertificate,
  importCertificate,
  issueBatch,
  issueCertificate,
  revokeCertificate,
  signCsr,
} from '../../src-main/core/pki/index.js';
import { certPath } from '../../src-main/core/pki/store.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

/** Every bad input: one clear UserError naming the file, line or field — and the workspace unchanged. */
describe('bad input leaves the workspace exactly as it was', () => {
  const dir = tempDir('pki-bad-');
  const wsDir = join(dir, 'ws');
  const ws = new Workspace(wsDir);
  const f = (name: string) => join(dir, name);
  const refused = (action: () => unknown, message: RegExp) => expectRefusedUnchanged(wsDir, action, message);

  beforeAll(async () => {
    await createCa(ws, { name: 'root', cn: 'Bad Root' });
    await createCa(ws, { name: 'int', cn: 'Bad Int', parent: 'root' });
    await issueCertificate(ws, { ca: 'int', profile: 'client', name: 'device-1', cn: 'device-1' });
    // Outside material made by openssl.
    await opensslOk([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('ext.key'),
      '-subj',
      '/CN=external',
      '-days',
      '30',
      '-out',
      f('ext.crt'),
    ]);
    await opensslSelfSigned('/CN=other', { key: f('other.key'), cert: f('other.crt') }, 30);
    await opensslOk(['x509', '-in', f('ext.crt'), '-outform', 'DER', '-out', f('ext.der')]);
    await opensslOk([
      'pkcs8',
      '-topk8',
      '-in',
      f('ext.key'),
      '-passout',
      'pass:right',
      '-out',
      f('ext.enc.key'),
    ]);
    await opensslOk([
      'pkcs12',
      '-export',
      '-in',
      f('ext.crt'),
      '-inkey',
      f('ext.key'),
      '-passout',
      'pass:right',
      '-out',
      f('ext.p12'),
    ]);
    await opensslOk([
      'req',
      '-new',
      '-key',
      f('other.key'),
      '-subj',
      '/CN=csr-device',
      '-out',
      f('good.csr'),
    ]);
    writeFileSync(
      f('garbage.pem'),
      '-----BEGIN CERTIFICATE-----\nthis is not base64 at all!\n-----END CERTIFICATE-----\n',
    );
    writeFileSync(f('no-end.pem'), readFileSync(f('ext.crt'), 'utf8').split('-----END')[0]!);
    writeFileSync(f('random.bin'), Buffer.from('just some bytes that are no certificate'));
    writeFileSync(f('truncated.der'), readFileSync(f('ext.der')).subarray(0, 200));
    writeFileSync(f('empty.crt'), '');
    const pem = readFileSync(f('ext.crt'), 'utf8').split('\n');
    writeFileSync(
      f('cut.pem'),
      [...pem.slice(0, 6), pem[6]!.slice(0, 30), '-----END CERTIFICATE-----', ''].join('\n'),
    );
    // A CSR whose signature does not verify: flip a byte inside the signature.
    const csrDer = Buffer.from(
      readFileSync(f('good.csr'), 'utf8').replace(/-----[^-]+-----|\s/g, ''),
      'base64',
    );
    csrDer[csrDer.length - 3] ^= 0x01;
    writeFileSync(f('bad-sig.csr'), csrDer);
  }, 60_000);

  const read = (name: string) => readFileSync(f(name));

  it('garbage PEM names the file and line', async () => {
    await refused(
      () => importCertificate(ws, { name: 'x', cert: read('garbage.pem'), certFile: 'garbage.pem' }),
      /^garbage\.pem:2: not base64/,
    );
  });

  it('a PEM without its END line', async () => {
    await refused(
      () => importCertificate(ws, { name: 'x', cert: read('no-end.pem'), certFile: 'no-end.pem' }),
      /^no-end\.pem:1: .*no END line/,
    );
  });

  it('a PEM cut in the middle', async () => {
    await refused(
      () => importCertificate(ws, { name: 'x', cert: read('cut.pem'), certFile: 'cut.pem' }),
      /^cut\.pem:1: /,
    );
  });

  it('bytes that are neither PEM, DER nor PKCS#12', async () => {
    await refused(
      () => importCertificate(ws, { name: 'x', cert: read('random.bin'), certFile: 'random.bin' }),
      /^random\.bin: not a PEM, DER or PKCS#12/,
    );
  });

  it('a truncated DER certificate', async () => {
    await refused(
      () => importCertificate(ws, { name: 'x', cert: read('truncated.der'), certFile: 'truncated.der' }),
      /^truncated\.der: .*truncated/,
    );
  });

  it('an empty file', async () => {
    await refused(
      () => importCertificate(ws, { name: 'x', cert: read('empty.crt'), certFile: 'empty.crt' }),
      /^empty\.crt: empty file/,
    );
  });

  it('a PKCS#12 with the wrong passphrase, or none', async () => {
    await refused(
      () =>
        importCertificate(ws, { name: 'x', cert: read('ext.p12'), certFile: 'ext.p12', passphrase: 'wrong' }),
      /^ext\.p12: wrong passphrase/,
    );
    await refused(
      () => importCertificate(ws, { name: 'x', cert: read('ext.p12'), certFile: 'ext.p12' }),
      /^ext\.p12: .*give its passphrase/,
    );
  });

  it('an encrypted key with the wrong passphrase, or none', async () => {
    const base = {
      name: 'x',
      cert: read('ext.crt'),
      certFile: 'ext.crt',
      key: read('ext.enc.key'),
      keyFile: 'ext.enc.key',
    };
    await refused(
      () => importCertificate(ws, { ...base, passphrase: 'wrong' }),
      /^ext\.enc\.key: wrong passphrase/,
    );
    await refused(() => importCertificate(ws, base), /^ext\.enc\.key: .*encrypted: give its passphrase/);
  });

  it('a key that does not belong to the certificate', async () => {
    await refused(
      () =>
        importCertificate(ws, {
          name: 'x',
          cert: read('ext.crt'),
          certFile: 'ext.crt',
          key: read('other.key'),
          keyFile: 'other.key',
        }),
      /^other\.key: the private key does not belong to the certificate in ext\.crt/,
    );
  });

  it('a garbage key file', async () => {
    await refused(
      () =>
        importCertificate(ws, {
          name: 'x',
          cert: read('ext.crt'),
          certFile: 'ext.crt',
          key: read('random.bin'),
          keyFile: 'random.bin',
        }),
      /^random\.bin: not a PEM or DER private key/,
    );
  });

  it('a CA name that does not exist', async () => {
    await refused(
      () => issueCertificate(ws, { ca: 'nope', profile: 'client', name: 'x', cn: 'x' }),
      /^ca: no certificate named "nope"/,
    );
    await refused(
      () => createCa(ws, { name: 'x', cn: 'x', parent: 'nope' }),
      /^parent: no certificate named "nope"/,
    );
    await refused(
      () => issueBatch(ws, { ca: 'nope', profile: 'client', names: ['a', 'b'] }),
      /^ca: no certificate named "nope"/,
    );
    await refused(() => buildCrl(ws, 'nope'), /^ca: no certificate named "nope"/);
  });

  it('a leaf used as a CA', async () => {
    await refused(
      () => issueCertificate(ws, { ca: 'device-1', profile: 'client', name: 'x', cn: 'x' }),
      /^ca: "device-1" is not a CA/,
    );
    await refused(() => buildCrl(ws, 'device-1'), /^ca: "device-1" is not a CA/);
  });

  it('a CA under an intermediate with path length 0', async () => {
    await refused(
      () => createCa(ws, { name: 'sub', cn: 'Sub', parent: 'int' }),
      /^parent: CA "int" has path length 0/,
    );
  });

  it('a duplicate or invalid name, bad SAN, CN, days or key type', async () => {
    await refused(
      () => issueCertificate(ws, { ca: 'int', profile: 'client', name: 'device-1', cn: 'x' }),
      /^name: a certificate named "device-1" already exists/,
    );
    await refused(
      () => issueCertificate(ws, { ca: 'int', profile: 'client', name: '../evil', cn: 'x' }),
      /^name: "\.\.\/evil" is not a valid name/,
    );
    await refused(
      () => issueCertificate(ws, { ca: 'int', profile: 'server', name: 's', cn: 'x', san: ['dns:bad host'] }),
      /^san: "bad host" is not a DNS name/,
    );
    await refused(
      () => issueCertificate(ws, { ca: 'int', profile: 'server', name: 's', cn: 'x', san: ['ip:300.1.1.1'] }),
      /^san: "300\.1\.1\.1" is not an IP address/,
    );
    await refused(
      () => issueCertificate(ws, { ca: 'int', profile: 'server', name: 's', cn: 'My Broker' }),
      /^san: a server certificate needs a subject alternative name/,
    );
    await refused(
      () => issueCertificate(ws, { ca: 'int', profile: 'client', name: 's', cn: '' }),
      /^cn: a common name is required/,
    );
    await refused(
      () => issueCertificate(ws, { ca: 'int', profile: 'client', name: 's', cn: 'x', days: 0 }),
      /^days: must be a whole number/,
    );
    await refused(
      () => issueCertificate(ws, { ca: 'int', profile: 'client', name: 's', cn: 'x', days: 5000 }),
      /^days: 5000 days would outlive CA "int"/,
    );
    await refused(
      () =>
        issueCertificate(ws, {
          ca: 'int',
          profile: 'client',
          name: 's',
          cn: 'x',
          keyType: 'rsa-1024' as never,
        }),
      /^keyType: unknown key type "rsa-1024"/,
    );
    await refused(
      () => issueBatch(ws, { ca: 'int', profile: 'client', names: ['ok-1', 'device-1'] }),
      /^names\[1\]: a certificate named "device-1" already exists/,
    );
    await refused(
      () => issueBatch(ws, { ca: 'int', profile: 'client', names: ['a', 'a'] }),
      /^names\[1\]: "a" appears twice/,
    );
  });

  it('a garbage CSR, and a CSR whose signature does not verify', async () => {
    await refused(
      () =>
        signCsr(ws, {
          ca: 'int',
          profile: 'client',
          name: 'c',
          csrPem: read('garbage.pem'),
          csrFile: 'garbage.pem',
        }),
      /^garbage\.pem/,
    );
    await refused(
      () =>
        signCsr(ws, {
          ca: 'int',
          profile: 'client',
          name: 'c',
          csrPem: read('bad-sig.csr'),
          csrFile: 'bad-sig.csr',
        }),
      /^bad-sig\.csr: the request's signature does not verify/,
    );
  });

  it('the same certificate imported twice', async () => {
    const before = snapshot(wsDir);
    importCertificate(ws, { name: 'ext', cert: read('ext.crt'), certFile: 'ext.crt' });
    await refused(
      () => importCertificate(ws, { name: 'ext2', cert: read('ext.der'), certFile: 'ext.der' }),
      /^ext\.der: this certificate is already in the workspace as "ext"/,
    );
    deleteCertificate(ws, 'ext');
    expect(snapshot(wsDir)).toEqual(before);
  });

  it('revoking what cannot be revoked, deleting a CA that issued others', async () => {
    await refused(() => revokeCertificate(ws, 'nope'), /^name: no certificate named "nope"/);
    await refused(() => revokeCertificate(ws, 'root'), /^name: "root" is a self-signed root/);
    await refused(
      () => revokeCertificate(ws, 'device-1', 'because'),
      /^reason: unknown revocation reason "because"/,
    );
    await refused(
      () => deleteCertificate(ws, 'int'),
      /^name: "int" issued 1 certificate \(device-1\); delete those first/,
    );
  });

  it('a damaged index names the file', async () => {
    const index = ws.path('certificates.json');
    const good = readFileSync(index);
    writeFileSync(index, '{ "format": 1, "certificates": [ ');
    try {
      await refused(
        () => issueCertificate(ws, { ca: 'int', profile: 'client', name: 'x', cn: 'x' }),
        /certificates\.json: not valid JSON/,
      );
    } finally {
      writeFileSync(index, good);
    }
  });

  it('a damaged certificate file in the workspace names the file', async () => {
    const file = ws.path(certPath('int'));
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, 100));
    try {
      await refused(
        () => issueCertificate(ws, { ca: 'int', profile: 'client', name: 'x', cn: 'x' }),
        /certs\/int\.crt:1: /,
      );
    } finally {
      writeFileSync(file, good);
    }
  });

  it('an export that cannot happen writes nothing', async () => {
    const out = join(dir, 'out');
    await refused(
      () => exportCertificate(ws, 'device-1', { outDir: out, format: 'p12' }),
      /^passphrase: a PKCS#12 export needs a passphrase/,
    );
    expect(snapshot(out)).toEqual({});
    await refused(
      () => exportCertificate(ws, 'nope', { outDir: out, format: 'pem' }),
      /^name: no certificate named "nope"/,
    );
    expect(snapshot(out)).toEqual({});
  });
});
