/**
 * Denial-of-service bounds: a file cannot make the workshop work for minutes. Key derivations
 * (PBKDF2, the PKCS#12 KDF) are bounded per derivation and per file, and the async readers the api
 * uses let the event loop run while they derive; bundle ordering looks issuers up by name.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { timerTicksDuring } from '../helpers/event-loop.js';
import { expectRefusedUnchanged, opensslEcKey, opensslOk, opensslSelfSigned } from './helpers.js';
import {
  createCa,
  importCertificate,
  importCertificateAsync,
  parsePkcs12,
  parsePkcs12Async,
  readKey,
  readKeyAsync,
  toPem,
} from '../../src-main/core/pki/index.js';
import {
  buildCertificate,
  keyIdentifier,
  publicKeyBitsOf,
} from '../../src-main/core/pki/certificate-builder.js';
import { commonNameOnly } from '../../src-main/core/pki/distinguished-name.js';
import { MAX_ITERATIONS } from '../../src-main/core/pki/key-derivation.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
const seq = (...value: asn1js.AsnType[]) => new asn1js.Sequence({ value });
const octets = (bytes: Buffer) => new asn1js.OctetString({ valueHex: bytes });
const int = (value: number) => new asn1js.Integer({ value });
const ctx0 = (...value: asn1js.AsnType[]) =>
  new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value });
const der = (node: asn1js.AsnType) => Buffer.from(node.toBER(false));

/** A PFX without MAC whose one encrypted safe uses PBES2 with the given PBKDF2 parameters. */
function pbes2Pfx(iterations: number, keyLength?: number): Buffer {
  const pbkdf2Params = seq(
    octets(Buffer.alloc(8, 1)),
    int(iterations),
    ...(keyLength !== undefined ? [int(keyLength)] : []),
  );
  const algorithm = seq(
    oid('1.2.840.113549.1.5.13'),
    seq(
      seq(oid('1.2.840.113549.1.5.12'), pbkdf2Params),
      seq(oid('2.16.840.1.101.3.4.1.42'), octets(Buffer.alloc(16))),
    ),
  );
  const encryptedData = seq(
    int(0),
    seq(
      oid('1.2.840.113549.1.7.1'),
      algorithm,
      new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: Buffer.alloc(32) }),
    ),
  );
  const authSafe = seq(seq(oid('1.2.840.113549.1.7.6'), ctx0(encryptedData)));
  return der(seq(int(3), seq(oid('1.2.840.113549.1.7.1'), ctx0(octets(der(authSafe))))));
}

/** A PFX without MAC whose one encrypted safe uses legacy pbeWithSHAAnd3-KeyTripleDES-CBC. */
function legacyPfx(iterations: number): Buffer {
  const algorithm = seq(oid('1.2.840.113549.1.12.1.3'), seq(octets(Buffer.alloc(8, 2)), int(iterations)));
  const encryptedData = seq(
    int(0),
    seq(
      oid('1.2.840.113549.1.7.1'),
      algorithm,
      new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: Buffer.alloc(16) }),
    ),
  );
  const authSafe = seq(seq(oid('1.2.840.113549.1.7.6'), ctx0(encryptedData)));
  return der(seq(int(3), seq(oid('1.2.840.113549.1.7.1'), ctx0(octets(der(authSafe))))));
}

