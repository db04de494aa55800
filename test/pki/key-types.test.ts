import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createSecureContext, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedTempDir } from '../helpers/tmp.js';
import { freePort } from '../helpers/ports.js';
import { run } from '../helpers/run.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { opensslOk, openssl } from './helpers.js';
import {
  KEY_TYPES,
  createCa,
  exportCertificate,
  issueCertificate,
  revokeCertificate,
  tlsMaterial,
  chainCrls,
  type KeyType,
} from '../../src-main/core/pki/index.js';
import { crlPath } from '../../src-main/core/pki/store.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

/**
 * Every key type, end to end: root → intermediate → server + clients, all of that type, judged by
 * openssl (verify -untrusted -crl_check, crl, pkcs12 -info), a Node mTLS handshake, and Debian's
 * Mosquitto 2.0.11 with mosquitto_pub/mosquitto_sub (crlfile with our CRL).
 */
interface Material {
  dir: string;
  ws: Workspace;
}

const pkis = new Map<KeyType, Material>();

beforeAll(async () => {
  const base = sharedTempDir('pki-keys-');
  const ids = (await run('id', ['mosquitto'])).stdout;
  const mosquittoUid = Number(/uid=(\d+)/.exec(ids)![1]);
  const mosquittoGid = Number(/gid=(\d+)/.exec(ids)![1]);
  await Promise.all(
    KEY_TYPES.map(async (keyType) => {
      const dir = join(base, keyType);
      const ws = new Workspace(join(dir, 'ws'));
      await createCa(ws, { name: 'root', cn: `Root ${keyType}`, keyType });
      await createCa(ws, { name: 'int', cn: `Intermediate ${keyType}`, parent: 'root', keyType });
      await Promise.all([
        issueCertificate(ws, {
          ca: 'int',
          profile: 'server',
          name: 'server',
          cn: 'localhost',
          san: ['dns:localhost', 'ip:127.0.0.1', 'ip:::1'],
          keyType,
        }),
        issueCertificate(ws, { ca: 'int', profile: 'client', name: 'device-1', cn: 'device-1', keyType }),
        issueCertificate(ws, { ca: 'int', profile: 'client', name: 'device-2', cn: 'device-2', keyType }),
      ]);
      revokeCertificate(ws, 'device-2', 'keyCompromise');
      for (const name of ['server', 'device-1', 'device-2']) {
        exportCertificate(ws, name, { outDir: join(dir, 'out'), format: 'pem' });
      }
      writeFileSync(join(dir, 'out', 'int.crt'), tlsMaterial(ws, 'server').intermediates);
      writeFileSync(join(dir, 'out', 'int.crl'), readFileSync(ws.path(crlPath('int'))));
      // As in production: Mosquitto drops root for the mosquitto user, who must reach the files and own the key.
      chmodSync(dir, 0o755);
      chmodSync(join(dir, 'out'), 0o755);
      chownSync(join(dir, 'out', 'server.key'), mosquittoUid, mosquittoGid);
      pkis.set(keyType, { dir, ws });
    }),
  );
}, 120_000);

function handshake(
  port: number,
  client: { cert: string; key: string; ca: string; maxVersion?: 'TLSv1.2' },
): Promise<{ ok: boolean; error?: string; authorized?: boolean }> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect({ port, host: '127.0.0.1', servername: 'localhost', ...client });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, error: 'timeout' });
    }, 5000);
    socket.once('secureConnect', () => {
      // TLS 1.3: the server's verdict on our certificate arrives after the handshake; wait for its reply.
      socket.once('data', (d) => {
        clearTimeout(timer);
        socket.end();
        resolve({ ok: d.toString() === 'ok', authorized: socket.authorized });
      });
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, error: e.message });
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ ok: false, error: 'closed' });
    });
  });
}

