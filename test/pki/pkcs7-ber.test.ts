/**
 * PKCS#7 in BER: `openssl cms -sign -stream` writes a SignedData with indefinite lengths at every
 * level (what Windows and streaming tools write); its certificates import as a chain, as from a DER
 * .p7b. A PKCS#7 whose certificates are damaged names the certificate.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { expectRefusedUnchanged, opensslOk } from './helpers.js';
import { importCertificate, listCertificates } from '../../src-main/core/pki/index.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

describe('PKCS#7 in BER (indefinite lengths)', () => {
  const dir = tempDir('pki-p7ber-');
  const f = (name: string) => join(dir, name);

  beforeAll(async () => {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    await opensslOk([
      ...['req', '-x509', ...ec, '-keyout', f('root.key'), '-subj', '/CN=BER Root'],
      ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-days', '30', '-out', f('root.crt')],
    ]);
    await opensslOk([
      ...['req', '-x509', ...ec, '-keyout', f('leaf.key'), '-subj', '/CN=ber.leaf'],
      ...['-CA', f('root.crt'), '-CAkey', f('root.key'), '-days', '20', '-out', f('leaf.crt')],
    ]);
    writeFileSync(f('data.txt'), 'signed content\n');
    await opensslOk([
      ...['cms', '-sign', '-stream', '-binary', '-outform', 'DER', '-in', f('data.txt')],
      ...['-signer', f('leaf.crt'), '-inkey', f('leaf.key'), '-certfile', f('root.crt'), '-out', f('s.p7m')],
    ]);
  }, 60_000);

  it('is BER, and its leaf and root import as a linked chain', () => {
    const p7 = readFileSync(f('s.p7m'));
    expect(p7.subarray(0, 2)).toEqual(Buffer.from([0x30, 0x80])); // indefinite length from the first byte
    const ws = new Workspace(f('ws'));
    const result = importCertificate(ws, { name: 'leaf', cert: p7, certFile: 's.p7m' });
    expect(result.cn).toBe('ber.leaf');
    expect(result.chain.map((c) => c.cn)).toEqual(['BER Root']);
    const entries = listCertificates(ws);
    expect(entries.find((e) => e.name === 'leaf')?.issuerName).toBe(result.chain[0]!.name);
  });

  it('a damaged certificate inside names it', async () => {
    const p7 = Buffer.from(readFileSync(f('s.p7m')));
    const leafDer = Buffer.from(
      readFileSync(f('leaf.crt'), 'utf8').replace(/-----[^-]+-----|\s/g, ''),
      'base64',
    );
    const at = p7.indexOf(leafDer);
    expect(at).toBeGreaterThan(0);
    p7[at + 4] = 0x05; // the TBSCertificate's SEQUENCE tag becomes NULL
    const wsDir = f('ws2');
    new Workspace(wsDir);
    await expectRefusedUnchanged(
      wsDir,
      () => importCertificate(new Workspace(wsDir), { name: 'x', cert: p7, certFile: 'bad.p7m' }),
      /^bad\.p7m: PKCS#7, certificate \d: not a valid X\.509 certificate \(/,
    );
  });
});
