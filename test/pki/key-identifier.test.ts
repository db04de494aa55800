import { createHash, createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { opensslOk } from './helpers.js';
import { createCa, issueCertificate, tlsMaterial, type KeyType } from '../../src-main/core/pki/index.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

/**
 * The subject key identifier the builder writes is RFC 5280 method 1 (SHA-1 of the subjectPublicKey
 * bits), for CAs and for leaves whose key the batch path hands over with its bits: openssl prints the
 * certificate's key and its SKI, Node gives the key's bits, the two must agree.
 */
function publicKeyBits(publicKeyPem: string, keyType: KeyType): Buffer {
  const key = createPublicKey(publicKeyPem);
  if (keyType.startsWith('rsa')) return key.export({ format: 'der', type: 'pkcs1' });
  const jwk = key.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  return jwk.y ? Buffer.concat([Buffer.from([4]), x, Buffer.from(jwk.y, 'base64url')]) : x;
}

async function skiOf(certFile: string): Promise<{ ski: string; publicKeyPem: string }> {
  const text = await opensslOk(['x509', '-in', certFile, '-noout', '-ext', 'subjectKeyIdentifier']);
  const publicKeyPem = await opensslOk(['x509', '-in', certFile, '-noout', '-pubkey']);
  return { ski: text.split('\n')[1]!.trim().replace(/:/g, '').toLowerCase(), publicKeyPem };
}

describe('subject key identifiers', () => {
  it.each<KeyType>(['ec-p256', 'ed25519', 'rsa-2048'])('are SHA-1 of the key bits (%s)', async (keyType) => {
    const dir = tempDir('pki-ski-');
    const ws = new Workspace(join(dir, 'ws'));
    await createCa(ws, { name: 'root', cn: 'Root', keyType });
    await issueCertificate(ws, { ca: 'root', profile: 'client', name: 'leaf', cn: 'leaf', keyType });
    for (const name of ['root', 'leaf']) {
      const file = join(dir, `${name}.crt`);
      writeFileSync(file, tlsMaterial(ws, name).cert);
      const { ski, publicKeyPem } = await skiOf(file);
      const expected = createHash('sha1').update(publicKeyBits(publicKeyPem, keyType)).digest('hex');
      expect(ski, name).toBe(expected);
    }
  });
});
