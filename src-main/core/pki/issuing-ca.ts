/** The CA that signs a new certificate: checks that it can, and the validity window it allows. */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { keyIdentifier } from './certificate-builder.js';
import { readKey } from './keys.js';
import { getEntry, keyPath, readEntryCertificate, readKeyPem, type IndexEntry } from './store.js';

export interface IssuingCa {
  entry: IndexEntry;
  cert: ParsedCertificate;
  key: KeyObject;
  /** SKI of the CA (from its extension, else computed), for the AKI of what it signs. */
  keyId: Buffer;
}

const DAY_MS = 86_400_000;

/** Load CA `name` ready to sign; a UserError names the field when it cannot sign. */
export function loadIssuingCa(
  ws: Workspace,
  entries: IndexEntry[],
  name: string,
  field = 'ca',
  now = new Date(),
): IssuingCa {
  const entry = getEntry(entries, name, field);
  const cert = readEntryCertificate(ws, name);
  if (!cert.ext.basicConstraints?.ca) {
    throw new UserError(
      `${field}: "${name}" is not a CA certificate (basicConstraints CA:FALSE)`,
      'NOT_A_CA',
      { field },
    );
  }
  if (cert.ext.keyUsage && !cert.ext.keyUsage.usages.includes('keyCertSign')) {
    throw new UserError(
      `${field}: CA "${name}" lacks the keyCertSign key usage, so nothing it signs would verify`,
      'NOT_A_CA',
      {
        field,
      },
    );
  }
  if (!entry.hasKey || !ws.exists(keyPath(name))) {
    throw new UserError(`${field}: the workspace does not hold the private key of CA "${name}"`, 'NO_KEY', {
      field,
    });
  }
  if (entry.revoked) {
    throw new UserError(`${field}: CA "${name}" was revoked on ${entry.revoked.at}`, 'REVOKED', { field });
  }
  if (cert.notAfter.getTime() <= now.getTime()) {
    throw new UserError(`${field}: CA "${name}" expired on ${cert.notAfter.toISOString()}`, 'EXPIRED', {
      field,
    });
  }
  const key = readKey(readKeyPem(ws, name), undefined, ws.path(keyPath(name)));
  return { entry, cert, key, keyId: cert.ext.subjectKeyId ?? keyIdentifier(cert.publicKeyBits) };
}

/** Check a `days` option: a whole number from 1 to 36500. */
export function daysOption(days: number | undefined, field = 'days'): number | undefined {
  if (days === undefined) return undefined;
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new UserError(
      `${field}: must be a whole number of days from 1 to 36500, not ${String(days)}`,
      'BAD_DAYS',
      {
        field,
      },
    );
  }
  return days;
}

/**
 * Validity window: from one minute ago (clock skew) for `days` days. Never beyond the issuer's own
 * expiry: a default is shortened to fit, an explicit `days` that does not fit is refused.
 */
export function validityWindow(
  requested: number | undefined,
  defaultDays: number,
  issuer: ParsedCertificate | undefined,
  issuerName: string | undefined,
  now = new Date(),
  field = 'days',
): { notBefore: Date; notAfter: Date } {
  const days = daysOption(requested, field) ?? defaultDays;
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  let notAfter = new Date(Math.floor(now.getTime() / 1000) * 1000 + days * DAY_MS);
  if (issuer && notAfter.getTime() > issuer.notAfter.getTime()) {
    if (requested !== undefined) {
      const fits = Math.floor((issuer.notAfter.getTime() - now.getTime()) / DAY_MS);
      throw new UserError(
        `${field}: ${requested} days would outlive CA "${issuerName}" (it expires on ${issuer.notAfter.toISOString()}); use at most ${fits}`,
        'BAD_DAYS',
        { field },
      );
    }
    notAfter = new Date(issuer.notAfter.getTime());
  }
  return { notBefore, notAfter };
}
