import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { run } from '../helpers/run.js';
import {
  KEY_TYPES,
  createCa,
  issueBatch,
  issueCertificate,
  listCertificates,
} from '../../src-main/core/pki/index.js';
import { generateEncodedKey } from '../../src-main/core/pki/keys.js';
import { readEntryCertificate, summarize } from '../../src-main/core/pki/store.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

describe('keys and summaries of the fast issuing path', () => {
  it.each(['ec-p256', 'ec-p384', 'ed25519'] as const)(
    '%s keys are encoded byte for byte as OpenSSL encodes them',
    async (keyType) => {
      for (let i = 0; i < 50; i++) {
        const key = await generateEncodedKey(keyType);
        const parsed = createPrivateKey(key.privatePem);
        expect(parsed.export({ type: 'pkcs8', format: 'pem' })).toBe(key.privatePem);
        expect(createPublicKey(parsed).export({ type: 'spki', format: 'der' })).toEqual(key.spki);
      }
    },
  );

  it('the summary stored at issue time equals the one parsed back from the certificate file', async () => {
    const ws = new Workspace(tempDir('pki-keys-'));
    await createCa(ws, { name: 'root', cn: 'Summary Root', days: 30 });
    await Promise.all(
      KEY_TYPES.filter((k) => k !== 'rsa-4096' && k !== 'rsa-3072').map((keyType) =>
        issueCertificate(ws, {
          ca: 'root',
          profile: 'server',
          name: `srv-${keyType}`,
          cn: `Srv.${keyType}.example`,
          san: ['DNS:Srv.Example', 'ip:::ffff:10.0.0.1', 'ip:2001:db8:0:0:0:0:0:1', 'email:ops@example.com'],
          keyType,
        }),
      ),
    );
    await issueCertificate(ws, { ca: 'root', profile: 'server', name: 'by-cn', cn: 'MQTT.Example.com' });
    // The summary's subject is printed from the values being encoded: names that need RFC 2253 escapes
    // (first/last space, leading #, , + " \ < > ; and UTF-8 octets) must print as the file reads back.
    const awkward = [' #Lead, Dev+1 "q" <x>;\\ é ü 漢 trail ', '#', ' a ', 'a\\', '😀 emoji', 'x=y#z'];
    for (const [i, cn] of awkward.entries()) {
      await issueCertificate(ws, { ca: 'root', profile: 'client', name: `awkward-${i}`, cn });
    }
    await issueBatch(ws, { ca: 'root', profile: 'client', names: ['a-1', 'a-2'] });
    for (const entry of listCertificates(ws)) {
      const parsed = summarize(readEntryCertificate(ws, entry.name), {
        name: entry.name,
        kind: entry.kind,
        hasKey: entry.hasKey,
        ...(entry.issuerName ? { issuerName: entry.issuerName } : {}),
      });
      expect(entry, entry.name).toEqual(parsed);
    }
  });
});

describe('key generation in a long-lived process', () => {
  it('40,000 EC and 20,000 Ed25519 keys in one process end (Node 20 deadlocks on a generated key exported to JWK)', async () => {
    // A deadlock cannot be caught inside this worker (the thread never returns), so the loop runs in a
    // child process over the built core; a hang shows as the child killed at the deadline.
    const keys = new URL('../../out/node/core/pki/keys.js', import.meta.url).href;
    const script = `const { generateEncodedKey } = await import(${JSON.stringify(keys)});
      let n = 0;
      for (let i = 0; i < 40000; i++) n += (await generateEncodedKey('ec-p256')).spki.length > 0 ? 1 : 0;
      for (let i = 0; i < 20000; i++) n += (await generateEncodedKey('ed25519')).spki.length > 0 ? 1 : 0;
      console.log(n);`;
    const result = await run(process.execPath, ['--input-type=module', '-e', script], { timeoutMs: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('60000');
  }, 70_000);
});
