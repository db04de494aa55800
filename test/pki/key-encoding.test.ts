/**
 * The generated keys' encodings against OpenSSL's: each key is rebuilt by OpenSSL from its bare
 * numbers (JWK), so OpenSSL writes every field itself (a re-export of the parsed PEM would keep some
 * of ours, e.g. ECPrivateKey's version).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateEncodedKey } from '../../src-main/core/pki/keys.js';

describe('generated key encodings', () => {
  it.each(['ec-p256', 'ec-p384', 'ed25519'] as const)(
    '%s: PKCS#8 and SPKI as OpenSSL writes them',
    async (keyType) => {
      for (let i = 0; i < 20; i++) {
        const key = await generateEncodedKey(keyType);
        const jwk = createPrivateKey(key.privatePem).export({ format: 'jwk' });
        const openssl = createPrivateKey({ key: jwk, format: 'jwk' });
        expect(key.privatePem).toBe(openssl.export({ type: 'pkcs8', format: 'pem' }));
        expect(key.spki).toEqual(createPublicKey(openssl).export({ type: 'spki', format: 'der' }));
        expect(key.publicKeyBits).toEqual(key.spki.subarray(key.spki.length - key.publicKeyBits!.length));
      }
    },
  );
});
