/**
 * `cert import`: bring existing material into the workspace — PEM, DER or PKCS#12 certificates,
 * keys in any common encoding (encrypted ones with a passphrase). A key that does not match its
 * certificate is refused; the certificate is linked to its issuer when that CA is in the workspace.
 */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../user-error.js';
import { lockIndex } from './index-lock.js';
import type { Workspace } from '../workspace/workspace.js';
import { readCertificates } from './certificate.js';
import type { ParsedCertificate } from './certificate-parser.js';
import { parseCertificateDer } from './certificate-parser.js';
import { certificateImportChanges } from './import-changes.js';
import { keyMatchesSpki, readKey } from './keys.js';
import { looksLikePem, parsePemBlocks } from './pem.js';
import { looksLikePkcs12, parsePkcs12 } from './pkcs12.js';
import { validateName } from './store.js';
import type { CertificateSummary, ImportOptions } from './types.js';

const KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

interface Material {
  certs: ParsedCertificate[];
  key?: KeyObject;
}

/** Certificates (and a key, for PKCS#12 or a combined PEM) from the bytes of the cert file. */
function readMaterial(data: Buffer, file: string, passphrase: string | undefined): Material {
  if (data.length === 0) throw new UserError(`${file}: empty file`, 'BAD_CERTIFICATE', { file });
  if (looksLikePem(data)) {
    const certs = readCertificates(data, file);
    const hasKey = parsePemBlocks(data, file).some((b) => KEY_LABELS.includes(b.label));
    return hasKey ? { certs, key: readKey(data, passphrase, file) } : { certs };
  }
  try {
    return { certs: [parseCertificateDer(data)] };
  } catch (error) {
    if (looksLikePkcs12(data)) {
      const contents = parsePkcs12(data, passphrase, file);
      const certs = readCertificates(contents.certPem, file);
      return contents.keyPem ? { certs, key: readKey(contents.keyPem, undefined, file) } : { certs };
    }
    throw new UserError(
      `${file}: not a PEM, DER or PKCS#12 certificate (${(error as Error).message})`,
      'BAD_CERTIFICATE',
      { file },
    );
  }
}

export function importCertificate(ws: Workspace, options: ImportOptions): CertificateSummary {
  const name = validateName(options.name, 'name');
  const certFile = options.certFile ?? 'certificate';
  if (!Buffer.isBuffer(options.cert))
    throw new UserError('cert: the certificate bytes are required', 'BAD_CERTIFICATE', { field: 'cert' });
  const material = readMaterial(options.cert, certFile, options.passphrase);
  let key = material.key;
  let keyFile = certFile;
  if (options.key !== undefined) {
    keyFile = options.keyFile ?? 'key';
    key = readKey(options.key, options.passphrase, keyFile);
  }
  let cert = material.certs[0]!;
  if (key) {
    const matching = material.certs.find((c) => keyMatchesSpki(key!, c.spki));
    if (!matching) {
      throw new UserError(
        `${keyFile}: the private key does not belong to the certificate in ${certFile}`,
        'KEY_MISMATCH',
        { file: keyFile },
      );
    }
    cert = matching;
  }
  const release = lockIndex(ws);
  try {
    const plan = certificateImportChanges(ws, [{ name, cert, ...(key ? { key, keyFile } : {}) }]);
    const same = plan.existing.get(name);
    if (same !== undefined) {
      throw new UserError(
        `${certFile}: this certificate is already in the workspace as "${same}"`,
        'DUPLICATE_CERTIFICATE',
        {
          file: certFile,
        },
      );
    }
    ws.commit(plan.changes);
    return plan.added[0]!;
  } finally {
    release();
  }
}
