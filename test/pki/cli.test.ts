/** The certificate verbs of CLI.md through the built CLI (a real process), judged by openssl. */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { opensslOk, snapshot } from './helpers.js';

describe('certificate CLI verbs', () => {
  const dir = tempDir('pki-cli-');
  const wsDir = join(dir, 'ws');
  const run = (...args: string[]) => cli([...args, '--workspace', wsDir], { timeoutMs: 30_000 });
  const f = (name: string) => join(dir, name);

  beforeAll(async () => {
    expect((await run('ca', 'create', '--name', 'root', '--cn', 'CLI Root')).code).toBe(0);
    expect(
      (await run('ca', 'create', '--name', 'int', '--cn', 'CLI Int', '--parent', 'root', '--key', 'ec-p384'))
        .code,
    ).toBe(0);
  }, 60_000);

  it('ca create and cert issue print what they made; --json prints the summary', async () => {
    const server = await run(
      'cert',
      'issue',
      '--ca',
      'int',
      '--profile',
      'server',
      '--name',
      'broker',
      '--cn',
      'broker.local',
      '--san',
      'dns:broker.local,ip:127.0.0.1',
      '--san',
      'dns:localhost',
    );
    expect(server.code).toBe(0);
    expect(server.stdout).toContain('Issued server certificate "broker" (CN=broker.local) signed by "int"');
    expect(server.stdout).toContain('SAN dns:broker.local, ip:127.0.0.1, dns:localhost');
    const client = await run(
      'cert',
      'issue',
      '--ca',
      'int',
      '--profile',
      'client',
      '--name',
      'device-1',
      '--cn',
      'device-1',
      '--key',
      'rsa-2048',
      '--days',
      '30',
      '--json',
    );
    expect(client.code).toBe(0);
    expect(JSON.parse(client.stdout)).toMatchObject({
      name: 'device-1',
      kind: 'client',
      keyType: 'rsa-2048',
      issuerName: 'int',
      hasKey: true,
    });
  });

  it('cert list and cert show (human and --json)', async () => {
    const list = await run('cert', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+KIND\s+CN\s+ISSUER\s+KEY\s+EXPIRES\s+STATUS$/);
    expect(list.stdout).toMatch(
      /^broker\s+server\s+broker\.local\s+int\s+ec-p256\s+\d{4}-\d\d-\d\d\s+valid$/m,
    );
    const json = JSON.parse((await run('cert', 'list', '--json')).stdout);
    expect(json.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['root', 'int', 'broker', 'device-1']),
    );
    const show = await run('cert', 'show', 'broker');
    expect(show.stdout).toMatch(/^Subject\s+CN=broker\.local$/m);
    expect(show.stdout).toMatch(/^Chain\s+broker → int → root$/m);
    expect(show.stdout).toMatch(/^Extended key usage\s+serverAuth$/m);
    const doc = JSON.parse((await run('cert', 'show', 'broker', '--json')).stdout);
    expect(doc.detail.subject.rfc2253).toBe('CN=broker.local');
    expect(JSON.stringify(doc)).not.toContain('PRIVATE KEY');
  });

  it('cert export writes the files CLI.md names; p12 with --passphrase-file', async () => {
    const out = f('export');
    const pem = await run('cert', 'export', 'broker', '--out', out);
    expect(pem.code).toBe(0);
    for (const name of ['broker.crt', 'broker.key', 'broker.chain.crt', 'ca.crt'])
      expect(existsSync(join(out, name)), name).toBe(true);
    expect(statSync(join(out, 'broker.key')).mode & 0o777).toBe(0o600);
    expect(
      await opensslOk([
        'verify',
        '-CAfile',
        join(out, 'ca.crt'),
        '-untrusted',
        join(out, 'broker.chain.crt'),
        join(out, 'broker.crt'),
      ]),
    ).toContain(': OK');
    expect((await run('cert', 'export', 'broker', '--out', out, '--format', 'der')).code).toBe(0);
    expect(existsSync(join(out, 'broker.der'))).toBe(true);
    writeFileSync(f('pass.txt'), 'cli secret\n');
    expect(
      (
        await run(
          'cert',
          'export',
          'device-1',
          '--out',
          out,
          '--format',
          'p12',
          '--passphrase-file',
          f('pass.txt'),
        )
      ).code,
    ).toBe(0);
    expect(
      await opensslOk([
        'pkcs12',
        '-info',
        '-in',
        join(out, 'device-1.p12'),
        '-passin',
        'pass:cli secret',
        '-nokeys',
      ]),
    ).toContain('subject=CN = device-1');
  });

  it('cert sign-csr and cert import', async () => {
    await opensslOk([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      f('dev9.key'),
      '-subj',
      '/CN=dev-9',
      '-out',
      f('dev9.csr'),
    ]);
    const signed = await run(
      'cert',
      'sign-csr',
      '--ca',
      'int',
      '--profile',
      'client',
      '--csr',
      f('dev9.csr'),
      '--name',
      'dev-9',
    );
    expect(signed.code).toBe(0);
    expect(signed.stdout).toContain('Signed client certificate "dev-9" (CN=dev-9)');
    await opensslOk([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('old.key'),
      '-subj',
      '/CN=old-broker',
      '-days',
      '30',
      '-out',
      f('old.crt'),
    ]);
    await opensslOk([
      'pkcs12',
      '-export',
      '-in',
      f('old.crt'),
      '-inkey',
      f('old.key'),
      '-passout',
      'pass:cli secret',
      '-out',
      f('old.p12'),
    ]);
    const imported = await run(
      'cert',
      'import',
      '--name',
      'old',
      '--cert',
      f('old.p12'),
      '--passphrase-file',
      f('pass.txt'),
      '--json',
    );
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      name: 'old',
      kind: 'imported',
      hasKey: true,
      cn: 'old-broker',
    });
  });

  it('cert revoke, crl --out, and verify agree with openssl', async () => {
    expect(
      (
        await run(
          'cert',
          'issue',
          '--ca',
          'int',
          '--profile',
          'client',
          '--name',
          'device-2',
          '--cn',
          'device-2',
        )
      ).code,
    ).toBe(0);
    const revoke = await run('cert', 'revoke', 'device-2', '--reason', 'keyCompromise');
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toContain('Revoked "device-2"');
    const crl = await run('crl', '--ca', 'int', '--out', f('int.crl'));
    expect(crl.code).toBe(0);
    expect(crl.stdout).toMatch(/^CRL #\d+ of "int" with 1 revoked certificate\(s\)/);
    expect(readFileSync(f('int.crl'), 'utf8')).toMatch(/^-----BEGIN X509 CRL-----/);
    const out = f('dev2');
    await run('cert', 'export', 'device-2', '--out', out);
    const verify = (...args: string[]) =>
      run('verify', join(out, 'device-2.crt'), '--ca', join(out, 'ca.crt'), ...args);
    const ok = await verify('--untrusted', join(out, 'device-2.chain.crt'), '--purpose', 'client');
    expect([ok.code, ok.stdout.trim()]).toEqual([0, 'OK']);
    const revoked = await verify('--untrusted', join(out, 'device-2.chain.crt'), '--crl', f('int.crl'));
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toMatch(
      /^REVOKED: CN=device-2 \(serial [0-9A-F]+\) was revoked on .* \(keyCompromise\)\n$/,
    );
    const missing = await verify();
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^MISSING_INTERMEDIATE: /);
    const wrong = await verify(
      '--untrusted',
      join(out, 'device-2.chain.crt'),
      '--purpose',
      'server',
      '--json',
    );
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).problems[0].code).toBe('WRONG_PURPOSE');
    const host = await run(
      'verify',
      join(dir, 'export', 'broker.crt'),
      '--ca',
      join(dir, 'export', 'ca.crt'),
      '--untrusted',
      join(dir, 'export', 'broker.chain.crt'),
      '--host',
      '10.9.9.9',
    );
    expect([host.code, host.stdout.split(':')[0]]).toEqual([1, 'HOSTNAME_MISMATCH']);
  });

  it('bad usage exits 2, a user failure exits 1 with one line on stderr, and nothing changes', async () => {
    const before = snapshot(wsDir);
    const usage = [
      ['cert', 'issue', '--ca', 'int', '--profile', 'both', '--name', 'x', '--cn', 'x'],
      [
        'cert',
        'issue',
        '--ca',
        'int',
        '--profile',
        'client',
        '--name',
        'x',
        '--cn',
        'x',
        '--key',
        'rsa-1024',
      ],
      ['cert', 'issue', '--ca', 'int', '--profile', 'client', '--name', 'x', '--cn', 'x', '--days', 'ten'],
      ['cert', 'issue', '--ca', 'int', '--profile', 'client', '--name', 'x'],
      ['cert', 'export', 'broker', '--out', f('x'), '--format', 'p12'],
      ['cert', 'revoke'],
      ['cert', 'revoke', 'device-1', '--reason', 'bored'],
      ['ca', 'create', '--name', 'x', '--cn', 'x', '--bogus'],
      ['verify', '--ca', f('int.crl')],
    ];
    for (const args of usage) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
    }
    const failures: Array<[string[], RegExp]> = [
      [
        ['cert', 'issue', '--ca', 'nope', '--profile', 'client', '--name', 'x', '--cn', 'x'],
        /^error: ca: no certificate named "nope" in the workspace\n$/,
      ],
      [
        ['cert', 'issue', '--ca', 'int', '--profile', 'client', '--name', 'broker', '--cn', 'x'],
        /^error: name: a certificate named "broker" already exists/,
      ],
      [
        ['cert', 'import', '--name', 'y', '--cert', f('int.crl')],
        /^error: .*int\.crl: no CERTIFICATE block found\n$/,
      ],
      [
        ['cert', 'import', '--name', 'y', '--cert', f('old.p12'), '--passphrase-file', f('dev9.key')],
        /^error: .*old\.p12: wrong passphrase/,
      ],
      [
        ['cert', 'import', '--name', 'y', '--cert', f('old.crt'), '--key', f('dev9.key')],
        /^error: .*dev9\.key: the private key does not belong to the certificate/,
      ],
      [
        ['cert', 'import', '--name', 'y', '--cert', f('missing.crt')],
        /^error: .*missing\.crt: cannot read the certificate \(ENOENT\)\n$/,
      ],
      [
        ['ca', 'create', '--name', 'sub', '--cn', 'Sub', '--parent', 'int'],
        /^error: parent: CA "int" has path length 0/,
      ],
    ];
    for (const [args, message] of failures) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(snapshot(wsDir)).toEqual(before);
  });

  it('--help on every verb, with examples', async () => {
    for (const verb of [
      ['ca', 'create'],
      ['cert', 'issue'],
      ['cert', 'sign-csr'],
      ['cert', 'import'],
      ['cert', 'revoke'],
      ['cert', 'list'],
      ['cert', 'show'],
      ['cert', 'export'],
      ['crl'],
      ['verify'],
    ]) {
      const r = await cli([...verb, '--help']);
      expect(r.code, verb.join(' ')).toBe(0);
      expect(r.stdout).toContain(`mqtt-tls-studio ${verb.join(' ')}`);
      expect(r.stdout).toContain('Examples:');
    }
  });
});
