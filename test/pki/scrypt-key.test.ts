/**
 * Encrypted PKCS#8 keys with scrypt (`openssl pkcs8 -topk8 -scrypt`): read by our bounded derivation,
 * off the event loop in readKeyAsync. OpenSSL bounds only scrypt's memory, so a key asking for a large
 * parallelisation p kept the process busy for minutes (p=20 took 2.2 s here) before any passphrase
 * was checked: such a key is now refused at once, naming the bound.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type * as Asn1js from 'asn1js';
import { tempDir } from '../helpers/tmp.js';
import { timerTicksDuring } from '../helpers/event-loop.js';
import { opensslEcKey, opensslOk } from './helpers.js';
import { readKey, readKeyAsync } from '../../src-main/core/pki/keys.js';

const asn1js = createRequire(import.meta.url)('asn1js') as typeof Asn1js;

/** The key with its scrypt parameters (N, r, p) replaced. */
function withScrypt(der: Buffer, n: number, r: number, p: number): Buffer {
  const info = asn1js.fromBER(der).result as Asn1js.Sequence;
  const algorithm = info.valueBlock.value[0] as Asn1js.Sequence;
  const pbes2 = algorithm.valueBlock.value[1] as Asn1js.Sequence;
  const kdf = pbes2.valueBlock.value[0] as Asn1js.Sequence;
  const params = kdf.valueBlock.value[1] as Asn1js.Sequence;
  params.valueBlock.value[1] = new asn1js.Integer({ value: n });
  params.valueBlock.value[2] = new asn1js.Integer({ value: r });
  params.valueBlock.value[3] = new asn1js.Integer({ value: p });
  return Buffer.from(info.toBER());
}

describe('scrypt-encrypted keys', () => {
  const dir = tempDir('pki-scrypt-');
  const f = (name: string) => join(dir, name);
  let der: Buffer;

  beforeAll(async () => {
    await opensslEcKey(f('k.pem'));
    await opensslOk([
      'pkcs8', '-topk8', '-scrypt', '-in', f('k.pem'), '-passout', 'pass:pw', '-outform', 'DER', '-out', f('k.der'),
    ]); // prettier-ignore
    der = readFileSync(f('k.der'));
  }, 30_000);

  it('reads the key openssl wrote, sync and async, the async one without blocking', async () => {
    const reference = readKey(readFileSync(f('k.pem'))).export({ format: 'der', type: 'pkcs8' });
    expect(readKey(der, 'pw', 'k.der').export({ format: 'der', type: 'pkcs8' })).toEqual(reference);
    let key: Awaited<ReturnType<typeof readKeyAsync>> | undefined;
    const during = await timerTicksDuring(async () => {
      key = await readKeyAsync(der, 'pw', 'k.der');
    });
    expect(key!.export({ format: 'der', type: 'pkcs8' })).toEqual(reference);
    expect(during).toBeGreaterThan(3);
    expect(await timerTicksDuring(() => readKey(der, 'pw', 'k.der'))).toBeLessThanOrEqual(1);
    await expect(readKeyAsync(der, 'nope', 'k.der')).rejects.toMatchObject({
      code: 'BAD_PASSPHRASE',
      message: 'k.der: wrong passphrase for the encrypted private key',
    });
  });

  it('refuses at once a key that asks for more work or memory than the bounds', async () => {
    const cases: [Buffer, RegExp][] = [
      [withScrypt(der, 16384, 8, 100_000), /^k\.der: cannot read the encrypted private key: scrypt work N·r·p = 13,107,200,000 is above the limit of 1,048,576$/],
      [withScrypt(der, 2 ** 20, 8, 1), /^k\.der: cannot read the encrypted private key: scrypt asks for 1,024 MiB \(N 1048576, r 8\); the limit is 32 MiB$/],
      [withScrypt(der, 1000, 8, 1), /^k\.der: cannot read the encrypted private key: scrypt N 1000 is not a power of two$/],
    ]; // prettier-ignore
    for (const [bytes, message] of cases) {
      const started = performance.now();
      await expect(readKeyAsync(bytes, 'pw', 'k.der')).rejects.toThrow(message);
      expect(() => readKey(bytes, 'pw', 'k.der')).toThrow(message);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });
});
