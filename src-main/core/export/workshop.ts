/**
 * Everything export and import take from the certificate workshop (src-main/core/pki), in one place,
 * through pki's public index only. Import adds certificates as *changes* committed together with the
 * broker files, with pki's `certificateImportChanges` (what `cert import` commits on its own).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import {
  buildPkcs12,
  certificateChain,
  certificateImportChanges as workshopImportChanges,
  currentCrl,
  keyMatchesCertificate,
  listCertificates,
  readCertPem,
  readCertificate,
  readCrls,
  readKey,
  tlsMaterial,
  type CertificateSummary,
  type ParsedCrl,
  type TlsMaterial,
} from '../pki/index.js';

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
 * (kind `imported`, linked to its issuer when that CA is in the workshop or among the new ones). A key
 * that does not belong to its certificate is left out. A certificate already in the workshop (same
 * fingerprint) is not added again: `existing` maps it.
 */
export function certificateImportChanges(
  ws: Workspace,
  items: readonly CertificateToImport[],
): { changes: WorkspaceChange[]; added: string[]; existing: Map<string, string> } {
  const plan = workshopImportChanges(
    ws,
    items.map((item) => {
      const cert = readCertificate(item.certPem, item.certFile);
      if (!item.keyPem) return { name: item.name, cert };
      const key = readKey(item.keyPem, undefined, item.keyFile ?? item.certFile);
      return keyMatchesCertificate(key, item.certPem)
        ? { name: item.name, cert, key }
        : { name: item.name, cert };
    }),
  );
  return { changes: plan.changes, added: plan.added.map((c) => c.name), existing: plan.existing };
}
