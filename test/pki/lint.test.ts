import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { opensslOk, opensslSelfSigned } from './helpers.js';
import {
  createCa,
  issueCertificate,
  lintCertificate,
  lintWorkspaceCertificate,
  revokeCertificate,
} from '../../src-main/core/pki/index.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

/** Each MQTT pitfall, in a certificate made the wrong way by openssl, is found with a fix. */
describe('lintCertificate', () => {
  const dir = tempDir('pki-lint-');
  const f = (name: string) => join(dir, name);
  const codes = (file: string, options: { issuer?: string; profile?: 'server' | 'client' } = {}) =>
    lintCertificate({
      certPem: readFileSync(f(file)),
      ...(options.issuer ? { issuerPem: readFileSync(f(options.issuer)) } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
    }).map((x) => x.code);

  beforeAll(async () => {
    const ca = [
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ];
    await opensslSelfSigned('/CN=Lint CA', { key: f('ca.key'), cert: f('ca.crt') }, 1000, ca);
    const leaf = async (
      name: string,
      args: string[],
      key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ) => {
      await opensslOk([
        'req',
        '-new',
        ...key,
        '-nodes',
        '-keyout',
        f(`${name}.key`),
        '-subj',
        `/CN=${name === 'ip-cn' ? '192.168.1.10' : name}`,
        '-out',
        f(`${name}.csr`),
      ]);
      await opensslOk([
        'req',
        '-x509',
        '-in',
        f(`${name}.csr`),
        '-CA',
        f('ca.crt'),
        '-CAkey',
        f('ca.key'),
        '-out',
        f(`${name}.crt`),
        ...args,
      ]);
    };
    const server = [
      '-addext',
      'extendedKeyUsage=serverAuth',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
    ];
    await leaf('good.local', ['-days', '90', ...server, '-addext', 'subjectAltName=DNS:good.local']);
    await leaf('no-san', ['-days', '20', ...server]);
    await leaf('ip-cn', ['-days', '20', ...server, '-addext', 'subjectAltName=DNS:other.local']);
    await leaf('no-eku', ['-days', '20', '-addext', 'basicConstraints=critical,CA:FALSE']);
    await leaf('sha1', ['-days', '20', '-sha1', ...server, '-addext', 'subjectAltName=DNS:sha1']);
    await leaf(
      'rsa1024',
      ['-days', '20', ...server, '-addext', 'subjectAltName=DNS:rsa1024'],
      ['-newkey', 'rsa:1024'],
    );
    await leaf('outlives', ['-days', '2000', ...server, '-addext', 'subjectAltName=DNS:outlives']);
    await leaf('soon', ['-days', '3', ...server, '-addext', 'subjectAltName=DNS:soon']);
    await leaf('client-as-server', [
      '-days',
      '90',
      '-addext',
      'extendedKeyUsage=clientAuth',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
    ]);
    await opensslSelfSigned('/CN=Bad CA', { key: f('bad-ca.key'), cert: f('bad-ca.crt') }, 30, [
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,digitalSignature',
    ]);
    await opensslOk([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      f('self.key'),
      '-subj',
      '/CN=self.local',
      '-days',
      '30',
      '-out',
      f('self.crt'),
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'extendedKeyUsage=serverAuth',
      '-addext',
      'subjectAltName=DNS:self.local',
    ]);
  }, 60_000);

  it('a proper server certificate has no error', () => {
    expect(
      lintCertificate({
        certPem: readFileSync(f('good.local.crt')),
        issuerPem: readFileSync(f('ca.crt')),
      }).filter((x) => x.severity !== 'info'),
    ).toEqual([]);
  });

  it.each([
    ['no-san.crt', 'SERVER_WITHOUT_SAN'],
    ['ip-cn.crt', 'IP_ONLY_IN_CN'],
    ['no-eku.crt', 'MISSING_EKU'],
    ['sha1.crt', 'WEAK_SIGNATURE'],
    ['rsa1024.crt', 'RSA_TOO_SMALL'],
    ['soon.crt', 'EXPIRING_SOON'],
    ['bad-ca.crt', 'CA_WITHOUT_KEY_CERT_SIGN'],
    ['self.crt', 'SELF_SIGNED_LEAF'],
  ])('%s → %s', (file, code) => {
    const findings = lintCertificate({ certPem: readFileSync(f(file)) });
    const found = findings.find((x) => x.code === code);
    expect(found, JSON.stringify(findings)).toBeDefined();
    expect(found!.fix.length).toBeGreaterThan(10);
  });

  it('a leaf that outlives its issuer, and a client certificate used as a server', () => {
    expect(codes('outlives.crt', { issuer: 'ca.crt' })).toContain('OUTLIVES_ISSUER');
    expect(codes('client-as-server.crt', { profile: 'server' })).toContain('WRONG_EKU');
  });

  it('what the workshop issues lints clean, and a revoked one says so', async () => {
    const ws = new Workspace(join(dir, 'ws'));
    await createCa(ws, { name: 'root', cn: 'Clean Root' });
    await createCa(ws, { name: 'int', cn: 'Clean Int', parent: 'root' });
    await issueCertificate(ws, {
      ca: 'int',
      profile: 'server',
      name: 'srv',
      cn: 'mqtt.example.com',
      san: ['dns:mqtt.example.com', 'ip:10.0.0.1'],
    });
    await issueCertificate(ws, { ca: 'int', profile: 'client', name: 'dev', cn: 'dev', keyType: 'rsa-2048' });
    for (const name of ['root', 'int', 'srv', 'dev'])
      expect(lintWorkspaceCertificate(ws, name), name).toEqual([]);
    await issueCertificate(ws, { ca: 'int', profile: 'client', name: 'ed', cn: 'ed', keyType: 'ed25519' });
    expect(lintWorkspaceCertificate(ws, 'ed').map((x) => x.code)).toEqual(['EDDSA_KEY']);
    revokeCertificate(ws, 'dev');
    expect(lintWorkspaceCertificate(ws, 'dev').map((x) => x.code)).toEqual(['REVOKED']);
  });
});
