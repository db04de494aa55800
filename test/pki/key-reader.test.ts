/**
 * DER key files: the reader recognises the structure (PKCS#8, PKCS#1, SEC1, encrypted PKCS#8) with
 * @peculiar's classes and hands it to Node as that type. openssl writes every file; the key read must
 * be the one openssl wrote, by the sync and the async reader alike.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { opensslOk } from './helpers.js';
import { readKey, readKeyAsync } from '../../src-main/core/pki/keys.js';
import { UserError } from '../../src-main/core/user-error.js';

/** A P-384 SEC1 key with its curve OID's last arc changed to one no curve has (1.3.132.0.34 → .127). */
function unknownCurve(sec1: Buffer): Buffer {
  const copy = Buffer.from(sec1);
  const at = copy.indexOf(Buffer.from('2b81040022', 'hex'));
  if (at < 0) throw new Error('no secp384r1 OID in the key');
  copy[at + 4] = 0x7f;
  return copy;
}

describe('reading DER key files', () => {
  const dir = tempDir('pki-key-reader-');
  const f = (name: string) => join(dir, name);
  const read = (name: string) => readFileSync(f(name));

  beforeAll(async () => {
    await opensslOk([
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-out',
      f('rsa.pem'),
    ]);
    await opensslOk([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
      '-out',
      f('ec.pem'),
    ]);
    await opensslOk(['genpkey', '-algorithm', 'ed25519', '-out', f('ed.pem')]);
    // (openssl pkey -outform DER would write RSA's traditional PKCS#1 form.)
    await opensslOk([
      'pkcs8',
      '-topk8',
      '-nocrypt',
      '-in',
      f('rsa.pem'),
      '-outform',
      'DER',
      '-out',
      f('rsa.p8.der'),
    ]);
    await opensslOk([
      'pkcs8',
      '-topk8',
      '-nocrypt',
      '-in',
      f('ec.pem'),
      '-outform',
      'DER',
      '-out',
      f('ec.p8.der'),
    ]);
    await opensslOk([
      'pkcs8',
      '-topk8',
      '-nocrypt',
      '-in',
      f('ed.pem'),
      '-outform',
      'DER',
      '-out',
      f('ed.p8.der'),
    ]);
    await opensslOk([
      'rsa',
      '-in',
      f('rsa.pem'),
      '-traditional',
      '-outform',
      'DER',
      '-out',
      f('rsa.pkcs1.der'),
    ]);
    await opensslOk(['ec', '-in', f('ec.pem'), '-outform', 'DER', '-out', f('ec.sec1.der')]);
    await opensslOk([
      'pkcs8', '-topk8', '-in', f('ec.pem'), '-v2', 'aes-256-cbc', '-outform', 'DER', '-passout', 'pass:k pass',
      '-out', f('ec.enc.der'),
    ]); // prettier-ignore
  }, 60_000);

  const pkcs8Of = (pem: string) => readKey(read(pem)).export({ format: 'der', type: 'pkcs8' });

  it.each([
    ['rsa.p8.der', 'rsa.pem', undefined],
    ['ec.p8.der', 'ec.pem', undefined],
    ['ed.p8.der', 'ed.pem', undefined],
    ['rsa.pkcs1.der', 'rsa.pem', undefined],
    ['ec.sec1.der', 'ec.pem', undefined],
    ['ec.enc.der', 'ec.pem', 'k pass'],
  ] as const)('%s reads as the key openssl wrote', async (file, pem, passphrase) => {
    const reference = pkcs8Of(pem);
    expect(readKey(read(file), passphrase, file).export({ format: 'der', type: 'pkcs8' })).toEqual(reference);
    const key = await readKeyAsync(read(file), passphrase, file);
    expect(key.export({ format: 'der', type: 'pkcs8' })).toEqual(reference);
  });

  it('an encrypted DER key asks for its passphrase, and names a wrong one', async () => {
    await expect(readKeyAsync(read('ec.enc.der'), undefined, 'ec.enc.der')).rejects.toMatchObject({
      code: 'PASSPHRASE_REQUIRED',
      message: 'ec.enc.der: the private key is encrypted: give its passphrase',
    });
    await expect(readKeyAsync(read('ec.enc.der'), 'nope', 'ec.enc.der')).rejects.toMatchObject({
      code: 'BAD_PASSPHRASE',
      message: 'ec.enc.der: wrong passphrase for the encrypted private key',
    });
  });

  it('damaged DER is one error naming the file', () => {
    const sec1 = read('ec.sec1.der');
    const cases: [string, Buffer, RegExp][] = [
      ['trailing.der', Buffer.concat([sec1, Buffer.from([0])]), /^trailing\.der: not a PEM or DER private key \(1 unexpected bytes after it\)$/],
      ['cut.der', sec1.subarray(0, sec1.length - 5), /^cut\.der: not a PEM or DER private key \(truncated: the data ends inside a value\)$/],
      // SEC1 structure, but a curve OpenSSL does not know.
      ['curve.der', unknownCurve(sec1), /^curve\.der: not a readable private key \(SEC1 ECPrivateKey: /],
      // A SEQUENCE of two INTEGERs: ASN.1, but no key structure.
      ['ints.der', Buffer.from('3006020101020102', 'hex'), /^ints\.der: not a readable private key \(/],
    ]; // prettier-ignore
    for (const [file, bytes, message] of cases) {
      writeFileSync(f(file), bytes);
      let error: unknown;
      try {
        readKey(read(file), undefined, file);
      } catch (e) {
        error = e;
      }
      expect(error, file).toBeInstanceOf(UserError);
      expect((error as Error).message, file).toMatch(message);
    }
  });
});
