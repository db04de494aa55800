/**
 * Import of a bundle — a PKCS#12 with its CA certificates, PEM files with several certificates in any
 * order, concatenated DER, PKCS#7 — all made by openssl: the CAs become root/intermediate entries of
 * their own, linked leaf → intermediate → root, in one commit; `openssl verify` accepts the chain the
 * workspace then exports. Bundles that are not one chain are refused with the workspace unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { expectRefusedUnchanged, opensslOk } from './helpers.js';
import {
  createCa,
  exportCertificate,
  importCertificate,
  listCertificates,
  showCertificate,
} from '../../src-main/core/pki/index.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { ApiService } from '../../src-main/api/service.js';

/** Every order of a list (6 for three certificates). */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('import of a certificate bundle brings its CA chain', () => {
  const dir = tempDir('pki-bundle-');
  const f = (name: string) => join(dir, name);
  const read = (name: string) => readFileSync(f(name));
  const text = (name: string) => readFileSync(f(name), 'utf8');
  let n = 0;
  const freshWorkspace = () => new Workspace(f(`ws-${++n}`));

  /** An EC P-256 certificate by `openssl req -x509`: self-signed, or signed by `ca` (OpenSSL 3's -CA). */
  const opensslCert = (name: string, subject: string, extra: string[], ca?: string) =>
    opensslOk([
      'req',
      '-x509',
      ...['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', f(`${name}.key`), '-subj', subject, '-days', '30'],
      ...(ca ? ['-CA', f(`${ca}.crt`), '-CAkey', f(`${ca}.key`)] : []),
      ...extra.flatMap((ext) => ['-addext', ext]),
      ...['-out', f(`${name}.crt`)],
    ]);
  /** A PKCS#12 of the leaf and its key, with `certfile` as the extra certificates (-certfile). */
  const pkcs12 = (out: string, certfile: string) =>
    opensslOk([
      ...['pkcs12', '-export', '-in', f('leaf.crt'), '-inkey', f('leaf.key')],
      ...['-certfile', f(certfile), '-passout', 'pass:bundle', '-out', f(out)],
    ]);

  beforeAll(async () => {
    // root → issuing → leaf (server), and an unrelated root, all by openssl.
    const ca = 'keyUsage=critical,keyCertSign,cRLSign';
    await opensslCert('root', '/O=Bundle Test/CN=Bundle Root CA', [ca]);
    await opensslCert(
      'int',
      '/CN=Bundle Issuing CA',
      ['basicConstraints=critical,CA:TRUE,pathlen:0', ca],
      'root',
    );
    await opensslCert(
      'leaf',
      '/CN=bundle.test',
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=DNS:bundle.test',
      ],
      'int',
    );
    await opensslCert('stranger', '/CN=Stranger Root', [ca]);
    // Same name as the intermediate, another key: it did not sign the leaf.
    await opensslCert('impostor', '/CN=Bundle Issuing CA', [ca]);
    for (const name of ['root', 'int', 'leaf'])
      await opensslOk(['x509', '-in', f(`${name}.crt`), '-outform', 'DER', '-out', f(`${name}.der`)]);
    writeFileSync(f('int-root.crt'), text('int.crt') + text('root.crt'));
    writeFileSync(f('with-stranger.crt'), text('int.crt') + text('stranger.crt') + text('root.crt'));
    writeFileSync(f('root-int-leaf.crt'), text('root.crt') + text('int.crt') + text('leaf.crt'));
    await pkcs12('full.p12', 'int-root.crt');
    await pkcs12('no-root.p12', 'int.crt');
    await pkcs12('stranger.p12', 'with-stranger.crt');
    // A PKCS#7 (.p7b) of the three, root first.
    await opensslOk([
      ...['crl2pkcs7', '-nocrl', '-certfile', f('root-int-leaf.crt')],
      ...['-outform', 'DER', '-out', f('chain.p7b')],
    ]);
  }, 60_000);

  /** `openssl verify` of what the workspace exports for `name`: ca.crt + NAME.chain.crt. */
  async function opensslAcceptsExport(ws: Workspace, name: string): Promise<void> {
    const out = f(`export-${n}-${name}`);
    exportCertificate(ws, name, { outDir: out, format: 'pem' });
    const chain = readFileSync(join(out, `${name}.chain.crt`), 'utf8');
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(readFileSync(join(out, 'ca.crt'), 'utf8')).toBe(text('root.crt').replace(/\r\n/g, '\n'));
    const verdict = await opensslOk(
      ['verify', '-CAfile', join(out, 'ca.crt'), '-untrusted', join(out, `${name}.chain.crt`)].concat([
        '-purpose',
        'sslserver',
        '-verify_hostname',
        'bundle.test',
        join(out, `${name}.crt`),
      ]),
    );
    expect(verdict).toContain(': OK');
  }

  function expectLinkedChain(ws: Workspace, leafName: string) {
    const byName = Object.fromEntries(listCertificates(ws).map((c) => [c.name, c]));
    expect(byName[leafName]).toMatchObject({
      kind: 'imported',
      cn: 'bundle.test',
      issuerName: 'Bundle-Issuing-CA',
    });
    expect(byName['Bundle-Issuing-CA']).toMatchObject({
      kind: 'intermediate-ca',
      hasKey: false,
      isCa: true,
      issuerName: 'Bundle-Root-CA',
    });
    expect(byName['Bundle-Root-CA']).toMatchObject({ kind: 'root-ca', hasKey: false, isCa: true });
    expect(byName['Bundle-Root-CA']!.issuerName).toBeUndefined();
    expect(showCertificate(ws, leafName).chainNames).toEqual([
      leafName,
      'Bundle-Issuing-CA',
      'Bundle-Root-CA',
    ]);
  }

  it('PKCS#12 with intermediate and root (-certfile): three entries, linked, openssl verifies the export', async () => {
    const ws = freshWorkspace();
    const result = importCertificate(ws, {
      name: 'gateway',
      cert: read('full.p12'),
      certFile: 'full.p12',
      passphrase: 'bundle',
    });
    expect(result.name).toBe('gateway');
    expect(result.hasKey).toBe(true);
    expect(result.chain.map((c) => [c.name, c.kind])).toEqual([
      ['Bundle-Issuing-CA', 'intermediate-ca'],
      ['Bundle-Root-CA', 'root-ca'],
    ]);
    expect(result.chainKnown).toEqual([]);
    expectLinkedChain(ws, 'gateway');
    // Only the leaf's key is stored; the CAs have none.
    expect(ws.exists('keys/gateway.key')).toBe(true);
    expect(ws.exists('keys/Bundle-Issuing-CA.key')).toBe(false);
    expect(ws.readText('certs/Bundle-Root-CA.crt')).toBe(text('root.crt'));
    await opensslAcceptsExport(ws, 'gateway');
  });

  it('a PEM bundle in every order of leaf, intermediate and root gives the same workspace', () => {
    const parts = ['leaf.crt', 'int.crt', 'root.crt'];
    const outcomes = permutations(parts).map((order) => {
      const ws = freshWorkspace();
      const bundle = order.map(text).join('');
      const result = importCertificate(ws, {
        name: 'device',
        cert: Buffer.from(bundle),
        certFile: 'bundle.pem',
      });
      expectLinkedChain(ws, 'device');
      return JSON.stringify([result.name, result.chain.map((c) => c.name), listCertificates(ws).length]);
    });
    expect(new Set(outcomes)).toEqual(
      new Set([JSON.stringify(['device', ['Bundle-Issuing-CA', 'Bundle-Root-CA'], 3])]),
    );
  });

  it('DER certificates one after the other, and a PKCS#7 (.p7b), in any order', async () => {
    for (const [file, data] of [
      ['chain.der', Buffer.concat([read('root.der'), read('leaf.der'), read('int.der')])],
      ['chain.p7b', read('chain.p7b')],
    ] as const) {
      const ws = freshWorkspace();
      const result = importCertificate(ws, { name: 'device', cert: data, certFile: file });
      expect(
        result.chain.map((c) => c.name),
        file,
      ).toEqual(['Bundle-Issuing-CA', 'Bundle-Root-CA']);
      expectLinkedChain(ws, 'device');
    }
  });

  it('a bundle without the root: the intermediate hangs under the root the workspace holds, or stays on top', async () => {
    // Workspace without the root: leaf → intermediate, its issuer outside.
    const bare = freshWorkspace();
    const partial = importCertificate(bare, {
      name: 'gateway',
      cert: read('no-root.p12'),
      certFile: 'no-root.p12',
      passphrase: 'bundle',
    });
    expect(partial.chain.map((c) => c.name)).toEqual(['Bundle-Issuing-CA']);
    expect(partial.chain[0]!.issuerName).toBeUndefined();
    // The root imported afterwards becomes the intermediate's issuer.
    importCertificate(bare, { name: 'later-root', cert: read('root.crt'), certFile: 'root.crt' });
    expect(showCertificate(bare, 'gateway').chainNames).toEqual([
      'gateway',
      'Bundle-Issuing-CA',
      'later-root',
    ]);

    // Workspace that already holds the root (under its own name) and a certificate named like the CA.
    const ws = freshWorkspace();
    importCertificate(ws, { name: 'corp-root', cert: read('root.der'), certFile: 'root.der' });
    await createCa(ws, { name: 'Bundle-Issuing-CA', cn: 'Some Other CA' });
    const result = importCertificate(ws, {
      name: 'gateway',
      cert: read('full.p12'),
      certFile: 'full.p12',
      passphrase: 'bundle',
    });
    expect(result.chain.map((c) => [c.name, c.kind, c.issuerName])).toEqual([
      ['Bundle-Issuing-CA-2', 'intermediate-ca', 'corp-root'],
    ]);
    expect(result.chainKnown).toEqual([{ name: 'corp-root', subject: 'CN=Bundle Root CA,O=Bundle Test' }]);
    expect(showCertificate(ws, 'gateway').chainNames).toEqual([
      'gateway',
      'Bundle-Issuing-CA-2',
      'corp-root',
    ]);
    expect(listCertificates(ws)).toHaveLength(4);
    const out = f('export-known-root');
    exportCertificate(ws, 'gateway', { outDir: out, format: 'pem' });
    expect(
      await opensslOk([
        'verify',
        '-CAfile',
        join(out, 'ca.crt'),
        '-untrusted',
        join(out, 'gateway.chain.crt'),
        join(out, 'gateway.crt'),
      ]),
    ).toContain(': OK');
  });

  describe('a bad bundle is one clear error and the workspace is unchanged', () => {
    const ws = new Workspace(f('ws-bad'));
    const refused = (action: () => unknown, message: RegExp) =>
      expectRefusedUnchanged(f('ws-bad'), action, message);
    beforeAll(async () => {
      await createCa(ws, { name: 'root', cn: 'Our Root' });
      importCertificate(ws, { name: 'int-known', cert: read('int.crt'), certFile: 'int.crt' });
    });

    it('a certificate that does not chain (PEM, PKCS#12)', async () => {
      const pem = Buffer.from(text('leaf.crt') + text('stranger.crt') + text('int.crt') + text('root.crt'));
      await refused(
        () => importCertificate(ws, { name: 'x', cert: pem, certFile: 'mixed.pem' }),
        /^mixed\.pem: CN=Stranger Root \(line \d+\) is not an issuer on the chain of CN=bundle\.test \(line 1\)/,
      );
      await refused(
        () =>
          importCertificate(ws, {
            name: 'x',
            cert: read('stranger.p12'),
            certFile: 'stranger.p12',
            passphrase: 'bundle',
          }),
        /^stranger\.p12: CN=Stranger Root \(PKCS#12 certificate \d\) is not an issuer on the chain of CN=bundle\.test/,
      );
    });

    it('a gap in the chain, and a CA with the right name but another key', async () => {
      await refused(
        () =>
          importCertificate(ws, {
            name: 'x',
            cert: Buffer.from(text('root.crt') + text('leaf.crt')),
            certFile: 'gap.pem',
          }),
        /^gap\.pem: CN=Bundle Root CA,O=Bundle Test \(line 1\) is not an issuer on the chain of CN=bundle\.test \(line \d+\); the issuer of CN=bundle\.test \(CN=Bundle Issuing CA\) is missing from the bundle$/,
      );
      await refused(
        () =>
          importCertificate(ws, {
            name: 'x',
            cert: Buffer.from(text('impostor.crt') + text('leaf.crt')),
            certFile: 'impostor.pem',
          }),
        /^impostor\.pem: CN=Bundle Issuing CA \(line 1\) is not an issuer on the chain of CN=bundle\.test .*; it has the name of the issuer of CN=bundle\.test but did not sign it \(another key\)$/,
      );
    });

    it('two certificates that are not one chain (two roots, no leaf)', async () => {
      await refused(
        () =>
          importCertificate(ws, {
            name: 'x',
            cert: Buffer.from(text('stranger.crt') + text('impostor.crt')),
            certFile: 'two.pem',
          }),
        /^two\.pem: the bundle is not one chain: CN=Stranger Root \(line 1\) and CN=Bundle Issuing CA \(line \d+\) each stand on their own; import them one at a time$/,
      );
    });

    it('garbage in the middle of a PEM or a DER bundle', async () => {
      const pem =
        text('leaf.crt') + '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n';
      await refused(
        () =>
          importCertificate(ws, { name: 'x', cert: Buffer.from(pem + text('int.crt')), certFile: 'bad.pem' }),
        /^bad\.pem:\d+: not base64 inside the CERTIFICATE block/,
      );
      const notACert = `-----BEGIN CERTIFICATE-----\n${Buffer.from('0\x03\x02\x01\x05').toString('base64')}\n-----END CERTIFICATE-----\n`;
      await refused(
        () =>
          importCertificate(ws, {
            name: 'x',
            cert: Buffer.from(text('leaf.crt') + notACert + text('int.crt')),
            certFile: 'bad2.pem',
          }),
        /^bad2\.pem:\d+: not a valid X\.509 certificate/,
      );
      const leafDer = read('leaf.der');
      const der = Buffer.concat([leafDer, Buffer.from('garbage bytes in the middle'), read('int.der')]);
      await refused(
        () => importCertificate(ws, { name: 'x', cert: der, certFile: 'bad.der' }),
        new RegExp(`^bad\\.der: byte ${leafDer.length}: not a DER certificate`),
      );
    });

    it('a key that belongs to none of the bundle, and a good bundle under a taken name', async () => {
      await refused(
        () =>
          importCertificate(ws, {
            name: 'x',
            cert: read('root-int-leaf.crt'),
            certFile: 'chain.pem',
            key: read('stranger.key'),
            keyFile: 'stranger.key',
          }),
        /^stranger\.key: the private key does not belong to the certificate in chain\.pem/,
      );
      await refused(
        () => importCertificate(ws, { name: 'root', cert: read('root-int-leaf.crt'), certFile: 'chain.pem' }),
        /^name: a certificate named "root" already exists/,
      );
    });
  });

  it('api: pki.import returns the chain, announces every new entry, and the workspace verdict is OK', async () => {
    const service = new ApiService({ workspaceDir: f('ws-api'), surface: 'cli' });
    const events: unknown[] = [];
    service.onEvent((topic, data) => events.push({ topic, data }));
    const result = (await service.invoke('pki.import', {
      name: 'gateway',
      cert: read('full.p12').toString('base64'),
      certFile: 'full.p12',
      passphrase: 'bundle',
    })) as { chain: Array<{ name: string }> };
    expect(result.chain.map((c) => c.name)).toEqual(['Bundle-Issuing-CA', 'Bundle-Root-CA']);
    expect(events).toEqual([
      { topic: 'pki.changed', data: { names: ['gateway', 'Bundle-Issuing-CA', 'Bundle-Root-CA'] } },
    ]);
    // Its CA came without a key, so there is no CRL to check: the verdict does not fail on CRL_MISSING.
    const verdict = (await service.invoke('pki.verifyWorkspace', {
      name: 'gateway',
      host: 'bundle.test',
    })) as {
      ok: boolean;
      steps: Array<{ name: string }>;
    };
    expect(verdict.ok).toBe(true);
    expect(verdict.steps.map((x) => x.name)).not.toContain('Revocation');
  });

  it('CLI: cert import prints the chain it added; --json lists it', async () => {
    const wsDir = f('ws-cli');
    writeFileSync(f('pass.txt'), 'bundle\n');
    const importArgs = (name: string, file: string, ...more: string[]) => [
      ...['cert', 'import', '--name', name, '--cert', f(file), ...more, '--workspace', wsDir],
    ];
    const human = await cli(importArgs('gw', 'no-root.p12', '--passphrase-file', f('pass.txt')));
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(
      'Imported imported certificate "gw" (CN=bundle.test) signed by "Bundle-Issuing-CA"',
    );
    expect(human.stdout).toContain(
      'Imported intermediate CA "Bundle-Issuing-CA" (CN=Bundle Issuing CA) from the bundle, no key',
    );
    expect(human.stdout).toContain('its issuer (CN=Bundle Root CA,O=Bundle Test) is not in the workspace');
    // The same leaf again (in a .p7b with the root): refused, nothing added.
    const again = await cli(importArgs('gw2', 'chain.p7b', '--json'));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^error: \S*chain\.p7b: this certificate is already in the workspace as "gw"\n$/,
    );
    // The root alone, then a .p7b of another workspace with --json.
    // The root alone afterwards: the bundle's intermediate hangs under it.
    const root = await cli(importArgs('corp-root', 'root.der'));
    expect(root.code, root.stderr).toBe(0);
    const list = JSON.parse((await cli(['cert', 'list', '--json', '--workspace', wsDir])).stdout);
    expect(list.map((c: { name: string; issuerName?: string }) => `${c.name}<${c.issuerName ?? ''}`)).toEqual(
      ['gw<Bundle-Issuing-CA', 'Bundle-Issuing-CA<corp-root', 'corp-root<'],
    );
    const doc = JSON.parse(
      (
        await cli([
          'cert',
          'import',
          '--name',
          'gw',
          '--cert',
          f('chain.p7b'),
          '--json',
          '--workspace',
          f('ws-cli-2'),
        ])
      ).stdout,
    );
    expect(doc).toMatchObject({ name: 'gw', kind: 'imported', issuerName: 'Bundle-Issuing-CA' });
    expect(doc.chain.map((c: { name: string; kind: string }) => `${c.name}:${c.kind}`)).toEqual([
      'Bundle-Issuing-CA:intermediate-ca',
      'Bundle-Root-CA:root-ca',
    ]);
    expect(doc.chainKnown).toEqual([]);
  });
});
