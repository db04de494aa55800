import { readFileSync } from 'node:fs';
import { DEFAULT_CIPHERS, type SecureContextOptions, type SecureVersion } from 'node:tls';
import {
  hasCertificateTls,
  readCapath,
  readCertificates,
  readPrivateKey,
  resolveConfPath,
  type ListenerSettings,
  type TlsVersion,
} from '../conf/index.js';
import type { ParsedCrl } from '../pki/index.js';
import type * as Revocation from './revocation.js';

const MIN_VERSION: Record<TlsVersion, SecureVersion> = {
  'tlsv1.1': 'TLSv1.1',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
};

const DEFAULT_TLS13 = DEFAULT_CIPHERS.split(':').filter((c) => c.startsWith('TLS_'));
const DEFAULT_TLS12 = DEFAULT_CIPHERS.split(':').filter((c) => !c.startsWith('TLS_'));

/**
 * Node takes one cipher string for both TLS 1.3 suites and older ciphers; Mosquitto has `ciphers`
 * (TLS ≤ 1.2) and `ciphers_tls1.3`. Each side not configured keeps its default. PSK listeners need the
 * PSK ciphers Node's default list excludes.
 */
export function cipherString(listener: ListenerSettings, psk: boolean): string | undefined {
  if (!listener.ciphers && !listener.ciphersTls13 && !psk) return undefined;
  const tls13 = listener.ciphersTls13 ?? DEFAULT_TLS13.join(':');
  const tls12 =
    listener.ciphers ??
    (psk ? [...DEFAULT_TLS12.filter((c) => c !== '!PSK'), 'PSK'].join(':') : DEFAULT_TLS12.join(':'));
  return `${tls13}:${tls12}`;
}

export interface ListenerTlsMaterial {
  /** Options for `tls.createServer` / `setSecureContext`. */
  context: SecureContextOptions;
  /** CRLs of crlfile (checked by the broker against the client's leaf, as Mosquitto does). */
  crls?: ParsedCrl[];
  /** Absolute paths of the files this material was read from. */
  files: string[];
  /** The capath folder, whose entries are watched. */
  folder?: string;
}

/**
 * Read the certificate material of a TLS listener. The certificate file is sent as written; when it holds
 * only the leaf, OpenSSL completes the chain from cafile/capath as Mosquitto's OpenSSL does. Throws with
 * a plain reason (the conf validation names the line beforehand). A listener with a crlfile passes the
 * CRL check it loaded (revocation.ts), which reads the CRLs.
 */
export function loadListenerTls(
  listener: ListenerSettings,
  baseDir: string,
  revocation?: typeof Revocation,
): ListenerTlsMaterial {
  const path = (p: string) => resolveConfPath(baseDir, p);
  const context: SecureContextOptions = { minVersion: MIN_VERSION[listener.tlsVersion ?? 'tlsv1.2'] };
  const files: string[] = [];
  const psk = Boolean(listener.pskHint) && !hasCertificateTls(listener);
  const ciphers = cipherString(listener, psk);
  if (ciphers) context.ciphers = ciphers;
  if (!hasCertificateTls(listener)) return { context, files };

  const certfile = path(listener.certfile!);
  const keyfile = path(listener.keyfile!);
  const certificates = readCertificates(certfile);
  const key = readPrivateKey(keyfile);
  if (!certificates.certificates[0].checkPrivateKey(key)) {
    throw new Error(`${keyfile} does not match the certificate in ${certfile}`);
  }
  context.cert = readFileSync(certfile);
  context.key = key.export({ format: 'pem', type: 'pkcs8' });
  files.push(certfile, keyfile);
  const ca: string[] = [];
  if (listener.cafile) {
    const cafile = path(listener.cafile);
    ca.push(...readCertificates(cafile).pem);
    files.push(cafile);
  }
  if (listener.capath) {
    const capath = path(listener.capath);
    ca.push(...readCapath(capath));
  }
  if (ca.length > 0) context.ca = ca;
  let crls: ParsedCrl[] | undefined;
  if (listener.crlfile) {
    const crlfile = path(listener.crlfile);
    if (!revocation) throw new Error(`${crlfile}: the CRL check is not loaded`);
    crls = revocation.readCrlFile(crlfile);
    files.push(crlfile);
  }
  const material: ListenerTlsMaterial = { context, crls, files };
  if (listener.capath) material.folder = path(listener.capath);
  return material;
}
