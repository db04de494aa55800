/**
 * Everything export and import take from the certificate workshop (src-main/core/pki), in one place.
 * Import needs one thing the workshop does not offer: adding certificates as *changes* to commit together
 * with the broker files (pki's importCertificate commits on its own), so `certificateImportChanges` builds
 * the same index entries from the workshop's store helpers.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import {
  buildPkcs12,
  certificateChain,
  currentCrl,
  fingerprint,
  keyMatchesCertificate,
  listCertificates,
  privateKeyPem,
  readCertificate,
  readCrls,
  readKey,
  tlsMaterial,
  toPem,
  type CertificateSummary,
  type ParsedCrl,
  type TlsMaterial,
} from '../pki/index.js';
// Not in pki's index: the index store helpers (to add certificates as changes) and the issuer check.
import { isIssuedBy } from '../pki/certificate.js';
import {
  certPath,
  indexChange,
  keyPath,
  loadIndex,
  readCertPem,
  summarize,
  type IndexEntry,
} from '../pki/store.js';

export type { CertificateSummary, TlsMaterial, ParsedCrl };
export { listCertificates, tlsMaterial, certificateChain, readCrls, currentCrl };

/** Every CA certificate of the workshop (for completing chains). */
export function workshopCaCertificates(ws: Workspace): Array<{ name: string; cert: X509Certificate }> {
  return listCertificates(ws)
    .filter((c) => c.isCa)
    .map((c) => ({ name: c.name, cert: new X509Certificate(readCertPem(ws, c.name)) }));
}

/** The workshop certificate with this SHA-256 fingerprint, if any. */
export function workshopByFingerprint(ws: Workspace, fingerprint256: string): CertificateSummary | undefined {
  return listCertificates(ws).find((c) => c.fingerprint256 === fingerprint256);
}

/** A PKCS#12 of the certificate's key, leaf and chain (root included) under a passphrase. */
export function pkcs12Of(material: TlsMaterial, passphrase: string, friendlyName: string): Buffer {
  const rest = [...material.intermediates.split(/(?<=-----END CERTIFICATE-----\n)/), material.ca].filter(
    (p) => p.includes('BEGIN CERTIFICATE'),
  );
  return buildPkcs12({
    key: createPrivateKey(material.key),
    certPem: material.cert,
    chainPems: rest,
    passphrase,
    friendlyName,
  });
}

export interface CertificateToImport {
  name: string;
  certPem: string;
  /** PKCS#8 or other PEM key (already decrypted). */
  keyPem?: string;
  /** File names for messages. */
  certFile: string;
  keyFile?: string;
}

/**
 * Index entries and file changes that add certificates to the workshop, as pki's `cert import` would
 * (kind `imported`, linked to its issuer when that CA is in the workshop or among the new ones). A
 * certificate already in the workshop (same fingerprint) is not added again: `existing` maps it.
 */
export function certificateImportChanges(
  ws: Workspace,
  items: readonly CertificateToImport[],
): { changes: WorkspaceChange[]; added: string[]; existing: Map<string, string> } {
  const entries: IndexEntry[] = loadIndex(ws).map((e) => ({ ...e }));
  const changes: WorkspaceChange[] = [];
  const added: string[] = [];
  const existing = new Map<string, string>();
  const parsedByName = new Map(entries.map((e) => [e.name, () => readCertificate(readCertPem(ws, e.name))]));
  const fresh = new Map<string, ReturnType<typeof readCertificate>>();
  for (const item of items) {
    const cert = readCertificate(item.certPem, item.certFile);
    const fp = fingerprint(cert.der, 'sha256');
    const same = entries.find((e) => e.fingerprint256 === fp);
    if (same) {
      existing.set(item.name, same.name);
      continue;
    }
    let hasKey = false;
    if (item.keyPem) {
      const key = readKey(item.keyPem, undefined, item.keyFile ?? item.certFile);
      if (keyMatchesCertificate(key, item.certPem)) {
        hasKey = true;
        changes.push({ path: keyPath(item.name), data: privateKeyPem(key), secret: true });
      }
    }
    const entry: IndexEntry = {
      ...summarize(cert, { name: item.name, kind: 'imported', hasKey }),
      origin: 'imported',
      createdAt: new Date().toISOString(),
    };
    entries.push(entry);
    fresh.set(item.name, cert);
    changes.push({ path: certPath(item.name), data: toPem(cert.der, 'CERTIFICATE') });
    added.push(item.name);
  }
  // Link issuers among old and new entries (a CA imported after its leaves becomes their issuer).
  const parsed = (name: string) => fresh.get(name) ?? parsedByName.get(name)?.();
  for (const entry of entries) {
    if (entry.issuerName || entry.subject === entry.issuer) continue;
    if (!added.includes(entry.name) && !entries.some((ca) => added.includes(ca.name) && ca.isCa)) continue;
    const cert = parsed(entry.name);
    if (!cert) continue;
    const issuer = entries.find(
      (ca) =>
        ca.isCa &&
        ca.subject === entry.issuer &&
        ca.name !== entry.name &&
        isIssuedBy(cert, parsed(ca.name)!),
    );
    if (issuer) entry.issuerName = issuer.name;
  }
  if (added.length > 0) changes.push(indexChange(ws, entries));
  return { changes, added, existing };
}
