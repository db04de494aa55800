/**
 * The certificates and keys a probe uses, checked before any network traffic: the trusted CAs (a CA file
 * or the system's roots), the client identity (PEM cert + key, encrypted keys, PKCS#12) and CRLs. Bad
 * input is one UserError naming the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { UserError } from '../user-error.js';
import { keyMatchesSpki } from '../pki/keys.js';
import { parsePkcs12Async, readCertificates, readCrls, readKeyAsync, toPem } from '../pki/index.js';
import type { ProbeOptions } from './types.js';

export interface ProbeMaterial {
  trustPem: string;
  /** Where the trust came from, for sentences: `system roots` or the CA file's name. */
  trustLabel: string;
  identity: { certPem: string; keyPem: string; label: string } | null;
  crlPem: string | undefined;
}

/** Where Linux distributions and macOS keep the system's trusted roots as one PEM bundle. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

let systemRoots: { pem: string; label: string } | null = null;

export function systemTrust(): { pem: string; label: string } {
  if (systemRoots) return systemRoots;
  const bundle = SYSTEM_BUNDLES.find((path) => existsSync(path));
  systemRoots = bundle
    ? { pem: readFileSync(bundle, 'utf8'), label: `system roots (${bundle})` }
    : { pem: rootCertificates.join('\n'), label: "Node's bundled roots" };
  return systemRoots;
}

/** The material of a probe; an encrypted key or PKCS#12 file is derived off the event loop. */
export async function prepareMaterial(options: ProbeOptions): Promise<ProbeMaterial> {
  let trustPem: string;
  let trustLabel: string;
  if (!options.trust || options.trust === 'system') {
    ({ pem: trustPem, label: trustLabel } = systemTrust());
  } else {
    trustLabel = options.trust.label ?? 'CA file';
    readCertificates(options.trust.caPem, trustLabel); // one clear error for a file without certificates
    trustPem = options.trust.caPem;
  }
  let identity: ProbeMaterial['identity'] = null;
  const client = options.clientCert;
  if (client?.kind === 'pem') {
    const label = client.label ?? 'client certificate';
    const certificates = readCertificates(client.certPem, label);
    const key = await readKeyAsync(client.keyPem, client.passphrase, `${label} key`);
    if (!keyMatchesSpki(key, certificates[0]!.spki)) {
      throw new UserError(
        `${label}: the private key does not belong to this certificate (their public keys differ)`,
        'KEY_MISMATCH',
        { file: label },
      );
    }
    identity = {
      certPem: certificates.map((certificate) => toPem(certificate.der, 'CERTIFICATE')).join(''),
      keyPem: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
      label,
    };
  } else if (client?.kind === 'pkcs12') {
    const label = client.label ?? 'PKCS#12 file';
    const contents = await parsePkcs12Async(client.pfx, client.passphrase, label);
    if (!contents.keyPem)
      throw new UserError(`${label}: the PKCS#12 file holds no private key`, 'BAD_PKCS12', { file: label });
    identity = { certPem: contents.certPem + contents.chainPems.join(''), keyPem: contents.keyPem, label };
  }
  if (options.crlPem !== undefined) readCrls(options.crlPem, 'CRL file');
  return { trustPem, trustLabel, identity, crlPem: options.crlPem };
}
