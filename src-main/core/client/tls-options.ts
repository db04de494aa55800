import type { KeyObject } from 'node:crypto';
import * as tls from 'node:tls';
import { UserError } from '../user-error.js';
import type { ClientCertificateSource, TlsSettings } from './profile.js';
import {
  certificateFacts,
  checkKeyMatches,
  readCertificates,
  readPkcs12,
  readPkcs12Async,
  readPrivateKey,
  readPrivateKeyAsync,
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

/** The system's trusted roots as PEM (undefined: Node's own roots are the system roots here). */
export function systemRoots(): string[] | undefined {
  // Node ≥ 22.15 can read the operating system's store; older runtimes have only the bundled roots.
  const get = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (!get) return undefined;
  const all = new Set([...get('default'), ...get('system')]);
  return [...all];
}

type FilesSource = Extract<ClientCertificateSource, { kind: 'files' }>;
type Pkcs12Source = Extract<ClientCertificateSource, { kind: 'pkcs12' }>;

/** The client certificate chain and key to present, with the facts the session view shows. */
interface ClientIdentity {
  cert: string;
  key: string;
  facts: CertificateFacts;
}

const KEY_FIELDS = { key: 'tls.clientCert.keyPath', passphrase: 'tls.clientCert.passphrase' };
const PKCS12_FIELDS = { path: 'tls.clientCert.path', passphrase: 'tls.clientCert.passphrase' };

/**
 * Build the TLS options of a profile; every file and passphrase problem is a UserError naming the field.
 * An encrypted key or PKCS#12 file is derived inline (CLI one-shots); the app uses resolveTlsAsync.
 */
export function resolveTls(
  settings: TlsSettings,
  certificates: WorkspaceCertificates | undefined,
  secrets: ConnectSecrets = {},
): ResolvedTls {
  const trust = resolveTrust(settings, certificates);
  const source = settings.clientCert;
  let identity: ClientIdentity | undefined;
  if (source.kind === 'files') {
    const certs = clientCertificates(source);
    const key = readPrivateKey(keyFile(source), passphraseOf(source, secrets), source.keyPath, KEY_FIELDS);
    identity = filesIdentity(source, certs, key);
  } else if (source.kind === 'pkcs12') {
    const found = readPkcs12(pkcs12File(source), passphraseOf(source, secrets), source.path, PKCS12_FIELDS);
    identity = pkcs12Identity(found);
  } else {
    identity = workspaceIdentity(source, certificates);
  }
  return assemble(settings, trust, identity);
}

/** resolveTls with the key derivations of encrypted keys and PKCS#12 files off the event loop. */
export async function resolveTlsAsync(
  settings: TlsSettings,
  certificates: WorkspaceCertificates | undefined,
  secrets: ConnectSecrets = {},
): Promise<ResolvedTls> {
  const trust = resolveTrust(settings, certificates);
  const source = settings.clientCert;
  let identity: ClientIdentity | undefined;
  if (source.kind === 'files') {
    const certs = clientCertificates(source);
    const passphrase = passphraseOf(source, secrets);
    const key = await readPrivateKeyAsync(keyFile(source), passphrase, source.keyPath, KEY_FIELDS);
    identity = filesIdentity(source, certs, key);
  } else if (source.kind === 'pkcs12') {
    const passphrase = passphraseOf(source, secrets);
    identity = pkcs12Identity(
      await readPkcs12Async(pkcs12File(source), passphrase, source.path, PKCS12_FIELDS),
    );
  } else {
    identity = workspaceIdentity(source, certificates);
  }
  return assemble(settings, trust, identity);
}

function resolveTrust(
  settings: TlsSettings,
  certificates: WorkspaceCertificates | undefined,
): { ca?: string[]; label: string } {
  const trust = settings.trust;
  if (trust.kind === 'workspace') {
    if (!certificates) throw noWorkspace('tls.trust.ca');
    return { ca: certificates.trustAnchors(trust.ca), label: `the workspace CA "${trust.ca}"` };
  }
  if (trust.kind === 'file') {
    const ca = readCertificates(readProfileFile(trust.path, 'tls.trust.path'), trust.path, 'tls.trust.path');
    return { ca, label: `the CA file ${trust.path}` };
  }
  const roots = systemRoots();
  return { ...(roots ? { ca: roots } : {}), label: 'the system roots' };
}

function passphraseOf(source: FilesSource | Pkcs12Source, secrets: ConnectSecrets): string | undefined {
  return secrets.passphrase ?? source.passphrase;
}

function clientCertificates(source: FilesSource): string[] {
  const field = 'tls.clientCert.certPath';
  return readCertificates(readProfileFile(source.certPath, field), source.certPath, field);
}

function keyFile(source: FilesSource): Buffer {
  return readProfileFile(source.keyPath, KEY_FIELDS.key);
}

function pkcs12File(source: Pkcs12Source): Buffer {
  return readProfileFile(source.path, PKCS12_FIELDS.path);
}

function filesIdentity(source: FilesSource, certs: string[], key: KeyObject): ClientIdentity {
  checkKeyMatches(certs[0]!, key, source.keyPath, KEY_FIELDS.key);
  return {
    cert: certs.join(''),
    key: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    facts: certificateFacts(certs[0]!),
  };
}

function pkcs12Identity({ certs, keyPem }: { certs: string[]; keyPem: string }): ClientIdentity {
  return { cert: certs.join(''), key: keyPem, facts: certificateFacts(certs[0]!) };
}

function workspaceIdentity(
  source: ClientCertificateSource,
  certificates: WorkspaceCertificates | undefined,
): ClientIdentity | undefined {
  if (source.kind !== 'workspace') return undefined;
  if (!certificates) throw noWorkspace('tls.clientCert.name');
  const identity = certificates.identity(source.name);
  return { cert: identity.chain || identity.cert, key: identity.key, facts: certificateFacts(identity.cert) };
}

function assemble(
  settings: TlsSettings,
  trust: { ca?: string[]; label: string },
  identity: ClientIdentity | undefined,
): ResolvedTls {
  const options: tls.ConnectionOptions = { rejectUnauthorized: settings.verifyServer };
  if (trust.ca) options.ca = trust.ca;
  if (identity) {
    options.cert = identity.cert;
    options.key = identity.key;
  }
  if (settings.servername) options.servername = settings.servername;
  if (settings.alpn?.length) options.ALPNProtocols = settings.alpn;
  return { options, trustLabel: trust.label, ...(identity ? { clientCertificate: identity.facts } : {}) };
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
