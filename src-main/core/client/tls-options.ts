import * as tls from 'node:tls';
import { UserError } from '../user-error.js';
import type { TlsSettings } from './profile.js';
import {
  certificateFacts,
  checkKeyMatches,
  readCertificates,
  readPkcs12,
  readPrivateKey,
  readProfileFile,
  type CertificateFacts,
} from './tls-files.js';

/**
 * The workshop's certificates as the client needs them. The api layer passes the pki-backed
 * implementation; keys never leave the main process.
 */
export interface WorkspaceCertificates {
  /** A certificate with its key: `chain` is the leaf then its intermediates (PEM), `key` PKCS#8 PEM. */
  identity(name: string): { cert: string; chain: string; key: string };
  /** The PEM certificates to trust for a workspace CA: the CA and its issuers up to the root. */
  trustAnchors(caName: string): string[];
}

/** Runtime secrets given at connect time (never saved unless the profile asks). */
export interface ConnectSecrets {
  password?: string;
  passphrase?: string;
  /** Write this connection's TLS key log here (not saved in the profile). */
  keyLogFile?: string;
}

/** Node TLS options for one connection, plus facts for the session view and for error explanations. */
export interface ResolvedTls {
  options: tls.ConnectionOptions;
  /** The trust anchors in words, e.g. 'the workspace CA "root"'. */
  trustLabel: string;
  /** The client certificate we present, when any. */
  clientCertificate?: CertificateFacts;
}

function systemRoots(): string[] | undefined {
  // Node ≥ 22.15 can read the operating system's store; older runtimes have only the bundled roots.
  const get = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (!get) return undefined;
  const all = new Set([...get('default'), ...get('system')]);
  return [...all];
}

/** Build the TLS options of a profile; every file and passphrase problem is a UserError naming the field. */
export function resolveTls(
  settings: TlsSettings,
  certificates: WorkspaceCertificates | undefined,
  secrets: ConnectSecrets = {},
): ResolvedTls {
  const options: tls.ConnectionOptions = { rejectUnauthorized: settings.verifyServer };
  let trustLabel = 'the system roots';
  const trust = settings.trust;
  if (trust.kind === 'workspace') {
    if (!certificates) throw noWorkspace('tls.trust.ca');
    options.ca = certificates.trustAnchors(trust.ca);
    trustLabel = `the workspace CA "${trust.ca}"`;
  } else if (trust.kind === 'file') {
    options.ca = readCertificates(
      readProfileFile(trust.path, 'tls.trust.path'),
      trust.path,
      'tls.trust.path',
    );
    trustLabel = `the CA file ${trust.path}`;
  } else {
    const roots = systemRoots();
    if (roots) options.ca = roots;
  }

  let clientCertificate: CertificateFacts | undefined;
  const source = settings.clientCert;
  if (source.kind === 'workspace') {
    if (!certificates) throw noWorkspace('tls.clientCert.name');
    const identity = certificates.identity(source.name);
    options.cert = identity.chain || identity.cert;
    options.key = identity.key;
    clientCertificate = certificateFacts(identity.cert);
  } else if (source.kind === 'files') {
    const passphrase = secrets.passphrase ?? source.passphrase;
    const certs = readCertificates(
      readProfileFile(source.certPath, 'tls.clientCert.certPath'),
      source.certPath,
      'tls.clientCert.certPath',
    );
    const key = readPrivateKey(
      readProfileFile(source.keyPath, 'tls.clientCert.keyPath'),
      passphrase,
      source.keyPath,
      {
        key: 'tls.clientCert.keyPath',
        passphrase: 'tls.clientCert.passphrase',
      },
    );
    checkKeyMatches(certs[0]!, key, source.keyPath, 'tls.clientCert.keyPath');
    options.cert = certs.join('');
    options.key = key.export({ type: 'pkcs8', format: 'pem' }) as string;
    clientCertificate = certificateFacts(certs[0]!);
  } else if (source.kind === 'pkcs12') {
    const passphrase = secrets.passphrase ?? source.passphrase;
    const data = readProfileFile(source.path, 'tls.clientCert.path');
    const { certs, keyPem } = readPkcs12(data, passphrase, source.path, {
      path: 'tls.clientCert.path',
      passphrase: 'tls.clientCert.passphrase',
    });
    options.cert = certs.join('');
    options.key = keyPem;
    clientCertificate = certificateFacts(certs[0]!);
  }

  if (settings.servername) options.servername = settings.servername;
  if (settings.alpn?.length) options.ALPNProtocols = settings.alpn;
  return { options, trustLabel, ...(clientCertificate ? { clientCertificate } : {}) };
}

function noWorkspace(field: string): UserError {
  return new UserError(
    `profile field "${field}": no workspace is open to take certificates from`,
    'NO_WORKSPACE',
    {
      field,
    },
  );
}