describe('key derivation is bounded and off the event loop', () => {
  const dir = tempDir('pki-bounds-');
  const f = (name: string) => join(dir, name);
  const wsDir = f('ws');
  const ws = new Workspace(wsDir);

  beforeAll(async () => {
    await createCa(ws, { name: 'root', cn: 'Bounds Root' });
  });

  it(`PBKDF2 with 10,000,000 iterations and a 100,000-byte key (no MAC) is refused before any work`, async () => {
    const pfx = pbes2Pfx(10_000_000, 100_000);
    expect(pfx.length).toBeLessThan(200);
    await expectRefusedUnchanged(
      wsDir,
      () => importCertificateAsync(ws, { name: 'x', cert: pfx, certFile: 'dos.p12', passphrase: 'x' }),
      /^dos\.p12: cannot read the PKCS#12 file: safe 1: iteration count 10,000,000 is above the limit of 600,000$/,
    );
    expect(() => parsePkcs12(pfx, 'x', 'dos.p12')).toThrow(/above the limit of 600,000/);
  });

  it('a PBKDF2 key length other than the cipher key length is refused (as OpenSSL does)', async () => {
    await expectRefusedUnchanged(
      wsDir,
      () =>
        importCertificateAsync(ws, {
          name: 'x',
          cert: pbes2Pfx(2048, 100_000),
          certFile: 'k.p12',
          passphrase: 'x',
        }),
      /^k\.p12: cannot read the PKCS#12 file: safe 1: PBKDF2 key length 100000 does not match the cipher's 32$/,
    );
  });

  it('legacy PBE with 1,000,000 iterations is refused; the limit itself is allowed', async () => {
    await expectRefusedUnchanged(
      wsDir,
      () =>
        importCertificate(ws, {
          name: 'x',
          cert: legacyPfx(1_000_000),
          certFile: 'legacy.p12',
          passphrase: 'x',
        }),
      /^legacy\.p12: cannot read the PKCS#12 file: safe 1: iteration count 1,000,000 is above the limit/,
    );
    // At the limit the derivation runs (and the zero ciphertext then fails to decrypt as a wrong passphrase).
    await expect(parsePkcs12Async(pbes2Pfx(MAX_ITERATIONS), 'x', 'limit.p12')).rejects.toThrow(
      /^limit\.p12: wrong passphrase for the PKCS#12 file$/,
    );
  }, 30_000);

  it('an encrypted PKCS#8 key asking for more than the limit is refused before OpenSSL derives', async () => {
    await opensslEcKey(f('plain.key'));
    await opensslOk([
      'pkcs8',
      '-topk8',
      '-in',
      f('plain.key'),
      '-iter',
      String(MAX_ITERATIONS + 1),
      '-passout',
      'pass:pw',
      '-out',
      f('heavy.key'),
    ]);
    expect(() => readKey(readFileSync(f('heavy.key')), 'pw', 'heavy.key')).toThrow(
      /^heavy\.key: cannot read the encrypted private key: iteration count 600,001 is above the limit/,
    );
    // A normal one reads the same key both ways.
    await opensslOk([
      'pkcs8',
      '-topk8',
      '-in',
      f('plain.key'),
      '-passout',
      'pass:pw',
      '-out',
      f('light.key'),
    ]);
    const plain = readKey(readFileSync(f('plain.key')));
    const sync = readKey(readFileSync(f('light.key')), 'pw');
    const async = await readKeyAsync(readFileSync(f('light.key')), 'pw');
    const spki = (k: typeof plain) => createPublicKey(k).export({ format: 'der', type: 'spki' });
    expect(spki(sync).equals(spki(plain))).toBe(true);
    expect(spki(async).equals(spki(plain))).toBe(true);
    await expect(readKeyAsync(readFileSync(f('light.key')), 'nope', 'light.key')).rejects.toThrow(
      /^light\.key: wrong passphrase for the encrypted private key$/,
    );
  }, 30_000);

  it('the async reader lets the event loop run while it derives (the sync one does not)', async () => {
    await opensslSelfSigned('/CN=slow', { key: f('slow.key'), cert: f('slow.crt') }, 3);
    await opensslOk([
      'pkcs12',
      '-export',
      '-legacy',
      '-iter',
      '20000',
      '-in',
      f('slow.crt'),
      '-inkey',
      f('slow.key'),
      '-passout',
      'pass:pw',
      '-out',
      f('slow.p12'),
    ]);
    const data = readFileSync(f('slow.p12'));
    const during = await timerTicksDuring(() => parsePkcs12Async(data, 'pw', 'slow.p12'));
    const blocked = await timerTicksDuring(() => parsePkcs12(data, 'pw', 'slow.p12'));
    expect(during).toBeGreaterThan(3);
    expect(blocked).toBeLessThanOrEqual(1);
    expect((await parsePkcs12Async(data, 'pw', 'slow.p12')).certPem).toBe(parsePkcs12(data, 'pw').certPem);
  }, 60_000);
});

describe('bundle ordering grows with the bundle, not its square', () => {
  const dir = tempDir('pki-bundle-bounds-');
  const wsDir = join(dir, 'ws');
  const ws = new Workspace(wsDir);
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = key.publicKey.export({ format: 'der', type: 'spki' });
  const certificate = (subject: string, issuer: string, ca: boolean) =>
    buildCertificate({
      subject: commonNameOnly(subject),
      issuer: commonNameOnly(issuer),
      spki,
      signingKey: key.privateKey,
      issuerKeyId: keyIdentifier(publicKeyBitsOf(spki)),
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      ...(ca ? { ca: {} } : {}),
      keyUsage: ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature'],
    });

  it('500 certificates with the same subject are refused at once, naming the subject', async () => {
    const pem = Array.from({ length: 500 }, () =>
      toPem(certificate('Same', 'Same', true), 'CERTIFICATE'),
    ).join('');
    writeFileSync(join(dir, 'same.pem'), pem);
    await expectRefusedUnchanged(
      wsDir,
      () => importCertificate(ws, { name: 'x', cert: Buffer.from(pem), certFile: 'same.pem' }),
      /^same\.pem: 500 certificates have the subject CN=Same \(line 1, line \d+, line \d+, …\); a bundle holds one certificate and its CA certificates$/,
    );
  });

  it('a 200-deep chain in shuffled order is put in order', () => {
    const certs = [certificate('Level 0', 'Level 0', true)];
    for (let i = 1; i < 200; i++) certs.push(certificate(`Level ${i}`, `Level ${i - 1}`, i < 199));
    const leaf = certs[199]!;
    // A fixed shuffle.
    const shuffled = certs.map((c, i) => ({ c, k: (i * 7919) % 211 })).sort((a, b) => a.k - b.k);
    const pem = shuffled.map(({ c }) => toPem(c, 'CERTIFICATE')).join('');
    const result = importCertificate(ws, { name: 'deep', cert: Buffer.from(pem), certFile: 'deep.pem' });
    expect(result.chain.length).toBe(199);
    expect(result.chain[0]!.cn).toBe('Level 198');
    expect(result.chain[198]!.cn).toBe('Level 0');
    expect(result.fingerprint256.replace(/:/g, '').toLowerCase()).toBe(
      createHash('sha256').update(leaf).digest('hex'),
    );
  });
});
