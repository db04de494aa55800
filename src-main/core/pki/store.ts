/**
 * The workshop's part of the workspace folder:
 *
 *   certificates.json   index: one entry per certificate (summary fields + revocation + CRL number)
 *   certs/NAME.crt      the certificate, PEM
 *   keys/NAME.key       its private key, PKCS#8 PEM, mode 0600 (only when the workspace holds it)
 *   crl/NAME.crl        the latest CRL published by CA NAME, PEM (`X509 CRL`)
 *
 * Every change is one Workspace.commit: all files are written to temp files and fsynced, then renamed
 * into place, the index last — a failed or interrupted command leaves the folder as it was.
 */
import { UserError } from '../user-error.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import { fingerprint, serialHex, isCaCertificate } from './certificate.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { readCertificate } from './certificate.js';
import { commonNameOf } from './distinguished-name.js';
import { describeSpki } from './keys.js';
import type { CertificateKind, CertificateSummary, Profile, RevocationReason } from './types.js';

export const INDEX_FILE = 'certificates.json';
export const INDEX_FORMAT = 1;

export interface IndexEntry extends CertificateSummary {
  /** The profile it was issued under (server/client leaves and signed CSRs). */
  profile?: Profile;
  /** How it entered the workspace. */
  origin: 'created' | 'issued' | 'csr' | 'imported';
  createdAt: string;
  /** For CAs: the number of the last CRL published. */
  crlNumber?: number;
  /** For CAs: when the last CRL was published. */
  crlAt?: string;
  /** For CAs: revocations of certificates since deleted from the workspace (they stay on the CRL). */
  retainedRevocations?: Array<{ name: string; serial: string; at: string; reason: RevocationReason }>;
}

interface IndexFile {
  format: number;
  certificates: IndexEntry[];
}

export const certPath = (name: string): string => `certs/${name}.crt`;
export const keyPath = (name: string): string => `keys/${name}.key`;
export const crlPath = (name: string): string => `crl/${name}.crl`;

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Check a workspace name: letters, digits, `.`, `-`, `_`; not starting with `.` or `-`; ≤ 64 chars. */
export function validateName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new UserError(`${field}: a name is required`, 'BAD_NAME', { field });
  }
  if (name.length > 64 || !NAME_PATTERN.test(name)) {
    throw new UserError(
      `${field}: "${name}" is not a valid name (use letters, digits, ".", "-" and "_", up to 64 characters, not starting with "." or "-")`,
      'BAD_NAME',
      { field },
    );
  }
  return name;
}

/**
 * A free workspace name made from a common name (`Legacy Issuing CA` → `Legacy-Issuing-CA`), or from
 * `fallback` when the CN gives none; `-2`, `-3`… when taken. The name is added to `taken`.
 */
export function nameFromCommonName(cn: string, fallback: string, taken: Set<string>): string {
  const base =
    cn
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 56) || fallback;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

export function loadIndex(ws: Workspace): IndexEntry[] {
  const file = ws.readJson<IndexFile | undefined>(INDEX_FILE, undefined);
  if (file === undefined) return [];
  if (typeof file !== 'object' || file === null || !Array.isArray(file.certificates)) {
    throw new UserError(
      `${ws.path(INDEX_FILE)}: expected {"format": 1, "certificates": [...]}`,
      'BAD_WORKSPACE',
      {
        file: ws.path(INDEX_FILE),
      },
    );
  }
  if (file.format !== INDEX_FORMAT) {
    throw new UserError(
      `${ws.path(INDEX_FILE)}: unsupported format ${String(file.format)}`,
      'BAD_WORKSPACE',
      {
        file: ws.path(INDEX_FILE),
      },
    );
  }
  file.certificates.forEach((entry, i) => {
    if (
      !entry ||
      typeof entry.name !== 'string' ||
      typeof entry.kind !== 'string' ||
      typeof entry.serial !== 'string'
    ) {
      throw new UserError(
        `${ws.path(INDEX_FILE)}: entry ${i + 1} lacks name, kind or serial`,
        'BAD_WORKSPACE',
        {
          file: ws.path(INDEX_FILE),
          field: `certificates[${i}]`,
        },
      );
    }
  });
  return file.certificates;
}

export function indexChange(ws: Workspace, entries: IndexEntry[]): WorkspaceChange {
  return ws.jsonChange(INDEX_FILE, { format: INDEX_FORMAT, certificates: entries });
}

/** The entry named `name`, or a UserError naming the field. */
export function getEntry(entries: IndexEntry[], name: string, field = 'name'): IndexEntry {
  const entry = entries.find((e) => e.name === name);
  if (!entry) {
    throw new UserError(`${field}: no certificate named "${name}" in the workspace`, 'NOT_FOUND', { field });
  }
  return entry;
}

export function assertNameFree(entries: ReadonlyArray<{ name: string }>, name: string, field = 'name'): void {
  if (entries.some((e) => e.name === name)) {
    throw new UserError(
      `${field}: a certificate named "${name}" already exists in the workspace`,
      'DUPLICATE_NAME',
      {
        field,
      },
    );
  }
}

export function readCertPem(ws: Workspace, name: string): string {
  const pem = ws.readText(certPath(name));
  if (pem === undefined) {
    throw new UserError(`${ws.path(certPath(name))}: missing (the index names it)`, 'BAD_WORKSPACE', {
      file: ws.path(certPath(name)),
    });
  }
  return pem;
}

export function readEntryCertificate(ws: Workspace, name: string): ParsedCertificate {
  return readCertificate(readCertPem(ws, name), ws.path(certPath(name)));
}

export function readKeyPem(ws: Workspace, name: string): string {
  const pem = ws.readText(keyPath(name));
  if (pem === undefined) {
    throw new UserError(`${name}: the workspace has no private key for this certificate`, 'NO_KEY', {
      field: 'name',
    });
  }
  return pem;
}

/** Summary fields computed from a certificate. */
export function summarize(
  cert: ParsedCertificate,
  meta: { name: string; kind: CertificateKind; hasKey: boolean; issuerName?: string },
): CertificateSummary {
  return {
    name: meta.name,
    kind: meta.kind,
    cn: commonNameOf(cert.subject),
    subject: cert.subject.rfc2253,
    issuer: cert.issuer.rfc2253,
    ...(meta.issuerName !== undefined ? { issuerName: meta.issuerName } : {}),
    serial: serialHex(cert),
    fingerprint256: fingerprint(cert.der, 'sha256'),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    keyType: describeSpki(cert.spki).keyType,
    hasKey: meta.hasKey,
    isCa: isCaCertificate(cert),
    san: cert.ext.subjectAltName?.entries ?? [],
  };
}

/** The public summary of an index entry (drops bookkeeping fields). */
export function toSummary(entry: IndexEntry): CertificateSummary {
  const summary: CertificateSummary = {
    name: entry.name,
    kind: entry.kind,
    cn: entry.cn,
    subject: entry.subject,
    issuer: entry.issuer,
    serial: entry.serial,
    fingerprint256: entry.fingerprint256,
    notBefore: entry.notBefore,
    notAfter: entry.notAfter,
    keyType: entry.keyType,
    hasKey: entry.hasKey,
    isCa: entry.isCa,
    san: [...entry.san],
  };
  if (entry.issuerName !== undefined) summary.issuerName = entry.issuerName;
  if (entry.revoked) summary.revoked = { ...entry.revoked };
  return summary;
}
