/**
 * The app's connect path and the inspector's probe read encrypted keys and PKCS#12 files without
 * blocking the event loop while the key is derived (PBKDF2 on libuv's pool, the PKCS#12 KDF in slices),
 * and give the same result and the same errors as the sync reader the CLI uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { opensslOk } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';
import { timerTicksDuring } from '../helpers/event-loop.js';
import { SessionManager } from '../../src-main/core/client/index.js';
import { prepareMaterial } from '../../src-main/core/inspect/probe-material.js';

describe('encrypted client keys are derived off the event loop', () => {
  const dir = tempDir('client-tls-async-');
  const f = (name: string) => join(dir, name);

  beforeAll(async () => {
    await opensslOk([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('client.key'),
      '-subj', '/CN=client', '-days', '3', '-out', f('client.crt'),
    ]); // prettier-ignore
    // The PKCS#12 KDF (legacy PBE) runs in JavaScript; PBKDF2 (encrypted PKCS#8) in OpenSSL.
    await opensslOk([
      'pkcs12', '-export', '-legacy', '-iter', '20000', '-in', f('client.crt'), '-inkey', f('client.key'),
      '-passout', 'pass:pw', '-out', f('client.p12'),
    ]); // prettier-ignore
    await opensslOk([
      'pkcs8', '-topk8', '-in', f('client.key'), '-v2', 'aes-256-cbc', '-iter', '500000', '-passout', 'pass:pw',
      '-out', f('client.enc.key'),
    ]); // prettier-ignore
  }, 60_000);

  const profile = (clientCert: Record<string, unknown>) => ({
    name: 'async',
    url: 'mqtts://127.0.0.1:1',
    tls: { trust: { kind: 'file', path: f('client.crt') }, clientCert },
  });
  const sources = () => [
    { kind: 'pkcs12', path: f('client.p12') },
    { kind: 'files', certPath: f('client.crt'), keyPath: f('client.enc.key') },
  ];

  it('SessionManager.openAsync lets the event loop run and resolves the same TLS options as open', async () => {
    const manager = new SessionManager();
    try {
      for (const source of sources()) {
        let opened: Awaited<ReturnType<SessionManager['openAsync']>> | undefined;
        const during = await timerTicksDuring(async () => {
          opened = await manager.openAsync(profile(source), { passphrase: 'pw' });
        });
        const blocked = await timerTicksDuring(() => manager.open(profile(source), { passphrase: 'pw' }));
        expect(during, source.kind).toBeGreaterThan(3);
        expect(blocked, source.kind).toBeLessThanOrEqual(1);
        const sync = manager.open(profile(source), { passphrase: 'pw' });
        expect(opened!.snapshot().id).not.toBe(sync.snapshot().id);
        // The options the session will connect with (kept private by Session).
        const tlsOf = (s: unknown) => (s as { resolvedTls?: { options: object } }).resolvedTls?.options;
        expect(tlsOf(opened), source.kind).toEqual(tlsOf(sync));
        expect(tlsOf(opened), source.kind).toHaveProperty('key');
      }
    } finally {
      await manager.closeAll();
    }
  }, 60_000);

  it('openAsync refuses as open does: same code, message and field; no connection is created', async () => {
    const manager = new SessionManager();
    for (const source of sources()) {
      for (const passphrase of ['wrong', undefined]) {
        const secrets = passphrase === undefined ? {} : { passphrase };
        let syncError: unknown;
        try {
          manager.open(profile(source), secrets);
        } catch (error) {
          syncError = error;
        }
        const asyncError = await manager.openAsync(profile(source), secrets).catch((error: unknown) => error);
        expect(syncError, `${source.kind} ${passphrase}`).toBeDefined();
        expect(asyncError).toMatchObject({
          code: (syncError as { code: string }).code,
          message: (syncError as Error).message,
          location: { field: 'tls.clientCert.passphrase' },
        });
      }
    }
    expect(manager.list()).toHaveLength(0);
  }, 60_000);

  it('the probe prepares an encrypted identity without blocking', async () => {
    const pfx = readFileSync(f('client.p12'));
    const keyPem = readFileSync(f('client.enc.key'), 'utf8');
    const certPem = readFileSync(f('client.crt'), 'utf8');
    for (const clientCert of [
      { kind: 'pkcs12' as const, pfx, passphrase: 'pw' },
      { kind: 'pem' as const, certPem, keyPem, passphrase: 'pw' },
    ]) {
      let identity: unknown;
      const during = await timerTicksDuring(async () => {
        identity = (await prepareMaterial({ clientCert })).identity;
      });
      expect(during, clientCert.kind).toBeGreaterThan(3);
      expect(identity).toMatchObject({ certPem: expect.stringContaining('BEGIN CERTIFICATE') });
    }
    await expect(
      prepareMaterial({ clientCert: { kind: 'pkcs12', pfx, passphrase: 'x' } }),
    ).rejects.toMatchObject({
      code: 'BAD_PASSPHRASE',
      message: expect.stringMatching(/^PKCS#12 file: wrong passphrase/),
    });
  }, 60_000);
});
