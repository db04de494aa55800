/** `cert list`, `cert show` and delete: reading and removing workspace certificates. */
import { UserError } from '../user-error.js';
import { lockIndex } from './index-lock.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import { describeParsed } from './certificate.js';
import { chainNames } from './chain.js';
import { toPem } from './pem.js';
import {
  certPath,
  crlPath,
  getEntry,
  indexChange,
  keyPath,
  loadIndex,
  readEntryCertificate,
  toSummary,
  validateName,
} from './store.js';
import type { CertificateShow, CertificateSummary } from './types.js';

/** Every certificate of the workspace, in the order they were added. */
export function listCertificates(ws: Workspace): CertificateSummary[] {
  return loadIndex(ws).map(toSummary);
}

/** One certificate: its summary, every decoded field and its PEM — never its key. */
export function showCertificate(ws: Workspace, name: string): CertificateShow {
  validateName(name, 'name');
  const entries = loadIndex(ws);
  const entry = getEntry(entries, name);
  const cert = readEntryCertificate(ws, name);
  return {
    summary: toSummary(entry),
    detail: describeParsed(cert),
    pem: toPem(cert.der, 'CERTIFICATE'),
    chainNames: chainNames(entries, name),
  };
}

/** Remove a certificate, its key and its CRL. Refused while it is the issuer of others. */
export function deleteCertificate(ws: Workspace, name: string): void {
  validateName(name, 'name');
  const release = lockIndex(ws);
  try {
    const entries = loadIndex(ws);
    const children = entries.filter((e) => e.issuerName === name);
    if (children.length > 0) {
      const list = children.map((c) => c.name);
      throw new UserError(
        `name: "${name}" issued ${list.length} certificate${list.length > 1 ? 's' : ''} (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}); delete those first`,
        'HAS_CHILDREN',
        { field: 'name' },
      );
    }
    const entry = getEntry(entries, name);
    const kept = entries.filter((e) => e.name !== name).map((e) => ({ ...e }));
    // A revoked certificate stays on its CA's CRL after it leaves the workspace.
    const issuer =
      entry.revoked && entry.issuerName ? kept.find((e) => e.name === entry.issuerName) : undefined;
    if (issuer && entry.revoked) {
      issuer.retainedRevocations = [
        ...(issuer.retainedRevocations ?? []),
        { name, serial: entry.serial, at: entry.revoked.at, reason: entry.revoked.reason },
      ];
    }
    const changes: WorkspaceChange[] = [indexChange(ws, kept)];
    for (const path of [certPath(name), keyPath(name), crlPath(name)]) {
      if (ws.exists(path)) changes.push({ path, remove: true });
    }
    ws.commit(changes);
  } finally {
    release();
  }
}
