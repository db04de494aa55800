/**
 * `cert import`: bring existing material into the workspace — PEM, DER or PKCS#12 certificates,
 * keys in any common encoding (encrypted ones with a passphrase). A key that does not match its
 * certificate is refused; the certificate is linked to its issuer when that CA is in the workspace.
 */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../user-error.js';
import { lockIndex } from './index-lock.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import { fingerprint, isIssuedBy, isSelfSigned, readCertificates } from './certificate.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { parseCertificateDer } from './certificate-parser.js';
import { keyMatchesSpki, privateKeyPem, readKey } from './keys.js';
import { looksLikePem, parsePemBlocks, toPem } from './pem.js';
import { looksLikePkcs12, parsePkcs12 } from './pkcs12.js';
import {
  assertNameFree,
  certPath,
  indexChange,
  keyPath,
  loadIndex,
  readEntryCertificate,
  summarize,
  toSummary,
  validateName,
  type IndexEntry,
} from './store.js';
import type { CertificateSummary, ImportOptions } from './types.js';

const KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

interface Material {
  certs: ParsedCertificate[];
  key?: KeyObject;
}

/** Certificates (and a key, for PKCS#12 or a combined PEM) from the bytes of the cert file. */
function readMaterial(data: Buffer, file: string, passphrase: string | undefined): Material {
  if (data.length === 0) throw new UserError(`${file}: empty file`, 'BAD_CERTIFICATE', { file });
  if (looksLikePem(data)) {
    const certs = readCertificates(data, file);
    const hasKey = parsePemBlocks(data, file).some((b) => KEY_LABELS.includes(b.label));
    return hasKey ? { certs, key: readKey(data, passphrase, file) } : { certs };
  }
  try {
    return { certs: [parseCertificateDer(data)] };
  } catch (error) {
    if (looksLikePkcs12(data)) {
      const contents = parsePkcs12(data, passphrase, file);
      const certs = readCertificates(contents.certPem, file);
      return contents.keyPem ? { certs, key: readKey(contents.keyPem, undefined, file) } : { certs };
    }
    throw new UserError(
      `${file}: not a PEM, DER or PKCS#12 certificate (${(error as Error).message})`,
      'BAD_CERTIFICATE',
      { file },
    );
  }
}

/** The workspace CA that issued `cert`, if any. */
export function findIssuer(
  ws: Workspace,
  entries: IndexEntry[],
  cert: ParsedCertificate,
): string | undefined {
  if (isSelfSigned(cert)) return undefined;
  for (const entry of entries) {
    if (!entry.isCa || entry.subject !== cert.issuer.rfc2253) continue;
    if (isIssuedBy(cert, readEntryCertificate(ws, entry.name))) return entry.name;
  }
  return undefined;
}

export function importCertificate(ws: Workspace, options: ImportOptions): CertificateSummary {
  const name = validateName(options.name, 'name');
  const certFile = options.certFile ?? 'certificate';
  if (!Buffer.isBuffer(options.cert))
    throw new UserError('cert: the certificate bytes are required', 'BAD_CERTIFICATE', { field: 'cert' });
  const material = readMaterial(options.cert, certFile, options.passphrase);
  let key = material.key;
  let keyFile = certFile;
  if (options.key !== undefined) {
    keyFile = options.keyFile ?? 'key';
    key = readKey(options.key, options.passphrase, keyFile);
  }
  let cert = material.certs[0]!;
  if (key) {
    const matching = material.certs.find((c) => keyMatchesSpki(key!, c.spki));
    if (!matching) {
      throw new UserError(
        `${keyFile}: the private key does not belong to the certificate in ${certFile}`,
        'KEY_MISMATCH',
        { file: keyFile },
      );
    }
    cert = matching;
  }
  const release = lockIndex(ws);
  try {
    const entries = loadIndex(ws);
    assertNameFree(entries, name);
    const fp = fingerprint(cert.der, 'sha256');
    const same = entries.find((e) => e.fingerprint256 === fp);
    if (same) {
      throw new UserError(
        `${certFile}: this certificate is already in the workspace as "${same.name}"`,
        'DUPLICATE_CERTIFICATE',
        {
          file: certFile,
        },
      );
    }
    const issuerName = findIssuer(ws, entries, cert);
    const entry: IndexEntry = {
      ...summarize(cert, { name, kind: 'imported', hasKey: !!key, ...(issuerName ? { issuerName } : {}) }),
      origin: 'imported',
      createdAt: new Date().toISOString(),
    };
    // A CA arriving after certificates it issued becomes their issuer.
    const updated = entries.map((e) => ({ ...e }));
    if (entry.isCa) {
      for (const other of updated) {
        if (other.issuerName || other.issuer !== entry.subject || other.subject === other.issuer) continue;
        if (isIssuedBy(readEntryCertificate(ws, other.name), cert)) other.issuerName = name;
      }
    }
    const changes: WorkspaceChange[] = [{ path: certPath(name), data: toPem(cert.der, 'CERTIFICATE') }];
    if (key) changes.push({ path: keyPath(name), data: privateKeyPem(key), secret: true });
    changes.push(indexChange(ws, [...updated, entry]));
    ws.commit(changes);
    return toSummary(entry);
  } finally {
    release();
  }
}
