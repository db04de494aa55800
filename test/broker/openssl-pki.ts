import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readableByMosquitto } from '../helpers/mosquitto.js';
import { join } from 'node:path';
import { opensslOk } from '../helpers/openssl.js';

/**
 * A test PKI made with the openssl CLI (an independent judge, not our pki code):
 * root → intermediate → server (localhost, 127.0.0.1, ::1) and clients. Keys are EC P-256, made readable
 * (0644) so Debian's mosquitto (which drops root to the mosquitto user) can read them.
 */
export interface TestPki {
  dir: string;
  /** Path of a file in the PKI folder. */
  path(name: string): string;
}

const CONFIG = `
[req]
distinguished_name = dn
[dn]
[x_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[x_server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
[x_client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[ca]
default_ca = inter
[inter]
database = inter-db/index.txt
crlnumber = inter-db/crlnumber
new_certs_dir = inter-db
certificate = inter.crt
private_key = inter.key
serial = inter-db/serial
default_md = sha256
default_crl_days = 7
policy = anything
copy_extensions = none
unique_subject = no
[other]
database = other-db/index.txt
crlnumber = other-db/crlnumber
new_certs_dir = other-db
certificate = other-root.crt
private_key = other-root.key
serial = other-db/serial
default_md = sha256
default_crl_days = 7
policy = anything
[anything]
commonName = optional
organizationalUnitName = optional
organizationName = optional
localityName = optional
stateOrProvinceName = optional
countryName = optional
emailAddress = optional
`;

async function openssl(dir: string, args: string[]): Promise<void> {
  await opensslOk(args, dir);
}

async function key(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    `${name}.key`,
  ]);
}

async function selfSigned(dir: string, name: string, cn: string): Promise<void> {
  await key(dir, name);
  await openssl(
    dir,
    ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '365'].concat([
      '-out',
      `${name}.crt`,
      '-extensions',
      'x_ca',
      '-config',
      'openssl.cnf',
    ]),
  );
}

interface LeafSpec {
  name: string;
  subject: string;
  ext: 'x_server' | 'x_client';
  ca?: 'inter' | 'other';
  start?: string;
  end?: string;
}

const LEAVES: LeafSpec[] = [
  { name: 'server', subject: '/CN=localhost', ext: 'x_server' },
  { name: 'client1', subject: '/C=GB/ST=Notts/O=Acme, Inc./OU=Dev/CN=client1', ext: 'x_client' },
  { name: 'client2', subject: '/CN=client2/O=Acme', ext: 'x_client' },
  { name: 'nocn', subject: '/O=Acme/OU=No Common Name', ext: 'x_client' },
  {
    name: 'expired',
    subject: '/CN=expired',
    ext: 'x_client',
    start: '20200101000000Z',
    end: '20200201000000Z',
  },
  { name: 'stranger', subject: '/CN=stranger', ext: 'x_client', ca: 'other' },
];

async function request(dir: string, spec: LeafSpec): Promise<void> {
  await key(dir, spec.name);
  await openssl(
    dir,
    ['req', '-new', '-key', `${spec.name}.key`, '-subj', spec.subject, '-out', `${spec.name}.csr`].concat([
      '-config',
      'openssl.cnf',
    ]),
  );
}

/** Sign with `openssl ca` (so dates and revocation work); one at a time, the CA database is a file. */
async function sign(dir: string, spec: LeafSpec): Promise<void> {
  const dates = spec.start ? ['-startdate', spec.start, '-enddate', spec.end!] : ['-days', '365'];
  await openssl(dir, [
    'ca',
    '-batch',
    '-notext',
    '-config',
    'openssl.cnf',
    '-name',
    spec.ca ?? 'inter',
    '-extensions',
    spec.ext,
    '-in',
    `${spec.name}.csr`,
    '-out',
    `${spec.name}.crt`,
    ...dates,
  ]);
}

export async function makeTestPki(dir: string): Promise<TestPki> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'openssl.cnf'), CONFIG);
  for (const db of ['inter-db', 'other-db']) {
    mkdirSync(join(dir, db), { recursive: true });
    writeFileSync(join(dir, db, 'index.txt'), '');
    writeFileSync(join(dir, db, 'crlnumber'), '01\n');
    writeFileSync(join(dir, db, 'serial'), `${db === 'inter-db' ? '1000' : '2000'}\n`);
  }
  await selfSigned(dir, 'root', 'Test Root CA');
  await key(dir, 'inter');
  await openssl(dir, [
    'req',
    '-new',
    '-key',
    'inter.key',
    '-subj',
    '/CN=Test Intermediate CA',
    '-out',
    'inter.csr',
    '-config',
    'openssl.cnf',
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'inter.csr',
    '-CA',
    'root.crt',
    '-CAkey',
    'root.key',
    '-set_serial',
    '4096',
    '-days',
    '365',
    '-extfile',
    'openssl.cnf',
    '-extensions',
    'x_ca',
    '-out',
    'inter.crt',
  ]);
  await selfSigned(dir, 'other-root', 'Other Root CA');
  await Promise.all(LEAVES.map((spec) => request(dir, spec)));
  for (const spec of LEAVES) await sign(dir, spec);
  await openssl(dir, ['ca', '-config', 'openssl.cnf', '-name', 'inter', '-revoke', 'client2.crt']);
  await openssl(dir, ['ca', '-config', 'openssl.cnf', '-name', 'inter', '-gencrl', '-out', 'inter.crl']);
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  writeFileSync(join(dir, 'ca.crt'), read('inter.crt') + read('root.crt'));
  writeFileSync(join(dir, 'server.chain.crt'), read('server.crt') + read('inter.crt'));
  readableByMosquitto(dir);
  return { dir, path: (name: string) => join(dir, name) };
}

/** Issue one more leaf from the intermediate (e.g. a replacement server certificate). */
export async function issueLeaf(
  pki: TestPki,
  name: string,
  subject: string,
  ext: 'x_server' | 'x_client',
): Promise<void> {
  const spec: LeafSpec = { name, subject, ext };
  await request(pki.dir, spec);
  await sign(pki.dir, spec);
  chmodSync(join(pki.dir, `${name}.key`), 0o644);
}

/** Revoke a leaf issued by the intermediate and write the intermediate's new CRL to `crlFile`. */
export async function revokeAndPublish(pki: TestPki, name: string, crlFile: string): Promise<void> {
  await openssl(pki.dir, ['ca', '-config', 'openssl.cnf', '-name', 'inter', '-revoke', `${name}.crt`]);
  await openssl(pki.dir, ['ca', '-config', 'openssl.cnf', '-name', 'inter', '-gencrl', '-out', crlFile]);
}

/** `openssl ca -crl_lastupdate/-crl_nextupdate` time: YYYYMMDDHHMMSSZ. */
const caTime = (date: Date) => date.toISOString().replace(/[-:T]|\.\d+/g, '');

/**
 * Have `openssl ca -gencrl` sign a CRL of the intermediate with the given real thisUpdate/nextUpdate
 * (e.g. both in the past: an expired CRL), written to `crlFile` (readable by Mosquitto). No faked clock.
 */
export async function publishCrlAt(
  pki: TestPki,
  crlFile: string,
  times: { thisUpdate: Date; nextUpdate: Date },
): Promise<void> {
  await openssl(pki.dir, [
    'ca',
    '-config',
    'openssl.cnf',
    '-name',
    'inter',
    '-gencrl',
    '-crl_lastupdate',
    caTime(times.thisUpdate),
    '-crl_nextupdate',
    caTime(times.nextUpdate),
    '-out',
    crlFile,
  ]);
  chmodSync(crlFile, 0o644);
}
