/** `cert revoke` and `crl`: revocation with a reason, and the issuing CA's CRL republished at once. */
import { UserError } from '../user-error.js';
import { lockIndex } from './index-lock.js';
import type { Workspace } from '../workspace/workspace.js';
import { revocationReasonOption, readCrls } from './crl.js';
import { DEFAULT_CRL_DAYS, prepareCrl } from './crl-publish.js';
import { getEntry, indexChange, loadIndex, toSummary, validateName } from './store.js';
import type { CertificateSummary, RevocationReason } from './types.js';
import { crlPath } from './store.js';

/**
 * Revoke `name` and publish its CA's new CRL (crl/CA.crl) in the same commit. The CA that issued it
 * must be in the workspace with its key: only it can sign the CRL.
 */
export function revokeCertificate(
  ws: Workspace,
  name: string,
  reason?: RevocationReason | string,
): CertificateSummary {
  validateName(name, 'name');
  const why = revocationReasonOption(reason, 'reason');
  const release = lockIndex(ws);
  try {
    const entries = loadIndex(ws).map((e) => ({ ...e }));
    const entry = getEntry(entries, name, 'name');
    if (entry.revoked) {
      throw new UserError(`name: "${name}" was already revoked on ${entry.revoked.at}`, 'ALREADY_REVOKED', {
        field: 'name',
      });
    }
    if (!entry.issuerName) {
      throw new UserError(
        entry.kind === 'root-ca' || entry.subject === entry.issuer
          ? `name: "${name}" is a self-signed root; no CRL can revoke it — delete it and stop trusting it instead`
          : `name: the CA that issued "${name}" is not in the workspace, so no CRL here can revoke it`,
        'NO_ISSUER',
        { field: 'name' },
      );
    }
    const now = new Date();
    entry.revoked = { at: new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString(), reason: why };
    const { change } = prepareCrl(ws, entries, entry.issuerName, now, DEFAULT_CRL_DAYS, 'name');
    ws.commit([change, indexChange(ws, entries)]);
    return toSummary(entry);
  } finally {
    release();
  }
}

export interface BuildCrlOptions {
  /** Days until nextUpdate (default 30). */
  days?: number;
}

/**
 * Sign a fresh CRL for CA `caName` (next CRL number, thisUpdate now), store it as crl/CA.crl and
 * return it as PEM (`-----BEGIN X509 CRL-----`).
 */
export function buildCrl(ws: Workspace, caName: string, options: BuildCrlOptions = {}): string {
  validateName(caName, 'ca');
  const days = options.days ?? DEFAULT_CRL_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new UserError(`days: must be a whole number from 1 to 3650, not ${String(days)}`, 'BAD_DAYS', {
      field: 'days',
    });
  }
  const release = lockIndex(ws);
  try {
    const entries = loadIndex(ws).map((e) => ({ ...e }));
    const { pem, change } = prepareCrl(ws, entries, caName, new Date(), days, 'ca');
    ws.commit([change, indexChange(ws, entries)]);
    return pem;
  } finally {
    release();
  }
}

/** The CRL last published by CA `caName` (PEM), or undefined when it has none. */
export function currentCrl(ws: Workspace, caName: string): string | undefined {
  const pem = ws.readText(crlPath(caName));
  if (pem !== undefined) readCrls(pem, ws.path(crlPath(caName)));
  return pem;
}
