/**
 * Re-issue a workspace leaf under the same name: same CA, same subject, same key, new serial and
 * validity, with subject alternative names added (the inspector's fix for a host name missing from a
 * server certificate). Only the certificate file and its index entry change; the key file stays, so a
 * broker's keyfile keeps working with the new certificate.
 */
import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import { buildCertificate } from './certificate-builder.js';
import { parseCertificateDer } from './certificate-parser.js';
import { LEAF_DAYS } from './issue.js';
import { lockIndex } from './index-lock.js';
import { daysOption, loadIssuingCa, validityWindow } from './issuing-ca.js';
import { toPem } from './pem.js';
import { leafKeyUsage, profileEku } from './profiles.js';
import {
  certPath,
  getEntry,
  indexChange,
  loadIndex,
  readEntryCertificate,
  summarize,
  toSummary,
  validateName,
  type IndexEntry,
} from './store.js';
import { sanOption } from './subject-alt-names.js';
import type { CertificateSummary } from './types.js';

export interface ReissueOptions {
  /** Workspace name of the server or client certificate. */
  name: string;
  /** SAN entries to add (`dns:host`, `ip:addr`); those it already has are kept. */
  addSan?: string[];
  /** Validity in days (default 365, never beyond the CA's own expiry). */
  days?: number;
}

export function reissueCertificate(ws: Workspace, options: ReissueOptions): CertificateSummary {
  const name = validateName(options.name, 'name');
  const added = sanOption(options.addSan, 'addSan');
  daysOption(options.days);
  const release = lockIndex(ws);
  try {
    const now = new Date();
    const entries = loadIndex(ws);
    const entry = getEntry(entries, name);
    const profile = entry.profile ?? (entry.kind === 'server' || entry.kind === 'client' ? entry.kind : null);
    if (entry.isCa || !profile) {
      throw new UserError(
        `name: "${name}" is not a server or client certificate issued here; only those can be re-issued`,
        'NOT_REISSUABLE',
        { field: 'name' },
      );
    }
    if (!entry.issuerName) {
      throw new UserError(
        `name: "${name}" was not issued by a CA of this workspace, so it cannot be re-issued here`,
        'NOT_REISSUABLE',
        { field: 'name' },
      );
    }
    if (entry.revoked) {
      throw new UserError(
        `name: "${name}" is revoked (${entry.revoked.reason}); issue a new certificate under another name`,
        'REVOKED',
        { field: 'name' },
      );
    }
    const old = readEntryCertificate(ws, name);
    const ca = loadIssuingCa(ws, entries, entry.issuerName, 'ca', now);
    const window = validityWindow(options.days, LEAF_DAYS, ca.cert, ca.entry.name, now);
    const san = [...(old.ext.subjectAltName?.entries ?? [])];
    for (const entrySan of added) if (!san.includes(entrySan)) san.push(entrySan);
    const der = buildCertificate({
      subject: old.subjectDer,
      issuer: ca.cert.subjectDer,
      spki: old.spki,
      signingKey: ca.key,
      issuerKeyId: ca.keyId,
      notBefore: window.notBefore,
      notAfter: window.notAfter,
      keyUsage: old.ext.keyUsage?.usages ?? leafKeyUsage(entry.keyType.startsWith('rsa')),
      extKeyUsage: profileEku(profile),
      san,
    });
    const updated: IndexEntry = {
      ...entry,
      ...summarize(parseCertificateDer(der), {
        name,
        kind: entry.kind,
        hasKey: entry.hasKey,
        issuerName: ca.entry.name,
      }),
      createdAt: now.toISOString(),
    };
    ws.commit([
      { path: certPath(name), data: toPem(der, 'CERTIFICATE') },
      indexChange(
        ws,
        entries.map((e) => (e.name === name ? updated : e)),
      ),
    ]);
    return toSummary(updated);
  } finally {
    release();
  }
}
