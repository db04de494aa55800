import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type SecureVersion, type TLSSocket } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { peerCertificateFromSession } from '../../src-main/core/broker/peer-certificate.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { makeTestPki, type TestPki } from './openssl-pki.js';

const dir = sharedTempDir('mts-peer-cert-');
let pki: TestPki;

beforeAll(async () => {
  pki = await makeTestPki(join(dir, 'pki'));
}, 60_000);

interface Seen {
  fromSession: Buffer | undefined;
  fromPeerCertificate: Buffer | undefined;
}

/** One real mutual-TLS handshake; what the server reads of the client certificate both ways. */
async function handshake(version: SecureVersion, clientCert?: string): Promise<Seen> {
  const read = (name: string) => readFileSync(pki.path(name));
  let seen!: Seen;
  const server = createServer(
    {
      key: read('server.key'),
      cert: read('server.chain.crt'),
      ca: read('ca.crt'),
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: version,
      maxVersion: version,
    },
    (socket: TLSSocket) => {
      seen = {
        fromSession: peerCertificateFromSession(socket),
        fromPeerCertificate: socket.getPeerCertificate().raw,
      };
      socket.end();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => {
    const client = connect({
      port,
      host: '127.0.0.1',
      servername: 'localhost',
      ca: read('ca.crt'),
      ...(clientCert ? { cert: read(`${clientCert}.crt`), key: read(`${clientCert}.key`) } : {}),
      minVersion: version,
      maxVersion: version,
    });
    client.on('error', reject);
    client.on('close', () => resolve());
    client.resume();
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return seen;
}

describe('peerCertificateFromSession', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`reads the client certificate's DER from the ${version} session, as getPeerCertificate() sees it`, async () => {
      const seen = await handshake(version, 'client1');
      const expected = new X509Certificate(readFileSync(pki.path('client1.crt'))).raw;
      expect(seen.fromSession?.equals(expected)).toBe(true);
      expect(seen.fromPeerCertificate?.equals(expected)).toBe(true);
    });
  }

  it('is undefined when the client sent no certificate', async () => {
    const seen = await handshake('TLSv1.3');
    expect(seen.fromPeerCertificate).toBeUndefined();
    expect(seen.fromSession).toBeUndefined();
  });

  it('is undefined (callers fall back to getPeerCertificate) when the session cannot be read', () => {
    const broken = { getSession: () => Buffer.from([0x30, 0x05, 0x02, 0x01]) } as unknown as TLSSocket;
    expect(peerCertificateFromSession(broken)).toBeUndefined();
    const none = { getSession: () => undefined } as unknown as TLSSocket;
    expect(peerCertificateFromSession(none)).toBeUndefined();
  });
});
