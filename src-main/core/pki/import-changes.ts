/**
 * The workspace changes that add certificates (and their keys) to the workshop, without committing
 * them: `cert import` commits them on their own, the import of a production mosquitto.conf together
 * with the broker files it copies. The caller holds the index lock when it needs one.
 */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../user-error.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import { fingerprint, isIssuedBy, isSelfSigned } from './certificate.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { keyMatchesSpki, privateKeyPem } from './keys.js';
import { toPem } from './pem.js';
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
import type { CertificateKind, CertificateSummary } from './types.js';

export interface CertificateImportItem {
  /** Workspace name of the new entry (must be valid and free). */
  name: string;
  cert: ParsedCertificate;
  /** Its private key; it must belong to `cert`. */
  key?: KeyObject;
  /** Names the key in a refusal. */
  keyFile?: string;
  /** Its kind in the index (default `imported`; `root-ca`/`intermediate-ca` for a bundle's CAs). */
  kind?: CertificateKind;
}

export interface CertificateImportChanges {
  /** Certificate and key files, and the new index (absent when nothing is added). */
  changes: WorkspaceChange[];
  /** The new entries, in the order given. */
  added: CertificateSummary[];
  /** Certificates the workspace already holds (same SHA-256 fingerprint): given name → its name there. */
  existing: Map<string, string>;
}

/** May issue: a CA, or a root (a v1 root has no basicConstraints, OpenSSL still takes it as a CA). */
const actsAsCa = (entry: CertificateSummary): boolean => entry.isCa || entry.kind === 'root-ca';

/**
 * Each certificate becomes an entry (`imported` unless its item says otherwise) linked to the workspace CA that issued it (one already
 * in the index, or one of the new ones); a CA among the new ones becomes the issuer of the entries it
 * issued. A certificate the workspace already holds is not added again (see `existing`).
 */
export function certificateImportChanges(
  ws: Workspace,
  items: readonly CertificateImportItem[],
): CertificateImportChanges {
  const entries = loadIndex(ws).map((e) => ({ ...e }));
  const fresh: Array<{ item: CertificateImportItem; summary: CertificateSummary }> = [];
  const existing = new Map<string, string>();
  for (const item of items) {
    const known = [...entries, ...fresh.map((f) => f.summary)];
    validateName(item.name, 'name');
    assertNameFree(known, item.name);
    const fp = fingerprint(item.cert.der, 'sha256');
    const same = known.find((e) => e.fingerprint256 === fp);
    if (same) {
      existing.set(item.name, same.name);
      continue;
    }
    if (item.key && !keyMatchesSpki(item.key, item.cert.spki)) {
      const keyFile = item.keyFile ?? 'key';
      throw new UserError(`${keyFile}: the private key does not belong to the certificate`, 'KEY_MISMATCH', {
        file: keyFile,
      });
    }
    fresh.push({
      item,
      summary: summarize(item.cert, { name: item.name, kind: item.kind ?? 'imported', hasKey: !!item.key }),
    });
  }

  // Issuers are looked for among the workspace CAs (existing ones first) and the new ones.
  const candidates = [...entries, ...fresh.map((f) => f.summary)].filter(actsAsCa);
  const freshCert = new Map(fresh.map(({ item }) => [item.name, item.cert]));
  const parsed = (name: string) => freshCert.get(name) ?? readEntryCertificate(ws, name);
  const changes: WorkspaceChange[] = [];
  const createdAt = new Date().toISOString();
  const added: IndexEntry[] = fresh.map(({ item }) => {
    const issuerName = isSelfSigned(item.cert)
      ? undefined
      : candidates.find(
          (ca) =>
            ca.subject === item.cert.issuer.rfc2253 &&
            ca.name !== item.name &&
            isIssuedBy(item.cert, parsed(ca.name)),
        )?.name;
    changes.push({ path: certPath(item.name), data: toPem(item.cert.der, 'CERTIFICATE') });
    if (item.key) changes.push({ path: keyPath(item.name), data: privateKeyPem(item.key), secret: true });
    return {
      ...summarize(item.cert, {
        name: item.name,
        kind: item.kind ?? 'imported',
        hasKey: !!item.key,
        ...(issuerName ? { issuerName } : {}),
      }),
      origin: 'imported',
      createdAt,
    };
  });

  // A CA arriving after certificates it issued becomes their issuer.
  for (const ca of added.filter(actsAsCa)) {
    for (const other of entries) {
      if (other.issuerName || other.issuer !== ca.subject || other.subject === other.issuer) continue;
      if (isIssuedBy(readEntryCertificate(ws, other.name), freshCert.get(ca.name)!))
        other.issuerName = ca.name;
    }
  }
  if (added.length > 0) changes.push(indexChange(ws, [...entries, ...added]));
  return { changes, added: added.map(toSummary), existing };
}
