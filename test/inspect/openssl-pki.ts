/**
 * A test PKI made with the openssl CLI only (independent of our own pki code): a root, an intermediate,
 * healthy and broken server certificates, client certificates, a CRL, an encrypted key and a PKCS#12.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

interface CaFiles {
  name: string;
  dir: string;
  cert: string;
  key: string;
  config: string;
}

function caConfig(dir: string): string {
  const config = join(dir, 'ca.cnf');
  writeFileSync(
    config,
    [
      '[ ca ]',
      'default_ca = CA_default',
      '[ CA_default ]',
      `dir = ${dir}`,
      `database = ${dir}/index.txt`,
      `new_certs_dir = ${dir}/newcerts`,
      `serial = ${dir}/serial`,
      `crlnumber = ${dir}/crlnumber`,
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      'default_days = 365',
      'default_crl_days = 30',
      'copy_extensions = none',
      '[ policy_any ]',
      'commonName = supplied',
      'organizationName = optional',
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), `${Date.now().toString(16).slice(-8)}01\n`);
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  return config;
}

export interface LeafSpec {
  cn: string;
  /** Extension lines, e.g. `subjectAltName = DNS:localhost`. */
  extensions: string[];
  start?: Date;
  end?: Date;
}

export class OpensslPki {
  readonly files: Record<string, string> = {};

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  key(name: string): string {
    const file = this.path(`${name}.key`);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], this.dir);
    return file;
  }

  root(name: string, cn: string): CaFiles {
    const dir = this.path(`${name}-ca`);
    mkdirSync(dir, { recursive: true });
    const key = this.key(name);
    const cert = this.path(`${name}.crt`);
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        key,
        '-subj',
        `/CN=${cn}`,
        '-days',
        '3650',
        '-sha256',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-addext',
        'subjectKeyIdentifier=hash',
        '-out',
        cert,
      ],
      this.dir,
    );
    return { name, dir, cert, key, config: caConfig(dir) };
  }

  /** Sign a new key's CSR with `ca` through `openssl ca` (which keeps the index for revocation). */
  issue(ca: CaFiles, name: string, spec: LeafSpec): string {
    const key = this.key(name);
    const csr = this.path(`${name}.csr`);
    openssl(['req', '-new', '-key', key, '-subj', `/CN=${spec.cn}`, '-out', csr], this.dir);
    const extfile = this.path(`${name}.ext`);
    writeFileSync(
      extfile,
      ['authorityKeyIdentifier = keyid', 'subjectKeyIdentifier = hash', ...spec.extensions, ''].join('\n'),
    );
    const cert = this.path(`${name}.crt`);
    const start = spec.start ?? new Date(Date.now() - 3600_000);
    const end = spec.end ?? new Date(Date.now() + 365 * 86400_000);
    openssl(
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        ca.config,
        '-cert',
        ca.cert,
        '-keyfile',
        ca.key,
        '-in',
        csr,
        '-out',
        cert,
        '-extfile',
        extfile,
        '-startdate',
        stamp(start),
        '-enddate',
        stamp(end),
      ],
      this.dir,
    );
    return cert;
  }

  intermediate(root: CaFiles, name: string, cn: string): CaFiles {
    const cert = this.issue(root, name, {
      cn,
      extensions: [
        'basicConstraints = critical, CA:TRUE, pathlen:0',
        'keyUsage = critical, keyCertSign, cRLSign',
      ],
    });
    const dir = this.path(`${name}-ca`);
    mkdirSync(dir, { recursive: true });
    return { name, dir, cert, key: this.path(`${name}.key`), config: caConfig(dir) };
  }

  revoke(ca: CaFiles, cert: string): void {
    openssl(
      [
        'ca',
        '-config',
        ca.config,
        '-cert',
        ca.cert,
        '-keyfile',
        ca.key,
        '-revoke',
        cert,
        '-crl_reason',
        'keyCompromise',
      ],
      this.dir,
    );
  }

  crl(ca: CaFiles, out: string): string {
    const file = this.path(out);
    openssl(
      ['ca', '-gencrl', '-config', ca.config, '-cert', ca.cert, '-keyfile', ca.key, '-out', file],
      this.dir,
    );
    return file;
  }

  selfSigned(name: string, cn: string, extensions: string[]): string {
    const key = this.key(name);
    const cert = this.path(`${name}.crt`);
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        key,
        '-subj',
        `/CN=${cn}`,
        '-days',
        '365',
        ...extensions.flatMap((e) => ['-addext', e]),
        '-out',
        cert,
      ],
      this.dir,
    );
    return cert;
  }

  /** Concatenate files into a new one (a chain file). */
  bundle(out: string, parts: string[]): string {
    const file = this.path(out);
    writeFileSync(file, parts.map((part) => readFileSync(part, 'utf8')).join(''));
    return file;
  }

  encryptKey(name: string, passphrase: string): string {
    const out = this.path(`${name}.enc.key`);
    openssl(
      [
        'pkcs8',
        '-topk8',
        '-v2',
        'aes-256-cbc',
        '-in',
        this.path(`${name}.key`),
        '-passout',
        `pass:${passphrase}`,
        '-out',
        out,
      ],
      this.dir,
    );
    return out;
  }

  pkcs12(name: string, chain: string[], passphrase: string): string {
    const out = this.path(`${name}.p12`);
    const chainFile = this.bundle(`${name}.p12chain.pem`, chain);
    openssl(
      [
        'pkcs12',
        '-export',
        '-inkey',
        this.path(`${name}.key`),
        '-in',
        this.path(`${name}.crt`),
        '-certfile',
        chainFile,
        '-passout',
        `pass:${passphrase}`,
        '-out',
        out,
      ],
      this.dir,
    );
    return out;
  }
}

