import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readableByMosquitto } from '../helpers/mosquitto.js';
import { join } from 'node:path';
import { opensslOk } from '../helpers/openssl.js';
import { randomBytes } from 'node:crypto';

/**
 * A test PKI made by the openssl CLI (an independent judge, not our workshop): root → intermediate →
 * server (localhost, 127.0.0.1, broker.test) and clients device-1, device-2; a rogue CA with its own
 * client; device-1's key encrypted, device-2 as PKCS#12, both with passphrase "s3cret pass".
 */
export interface TestPki {
  dir: string;
  rootCrt: string;
  intCrt: string;
  /** root + intermediate, for a broker's cafile. */
  caBundle: string;
  serverCrt: string;
  serverChain: string;
  serverKey: string;
  device1Crt: string;
  device1Chain: string;
  device1Key: string;
  device1KeyEncrypted: string;
  device2Crt: string;
  device2Chain: string;
  device2Key: string;
  device2P12: string;
  /** The same, with the RC2/3DES encryption OpenSSL 3 refuses by default (`-legacy`). */
  device2LegacyP12: string;
  rogueCrt: string;
  rogueKey: string;
  passphrase: string;
}

async function key(dir: string, name: string): Promise<string> {
  await opensslOk(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`],
    dir,
  );
  return join(dir, `${name}.key`);
}

async function issue(
  dir: string,
  name: string,
  cn: string,
  issuer: string,
  extensions: string,
  days = 30,
): Promise<string> {
  await key(dir, name);
  await opensslOk(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  const signer =
    issuer === 'self'
      ? ['-signkey', `${name}.key`]
      : // A random serial, not -CAcreateserial: leaves are issued in parallel and would race on one .srl file.
        [
          '-CA',
          `${issuer}.crt`,
          '-CAkey',
          `${issuer}.key`,
          '-set_serial',
          `0x${randomBytes(16).toString('hex')}`,
        ];
  await opensslOk(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      ...signer,
      '-days',
      String(days),
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
  return join(dir, `${name}.crt`);
}

const CA_EXT =
  'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';
const CLIENT_EXT =
  'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';
const SERVER_EXT =
  'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,DNS:broker.test\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';

export async function makeTestPki(dir: string): Promise<TestPki> {
  const passphrase = 's3cret pass';
  mkdirSync(dir, { recursive: true });
  await issue(dir, 'root', 'Test Root CA', 'self', CA_EXT, 365);
  await issue(dir, 'int', 'Test Intermediate CA', 'root', CA_EXT + 'authorityKeyIdentifier=keyid\n', 365);
  await Promise.all([
    issue(dir, 'server', 'localhost', 'int', SERVER_EXT),
    issue(dir, 'device-1', 'device-1', 'int', CLIENT_EXT),
    issue(dir, 'device-2', 'device-2', 'int', CLIENT_EXT),
    (async () => {
      await issue(dir, 'rogue-ca', 'Rogue CA', 'self', CA_EXT, 365);
      await issue(dir, 'rogue', 'device-1', 'rogue-ca', CLIENT_EXT);
    })(),
  ]);
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const caBundle = write('ca-bundle.crt', read('root.crt') + read('int.crt'));
  const serverChain = write('server.chain.crt', read('server.crt') + read('int.crt'));
  const device1Chain = write('device-1.chain.crt', read('device-1.crt') + read('int.crt'));
  const device2Chain = write('device-2.chain.crt', read('device-2.crt') + read('int.crt'));
  await opensslOk(
    [
      'pkcs8',
      '-topk8',
      '-in',
      'device-1.key',
      '-out',
      'device-1.enc.key',
      '-v2',
      'aes-256-cbc',
      '-passout',
      `pass:${passphrase}`,
    ],
    dir,
  );
  await opensslOk(
    [
      'pkcs12',
      '-export',
      '-in',
      'device-2.crt',
      '-inkey',
      'device-2.key',
      '-certfile',
      'int.crt',
      '-name',
      'device-2',
      '-passout',
      `pass:${passphrase}`,
      '-out',
      'device-2.p12',
    ],
    dir,
  );
  await opensslOk(
    [
      'pkcs12',
      '-export',
      '-legacy',
      '-in',
      'device-2.crt',
      '-inkey',
      'device-2.key',
      '-certfile',
      'int.crt',
      '-passout',
      `pass:${passphrase}`,
      '-out',
      'device-2.legacy.p12',
    ],
    dir,
  );
  readableByMosquitto(dir);
  return {
    dir,
    rootCrt: join(dir, 'root.crt'),
    intCrt: join(dir, 'int.crt'),
    caBundle,
    serverCrt: join(dir, 'server.crt'),
    serverChain,
    serverKey: join(dir, 'server.key'),
    device1Crt: join(dir, 'device-1.crt'),
    device1Chain,
    device1Key: join(dir, 'device-1.key'),
    device1KeyEncrypted: join(dir, 'device-1.enc.key'),
    device2Crt: join(dir, 'device-2.crt'),
    device2Chain,
    device2Key: join(dir, 'device-2.key'),
    device2P12: join(dir, 'device-2.p12'),
    device2LegacyP12: join(dir, 'device-2.legacy.p12'),
    rogueCrt: join(dir, 'rogue.crt'),
    rogueKey: join(dir, 'rogue.key'),
    passphrase,
  };
}
