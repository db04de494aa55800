/** Publishing a CA's CRL into the workspace (crl/NAME.crl) with a CRL number that only grows. */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../user-error.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import { keyIdentifier } from './certificate-builder.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { buildCrlDer, crlPem } from './crl.js';
import { readKey } from './keys.js';
import { crlPath, getEntry, keyPath, readEntryCertificate, readKeyPem, type IndexEntry } from './store.js';

export const DEFAULT_CRL_DAYS = 30;

/** Build the CRL of `ca` listing every revoked certificate it issued. */
export function crlFor(
  ca: { cert: ParsedCertificate; key: KeyObject },
  entries: IndexEntry[],
  caName: string,
  number: number,
  now: Date,
  days = DEFAULT_CRL_DAYS,
): string {
  const retained = entries.find((e) => e.name === caName)?.retainedRevocations ?? [];
  const revoked = [
    ...retained.map((r) => ({ serial: Buffer.from(r.serial, 'hex'), at: new Date(r.at), reason: r.reason })),
    ...entries
      .filter((e) => e.issuerName === caName && e.revoked)
      .map((e) => ({
        serial: Buffer.from(e.serial, 'hex'),
        at: new Date(e.revoked!.at),
        reason: e.revoked!.reason,
      })),
  ];
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const der = buildCrlDer({
    issuerName: ca.cert.subjectDer,
    issuerKey: ca.key,
    issuerKeyId: ca.cert.ext.subjectKeyId ?? keyIdentifier(ca.cert.publicKeyBits),
    number,
    thisUpdate,
    nextUpdate: new Date(thisUpdate.getTime() + days * 86_400_000),
    entries: revoked,
  });
  return crlPem(der);
}

/**
 * Prepare a new CRL for CA `caName`: bumps its CRL number in `entries` (mutated) and returns the PEM
 * and the file change. The caller commits it together with the index.
 */
export function prepareCrl(
  ws: Workspace,
  entries: IndexEntry[],
  caName: string,
  now = new Date(),
  days = DEFAULT_CRL_DAYS,
  field = 'ca',
): { pem: string; change: WorkspaceChange } {
  const entry = getEntry(entries, caName, field);
  const cert = readEntryCertificate(ws, caName);
  if (!cert.ext.basicConstraints?.ca) {
    throw new UserError(`${field}: "${caName}" is not a CA, so it has no CRL`, 'NOT_A_CA', { field });
  }
  if (!entry.hasKey || !ws.exists(keyPath(caName))) {
    throw new UserError(
      `${field}: the workspace does not hold the private key of CA "${caName}", so it cannot sign a CRL`,
      'NO_KEY',
      {
        field,
      },
    );
  }
  if (cert.ext.keyUsage && !cert.ext.keyUsage.usages.includes('cRLSign')) {
    throw new UserError(`${field}: CA "${caName}" lacks the cRLSign key usage`, 'NOT_A_CA', { field });
  }
  const key = readKey(readKeyPem(ws, caName), undefined, ws.path(keyPath(caName)));
  const number = (entry.crlNumber ?? 0) + 1;
  const pem = crlFor({ cert, key }, entries, caName, number, now, days);
  entry.crlNumber = number;
  entry.crlAt = now.toISOString();
  return { pem, change: { path: crlPath(caName), data: pem } };
}