export const SERVER_EXT = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = serverAuth',
];
export const CLIENT_EXT = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = clientAuth',
];
export const LOCAL_SAN = 'subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1';

/** The standard test PKI: what every inspect test needs, made once per test file. */
export function buildTestPki(dir: string) {
  const pki = new OpensslPki(dir);
  const root = pki.root('root', 'Inspect Test Root');
  const inter = pki.intermediate(root, 'inter', 'Inspect Test Intermediate');
  const rogue = pki.root('rogue', 'Rogue Root');
  const year = 365 * 86400_000;
  const server = pki.issue(inter, 'server', { cn: 'localhost', extensions: [...SERVER_EXT, LOCAL_SAN] });
  const expired = pki.issue(inter, 'expired', {
    cn: 'localhost',
    extensions: [...SERVER_EXT, LOCAL_SAN],
    start: new Date(Date.now() - 2 * year),
    end: new Date(Date.now() - year),
  });
  const future = pki.issue(inter, 'future', {
    cn: 'localhost',
    extensions: [...SERVER_EXT, LOCAL_SAN],
    start: new Date(Date.now() + year),
    end: new Date(Date.now() + 2 * year),
  });
  const otherHost = pki.issue(inter, 'other-host', {
    cn: 'other.example',
    extensions: [...SERVER_EXT, 'subjectAltName = DNS:other.example'],
  });
  const ipInCn = pki.issue(inter, 'ip-in-cn', { cn: '127.0.0.1', extensions: SERVER_EXT });
  const clientEku = pki.issue(inter, 'client-eku', {
    cn: 'localhost',
    extensions: [...CLIENT_EXT, LOCAL_SAN],
  });
  const revokedServer = pki.issue(inter, 'revoked-server', {
    cn: 'localhost',
    extensions: [...SERVER_EXT, LOCAL_SAN],
  });
  const selfSigned = pki.selfSigned('self-signed', 'localhost', [
    'basicConstraints=critical,CA:FALSE',
    LOCAL_SAN.replace(' = ', '='),
  ]);
  const client = pki.issue(inter, 'device-1', { cn: 'device-1', extensions: CLIENT_EXT });
  const revokedClient = pki.issue(inter, 'device-revoked', { cn: 'device-revoked', extensions: CLIENT_EXT });
  const rogueClient = pki.issue(rogue, 'device-rogue', { cn: 'device-rogue', extensions: CLIENT_EXT });
  pki.revoke(inter, revokedServer);
  pki.revoke(inter, revokedClient);
  const crl = pki.crl(inter, 'inter.crl');
  const rootCrl = pki.crl(root, 'root.crl');
  const chainOf = (leaf: string, out: string) => pki.bundle(out, [leaf, inter.cert]);
  const result = {
    pki,
    root,
    inter,
    rogue,
    server,
    serverChain: chainOf(server, 'server.chain.crt'),
    expiredChain: chainOf(expired, 'expired.chain.crt'),
    futureChain: chainOf(future, 'future.chain.crt'),
    otherHostChain: chainOf(otherHost, 'other-host.chain.crt'),
    ipInCnChain: chainOf(ipInCn, 'ip-in-cn.chain.crt'),
    clientEkuChain: chainOf(clientEku, 'client-eku.chain.crt'),
    revokedServerChain: chainOf(revokedServer, 'revoked-server.chain.crt'),
    selfSigned,
    client,
    revokedClient,
    rogueClient,
    crl,
    /** Both CRLs, as a broker checking every level wants them. */
    crls: pki.bundle('all.crl', [crl, rootCrl]),
    /** Root and intermediate: a broker's cafile for client certificates. */
    caBundle: pki.bundle('ca-bundle.crt', [root.cert, inter.cert]),
    /** Out of order, with a duplicate and the root: leaf, root, intermediate, intermediate. */
    messyChain: pki.bundle('messy.chain.crt', [server, root.cert, inter.cert, inter.cert]),
    key: (name: string) => pki.path(`${name}.key`),
  };
  readableByMosquitto(dir);
  return result;
}

/** Mosquitto started as root drops to the mosquitto user: let it read the test files (test keys only). */
export function readableByMosquitto(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  }
}

export type TestPki = ReturnType<typeof buildTestPki>;