describe.each(KEY_TYPES.map((k) => [k]))('%s', (keyType) => {
  const m = () => pkis.get(keyType)!;
  const out = (file: string) => join(m().dir, 'out', file);

  it('openssl verify accepts the server chain for sslserver, its DNS name and its IPs', async () => {
    for (const check of [
      ['-verify_hostname', 'localhost'],
      ['-verify_ip', '127.0.0.1'],
      ['-verify_ip', '::1'],
    ]) {
      const text = await opensslOk([
        'verify',
        '-CAfile',
        out('ca.crt'),
        '-untrusted',
        out('int.crt'),
        '-purpose',
        'sslserver',
        ...check,
        out('server.crt'),
      ]);
      expect(text).toContain(': OK');
    }
    // The chain file alone (leaf then intermediate) is enough as -untrusted too.
    expect(
      await opensslOk([
        'verify',
        '-CAfile',
        out('ca.crt'),
        '-untrusted',
        out('server.chain.crt'),
        out('server.crt'),
      ]),
    ).toContain(': OK');
  });

  it('openssl verify -crl_check accepts device-1 and refuses the revoked device-2 with our CRL', async () => {
    const good = await opensslOk([
      'verify',
      '-CAfile',
      out('ca.crt'),
      '-untrusted',
      out('int.crt'),
      '-crl_check',
      '-CRLfile',
      out('int.crl'),
      '-purpose',
      'sslclient',
      out('device-1.crt'),
    ]);
    expect(good).toContain(': OK');
    const revoked = await openssl([
      'verify',
      '-CAfile',
      out('ca.crt'),
      '-untrusted',
      out('int.crt'),
      '-crl_check',
      '-CRLfile',
      out('int.crl'),
      out('device-2.crt'),
    ]);
    expect(revoked.code).not.toBe(0);
    expect(revoked.stdout + revoked.stderr).toContain('certificate revoked');
    // The CRL itself verifies against the intermediate and lists the reason.
    const crlText = await opensslOk([
      'crl',
      '-in',
      out('int.crl'),
      '-CAfile',
      out('int.crt'),
      '-noout',
      '-text',
    ]);
    expect(crlText).toContain('verify OK');
    expect(crlText).toContain('Key Compromise');
    expect(crlText).toMatch(/CRL Number:\s*\n\s*2/);
  });

  it('openssl reads the key usages, SKI/AKI and serial size we wrote', async () => {
    const text = await opensslOk(['x509', '-in', out('server.crt'), '-noout', '-text']);
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).toMatch(/Basic Constraints: critical\s*\n\s*CA:FALSE/);
    expect(text).toContain('X509v3 Subject Key Identifier');
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toContain(
      keyType.startsWith('rsa') ? 'Digital Signature, Key Encipherment' : 'Digital Signature',
    );
    const serial = (await opensslOk(['x509', '-in', out('server.crt'), '-noout', '-serial']))
      .trim()
      .replace('serial=', '');
    expect(serial.length).toBeGreaterThanOrEqual(16); // ≥ 64 bits
    const intText = await opensslOk(['x509', '-in', out('int.crt'), '-noout', '-text']);
    expect(intText).toMatch(/CA:TRUE, pathlen:0/);
    expect(intText).toContain('Certificate Sign, CRL Sign');
  });

  it('exports a PKCS#12 that openssl pkcs12 -info opens with the passphrase, and Node loads', async () => {
    const dir = join(m().dir, 'p12');
    exportCertificate(m().ws, 'device-1', { outDir: dir, format: 'p12', passphrase: 'p12 secret' });
    const p12 = join(dir, 'device-1.p12');
    const info = await opensslOk(['pkcs12', '-info', '-in', p12, '-passin', 'pass:p12 secret', '-nodes']);
    expect(info).toContain('MAC: sha256');
    expect(info.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(3); // leaf, intermediate, root
    expect(info).toContain('-----BEGIN PRIVATE KEY-----');
    expect(info).toContain('subject=CN = device-1');
    const wrong = await openssl(['pkcs12', '-info', '-in', p12, '-passin', 'pass:wrong', '-nodes']);
    expect(wrong.code).not.toBe(0);
    expect(() => createSecureContext({ pfx: readFileSync(p12), passphrase: 'p12 secret' })).not.toThrow();
  });

  it('completes a mutual TLS handshake with Node, and Node refuses the revoked client with our CRL', async () => {
    const server = tlsMaterial(m().ws, 'server');
    // Node checks every CA of the client's chain (CRL_CHECK_ALL) and reads one CRL per PEM string.
    const crl = chainCrls(m().ws, 'int');
    const port = await freePort();
    const reasons: string[] = [];
    const srv = createServer(
      {
        cert: server.chain,
        key: server.key,
        ca: server.ca,
        crl,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (socket) => {
        if (!socket.authorized) reasons.push(String(socket.authorizationError));
        socket.end(socket.authorized ? 'ok' : 'refused');
      },
    );
    await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
    try {
      const good = tlsMaterial(m().ws, 'device-1');
      expect(await handshake(port, { cert: good.chain, key: good.key, ca: good.ca })).toEqual({
        ok: true,
        authorized: true,
      });
      // TLS 1.2 too (certificate signature algorithms differ there, e.g. for Ed25519).
      expect(
        await handshake(port, { cert: good.chain, key: good.key, ca: good.ca, maxVersion: 'TLSv1.2' }),
      ).toEqual({
        ok: true,
        authorized: true,
      });
      const bad = tlsMaterial(m().ws, 'device-2');
      const refused = await handshake(port, { cert: bad.chain, key: bad.key, ca: bad.ca });
      expect(refused).toEqual({ ok: false, authorized: true });
      expect(reasons).toEqual(['CERT_REVOKED']);
    } finally {
      await new Promise((resolve) => srv.close(resolve));
    }
  });

  describe('Mosquitto 2.0.11', () => {
    let mosquitto: RunningMosquitto | undefined;
    let port = 0;
    let noCrlPort = 0;
    beforeAll(async () => {
      port = await freePort();
      noCrlPort = await freePort();
      const conf = [
        `listener ${port} 127.0.0.1`,
        `cafile ${out('ca.crt')}`,
        `certfile ${out('server.chain.crt')}`,
        `keyfile ${out('server.key')}`,
        `crlfile ${out('int.crl')}`,
        'require_certificate true',
        'use_identity_as_username true',
        // The same listener without the CRL: proves the revoked client is refused because of the CRL.
        `listener ${noCrlPort} 127.0.0.1`,
        `cafile ${out('ca.crt')}`,
        `certfile ${out('server.chain.crt')}`,
        `keyfile ${out('server.key')}`,
        'require_certificate true',
        'use_identity_as_username true',
        'allow_anonymous false',
        'log_dest stderr',
        'log_type all',
        '',
      ].join('\n');
      mosquitto = await startMosquitto(m().dir, conf, port);
    }, 30_000);
    afterAll(async () => {
      await mosquitto?.stop();
    });

    const tool = (bin: string, device: string, extra: string[], listener = port) =>
      run(
        bin,
        [
          '-h',
          'localhost',
          '-p',
          String(listener),
          '--cafile',
          out('ca.crt'),
          '--cert',
          out(`${device}.chain.crt`),
          '--key',
          out(`${device}.key`),
          ...extra,
        ],
        { timeoutMs: 15_000 },
      );

    it('mosquitto_pub and mosquitto_sub connect with our client certificate (identity as username)', async () => {
      const pub = await tool('mosquitto_pub', 'device-1', [
        '-t',
        `keys/${keyType}`,
        '-m',
        'hello',
        '-r',
        '-q',
        '1',
      ]);
      expect(pub.stderr).toBe('');
      expect(pub.code).toBe(0);
      const sub = await tool('mosquitto_sub', 'device-1', ['-t', `keys/${keyType}`, '-C', '1', '-W', '10']);
      expect(sub.stdout.trim()).toBe('hello');
      expect(sub.code).toBe(0);
      expect(mosquitto!.log()).toContain("u'device-1'");
    });

    it('openssl s_client completes a TLS 1.2 and a TLS 1.3 mutual handshake with Mosquitto', async () => {
      for (const version of ['-tls1_2', '-tls1_3']) {
        const r = await run(
          'openssl',
          [
            's_client',
            version,
            '-connect',
            `127.0.0.1:${port}`,
            '-servername',
            'localhost',
            '-verify_hostname',
            'localhost',
            '-CAfile',
            out('ca.crt'),
            '-cert',
            out('device-1.crt'),
            '-key',
            out('device-1.key'),
            '-cert_chain',
            out('int.crt'),
            '-verify_return_error',
          ],
          { timeoutMs: 15_000, input: '' },
        );
        const text = r.stdout + r.stderr;
        expect(text, text).toContain('Verify return code: 0 (ok)');
        expect(text).toContain(version === '-tls1_2' ? 'Protocol  : TLSv1.2' : 'TLSv1.3');
      }
    });

    it('refuses the revoked client with our CRL (and accepts it on the same listener without the CRL)', async () => {
      const before = mosquitto!.log().split('certificate verify failed').length;
      const sub = await tool('mosquitto_sub', 'device-2', ['-t', `keys/${keyType}`, '-C', '1', '-W', '5']);
      expect(sub.code).not.toBe(0);
      expect(sub.stdout).toBe('');
      // Mosquitto 2.0.11 logs no reason beyond OpenSSL's "certificate verify failed".
      await expect
        .poll(() => mosquitto!.log().split('certificate verify failed').length, { timeout: 5000 })
        .toBe(before + 1);
      const withoutCrl = await tool(
        'mosquitto_sub',
        'device-2',
        ['-t', `keys/${keyType}`, '-C', '1', '-W', '10'],
        noCrlPort,
      );
      expect(withoutCrl.stdout.trim()).toBe('hello');
      expect(withoutCrl.code).toBe(0);
    });
  });
});
