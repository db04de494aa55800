/** The pki api methods through the service (no transport): results, events, no key ever returned. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ApiService } from '../../src-main/api/service.js';
import type { MethodName, ParamsOf, ResultOf } from '../../src-main/api/contract/index.js';
import { tempDir } from '../helpers/tmp.js';
import { opensslOk } from './helpers.js';

describe('pki api', () => {
  const dir = tempDir('pki-api-');
  const workspaceDir = join(dir, 'ws');
  const raw = new ApiService({ workspaceDir, surface: 'cli' });
  const invoke = <M extends MethodName>(m: M, p: ParamsOf<M>) => raw.invoke(m, p) as Promise<ResultOf<M>>;
  const events: Array<{ topic: string; data: unknown }> = [];
  raw.onEvent((topic, data) => events.push({ topic, data }));
  const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

  test('the chain wizard flow: root → intermediate → server → a batch of clients, with events', async () => {
    expect(await invoke('pki.list', {})).toEqual([]);
    await invoke('pki.createCa', { name: 'root', cn: 'Api Root' });
    await invoke('pki.createCa', { name: 'int', cn: 'Api Int', parent: 'root' });
    await invoke('pki.issue', {
      ca: 'int',
      profile: 'server',
      name: 'broker',
      cn: 'localhost',
      san: ['dns:localhost', 'ip:127.0.0.1'],
    });
    const preview = await invoke('pki.parseDeviceList', { text: 'id\nsensor-1\nsensor-2\n' });
    expect(preview).toEqual(['sensor-1', 'sensor-2']);
    const batch = await invoke('pki.issueBatch', {
      ca: 'int',
      profile: 'client',
      text: 'id\nsensor-1\nsensor-2\n',
    });
    expect(batch.issued.map((c) => c.name)).toEqual(['sensor-1', 'sensor-2']);
    expect(events.filter((e) => e.topic === 'pki.changed').map((e) => e.data)).toEqual([
      { names: ['root'] },
      { names: ['int'] },
      { names: ['broker'] },
      { names: ['sensor-1', 'sensor-2'] },
    ]);
    const list = await invoke('pki.list', {});
    expect(list.map((c) => `${c.name}:${c.kind}:${c.issuerName ?? '-'}`)).toEqual([
      'root:root-ca:-',
      'int:intermediate-ca:root',
      'broker:server:int',
      'sensor-1:client:int',
      'sensor-2:client:int',
    ]);
    const shown = await invoke('pki.show', { name: 'broker' });
    expect(shown.detail.extendedKeyUsage?.usages).toEqual(['serverAuth']);
    expect(shown.chainNames).toEqual(['broker', 'int', 'root']);
    const verified = await invoke('pki.verifyWorkspace', { name: 'broker', host: '127.0.0.1' });
    expect(verified.ok).toBe(true);
    const lints = await invoke('pki.lintAll', {});
    expect(Object.values(lints).flat()).toEqual([]);
  });

  test('revoke and crl: the verdict changes, the CRL is returned as PEM', async () => {
    const revoked = await invoke('pki.revoke', { name: 'sensor-2', reason: 'keyCompromise' });
    expect(revoked.revoked?.reason).toBe('keyCompromise');
    const crl = await invoke('pki.crl', { ca: 'int' });
    expect(crl).toMatchObject({ ca: 'int', revoked: 1, number: 3 });
    expect(crl.pem).toMatch(/^-----BEGIN X509 CRL-----/);
    const verdict = await invoke('pki.verifyWorkspace', { name: 'sensor-2' });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems[0]!.code).toBe('REVOKED');
  });

  test('verify and describe take files as base64; import and signCsr too', async () => {
    const chain = await invoke('pki.chain', { name: 'sensor-1' });
    const result = await invoke('pki.verify', {
      cert: b64(chain.cert),
      ca: b64(chain.ca),
      untrusted: b64(chain.intermediates),
      purpose: 'client',
    });
    expect(result.ok).toBe(true);
    expect(result.chain.map((c) => c.source)).toEqual(['leaf', 'untrusted', 'trusted']);
    const detail = await invoke('pki.describe', { data: b64(chain.cert), file: 'sensor-1.crt' });
    expect(detail.subject.rfc2253).toBe('CN=sensor-1');
    await opensslOk([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'k'),
      '-subj',
      '/CN=gw',
      '-out',
      join(dir, 'gw.csr'),
    ]);
    const signed = await invoke('pki.signCsr', {
      ca: 'int',
      profile: 'client',
      name: 'gw',
      csr: b64(readFileSync(join(dir, 'gw.csr'))),
      file: 'gw.csr',
    });
    expect(signed.hasKey).toBe(false);
    await opensslOk([
      'req',
      '-x509',
      '-new',
      '-key',
      join(dir, 'k'),
      '-subj',
      '/CN=other',
      '-days',
      '2',
      '-out',
      join(dir, 'o.crt'),
    ]);
    const imported = await invoke('pki.import', {
      name: 'other',
      cert: b64(readFileSync(join(dir, 'o.crt'))),
      key: b64(readFileSync(join(dir, 'k'))),
    });
    expect(imported).toMatchObject({ kind: 'imported', hasKey: true });
  });

  test('errors cross as UserErrors naming the field; export writes keys only to a folder', async () => {
    await expect(invoke('pki.issue', { ca: 'int', profile: 'client', name: 'a b', cn: 'x' })).rejects.toThrow(
      /^name: "a b" is not a valid name/,
    );
    await expect(invoke('pki.delete', { name: 'int' })).rejects.toThrow(/delete those first/);
    await expect(
      invoke('pki.createCa', { name: 'x', cn: 'x', keyType: 'rsa-1024' as never }),
    ).rejects.toThrow(/^pki\.createCa: keyType: /);
    const out = join(dir, 'out');
    const exported = await invoke('pki.export', { name: 'broker', outDir: out });
    expect(exported.files).toHaveLength(4);
    // No result of any method carries a private key.
    for (const method of ['pki.list', 'pki.lintAll'] as const)
      expect(JSON.stringify(await invoke(method, {}))).not.toContain('PRIVATE KEY');
    for (const name of ['root', 'broker', 'sensor-1']) {
      expect(JSON.stringify(await invoke('pki.show', { name }))).not.toContain('PRIVATE KEY');
      expect(JSON.stringify(await invoke('pki.chain', { name }))).not.toContain('PRIVATE KEY');
    }
    expect(JSON.stringify(exported)).not.toContain('PRIVATE KEY');
    expect(await invoke('pki.delete', { name: 'other' })).toEqual({ deleted: 'other' });
  });
});
