import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { opensslOk } from './helpers.js';
import {
  buildCrl,
  chainCrls,
  createCa,
  deleteCertificate,
  issueBatch,
  issueCertificate,
  listCertificates,
  parseDeviceList,
  readCrls,
  revokeCertificate,
  showCertificate,
  tlsMaterial,
} from '../../src-main/core/pki/index.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { UserError } from '../../src-main/core/user-error.js';

/**
 * A hook run at the start of every bulk commit (a batch writing its certificates, index lock held): lets
 * a test act at exactly that moment instead of hoping a timer fires during it.
 */
const bulkCommit = vi.hoisted(() => ({ before: undefined as undefined | (() => void) }));
vi.mock('../../src-main/core/workspace/bulk-commit.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src-main/core/workspace/bulk-commit.js')>();
  return {
    ...real,
    commitMany: (...args: Parameters<typeof real.commitMany>) => {
      bulkCommit.before?.();
      return real.commitMany(...args);
    },
  };
});

describe('the workspace format', () => {
  it('is an index plus PEM files, keys 0600, one CRL per CA', async () => {
    const dir = tempDir('pki-ws-');
    const ws = new Workspace(dir);
    await createCa(ws, { name: 'root', cn: 'Format Root', keyType: 'ec-p384', days: 100 });
    await issueCertificate(ws, { ca: 'root', profile: 'server', name: 'srv', cn: '10.0.0.5' });
    expect(readdirSync(dir).sort()).toEqual(['certificates.json', 'certs', 'crl', 'keys', 'workspace.json']);
    expect(readdirSync(join(dir, 'certs')).sort()).toEqual(['root.crt', 'srv.crt']);
    expect(readdirSync(join(dir, 'crl'))).toEqual(['root.crl']);
    for (const key of readdirSync(join(dir, 'keys'))) {
      expect(statSync(join(dir, 'keys', key)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'keys', key), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    }
    expect(readFileSync(join(dir, 'crl', 'root.crl'), 'utf8')).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const index = JSON.parse(readFileSync(join(dir, 'certificates.json'), 'utf8'));
    expect(index.format).toBe(1);
    expect(index.certificates.map((c: { name: string }) => c.name)).toEqual(['root', 'srv']);
    const srv = index.certificates[1];
    expect(srv).toMatchObject({
      kind: 'server',
      issuerName: 'root',
      keyType: 'ec-p256',
      hasKey: true,
      san: ['ip:10.0.0.5'],
    });
    // Nothing in the index or a summary looks like key material.
    expect(JSON.stringify(index)).not.toContain('PRIVATE');
    expect(JSON.stringify(listCertificates(ws))).not.toContain('PRIVATE');
    expect(JSON.stringify(showCertificate(ws, 'srv'))).not.toContain('PRIVATE');
    // A server whose CN is an IP gets it as an IP SAN, and the P-384 CA signs with SHA-384.
    const text = await opensslOk(['x509', '-in', join(dir, 'certs', 'srv.crt'), '-noout', '-text']);
    expect(text).toContain('IP Address:10.0.0.5');
    expect(text).toContain('ecdsa-with-SHA384');
    // Days never outlive the CA: the default 365 is cut to the CA's 100.
    expect(Date.parse(srv.notAfter)).toBeLessThanOrEqual(Date.parse(index.certificates[0].notAfter));
  });

  it('revocations survive deleting the revoked certificate, CRL numbers only grow', async () => {
    const ws = new Workspace(tempDir('pki-ws-'));
    await createCa(ws, { name: 'root', cn: 'Crl Root' });
    await issueBatch(ws, { ca: 'root', profile: 'client', names: ['d1', 'd2', 'd3'] });
    const serial = listCertificates(ws).find((c) => c.name === 'd2')!.serial;
    revokeCertificate(ws, 'd2', 'cessationOfOperation');
    deleteCertificate(ws, 'd2');
    const crl = readCrls(buildCrl(ws, 'root'))[0]!;
    expect(crl.revoked).toEqual([expect.objectContaining({ serial, reason: 'cessationOfOperation' })]);
    expect(crl.number).toBe(3n); // 1 at creation, 2 at revocation, 3 now
    const next = readCrls(buildCrl(ws, 'root', { days: 2 }))[0]!;
    expect(next.number).toBe(4n);
    expect(next.nextUpdate!.getTime() - next.thisUpdate.getTime()).toBe(2 * 86_400_000);
    expect(listCertificates(ws).map((c) => c.name)).toEqual(['root', 'd1', 'd3']);
  });

  it('tlsMaterial gives cert, key, chain without root, intermediates and the root', async () => {
    const ws = new Workspace(tempDir('pki-ws-'));
    await createCa(ws, { name: 'root', cn: 'R' });
    await createCa(ws, { name: 'i1', cn: 'I1', parent: 'root', pathLen: 1 });
    await createCa(ws, { name: 'i2', cn: 'I2', parent: 'i1' });
    await issueCertificate(ws, { ca: 'i2', profile: 'client', name: 'c', cn: 'c' });
    const m = tlsMaterial(ws, 'c');
    const count = (s: string) => (s.match(/BEGIN CERTIFICATE/g) ?? []).length;
    expect([count(m.cert), count(m.chain), count(m.intermediates), count(m.ca)]).toEqual([1, 3, 2, 1]);
    expect(m.chain.startsWith(m.cert)).toBe(true);
    expect(m.chain).toBe(m.cert + m.intermediates);
    expect(m.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(m.complete).toBe(true);
    expect(showCertificate(ws, 'c').chainNames).toEqual(['c', 'i2', 'i1', 'root']);
    // The CRLs Node needs for a peer issued by i2: i2, i1 and root, one PEM each.
    expect(chainCrls(ws, 'i2').map((pem) => readCrls(pem)[0]!.issuer.rfc2253)).toEqual([
      'CN=I2',
      'CN=I1',
      'CN=R',
    ]);
    // The root is its own chain and its own trust anchor.
    const root = tlsMaterial(ws, 'root');
    expect([count(root.chain), count(root.intermediates), root.ca === root.cert]).toEqual([1, 0, true]);
  });

  it('a batch is one commit of many leaves from a pasted list or CSV', async () => {
    expect(parseDeviceList('device_id,location\nsensor-1,hall\nsensor-2,roof\n')).toEqual([
      'sensor-1',
      'sensor-2',
    ]);
    expect(parseDeviceList('# devices\nd-1\n\nd-2, d-3;d-4\n')).toEqual(['d-1', 'd-2', 'd-3', 'd-4']);
    const ws = new Workspace(tempDir('pki-ws-'));
    await createCa(ws, { name: 'root', cn: 'Batch Root' });
    const issued = await issueBatch(ws, {
      ca: 'root',
      profile: 'client',
      names: parseDeviceList('a-1\na-2\na-3'),
    });
    expect(issued.map((c) => [c.name, c.cn, c.kind, c.issuerName])).toEqual([
      ['a-1', 'a-1', 'client', 'root'],
      ['a-2', 'a-2', 'client', 'root'],
      ['a-3', 'a-3', 'client', 'root'],
    ]);
    expect(new Set(issued.map((c) => c.serial)).size).toBe(3);
  });

  it('one writer at a time: a batch in progress, another process, a stale lock', async () => {
    const dir = tempDir('pki-ws-');
    const ws = new Workspace(dir);
    await createCa(ws, { name: 'root', cn: 'Lock Root' });
    await issueCertificate(ws, { ca: 'root', profile: 'client', name: 'early', cn: 'early' });
    // While a batch is committing, another change in the same process is refused (BUSY), not lost: the
    // batch's index does not overwrite it, and the same change made after the batch lands.
    let refused: unknown = null;
    let lockHeld = false;
    bulkCommit.before = () => {
      bulkCommit.before = undefined;
      lockHeld = existsSync(join(dir, '.certificates.lock'));
      try {
        revokeCertificate(ws, 'early');
      } catch (error) {
        refused = error;
      }
    };
    await issueBatch(ws, {
      ca: 'root',
      profile: 'client',
      names: Array.from({ length: 20 }, (_, i) => `b-${i}`),
    });
    expect(lockHeld).toBe(true);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).code).toBe('BUSY');
    expect((refused as UserError).message).toMatch(/busy with another certificate operation/);
    expect(listCertificates(ws)).toHaveLength(22);
    expect(existsSync(join(dir, '.certificates.lock'))).toBe(false);
    expect(showCertificate(ws, 'early').summary.revoked).toBeFalsy();
    revokeCertificate(ws, 'early');
    expect(showCertificate(ws, 'early').summary.revoked).toBeTruthy();
    expect(listCertificates(ws)).toHaveLength(22);
    // Another live process holds the lock: refused with its pid, nothing written.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      writeFileSync(join(dir, '.certificates.lock'), String(holder.pid));
      await expect(
        issueCertificate(ws, { ca: 'root', profile: 'client', name: 'x', cn: 'x' }),
      ).rejects.toThrow(new RegExp(`another process \\(pid ${holder.pid}\\)`));
    } finally {
      holder.kill();
    }
    await new Promise((resolve) => holder.once('exit', resolve));
    // The holder died: its lock is stale and taken over.
    await issueCertificate(ws, { ca: 'root', profile: 'client', name: 'x', cn: 'x' });
    expect(existsSync(join(dir, '.certificates.lock'))).toBe(false);
  });
});
