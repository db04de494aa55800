/**
 * A CA's current CRL as a person reads it: number, this/next update, each revoked entry with the
 * workspace name of the certificate it revokes (matched by serial under this CA).
 */
import type { Workspace } from '../workspace/workspace.js';
import { listCertificates } from './catalog.js';
import { readCrls } from './crl.js';
import { currentCrl } from './revoke.js';

export interface CrlView {
  ca: string;
  /** The CRL file in the workspace, as `crl/CA.crl`. */
  file: string;
  pem: string;
  number: number | null;
  thisUpdate: string;
  nextUpdate: string | null;
  /** The CRL is past its nextUpdate: clients that check it refuse every certificate of this CA. */
  expired: boolean;
  revoked: Array<{ serial: string; at: string; reason: string; name: string | null }>;
}

/** null when the CA has published no CRL yet. */
export function showCrl(ws: Workspace, ca: string, at: Date = new Date()): CrlView | null {
  const pem = currentCrl(ws, ca);
  if (pem === undefined) return null;
  const crl = readCrls(pem, ws.path(`crl/${ca}.crl`))[0]!;
  const issued = listCertificates(ws).filter((certificate) => certificate.issuerName === ca);
  return {
    ca,
    file: `crl/${ca}.crl`,
    pem,
    number: crl.number !== undefined ? Number(crl.number) : null,
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString() ?? null,
    expired: crl.nextUpdate !== undefined && crl.nextUpdate.getTime() < at.getTime(),
    revoked: crl.revoked.map((entry) => ({
      serial: entry.serial,
      at: entry.at.toISOString(),
      reason: entry.reason,
      name: issued.find((certificate) => certificate.serial.toUpperCase() === entry.serial)?.name ?? null,
    })),
  };
}
