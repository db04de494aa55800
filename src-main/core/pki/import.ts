/**
 * `cert import`: bring existing material into the workspace — PEM, DER, PKCS#7 or PKCS#12
 * certificates, keys in any common encoding (encrypted ones with a passphrase). A key that does not
 * match its certificate is refused; the certificate is linked to its issuer when that CA is in the
 * workspace. A bundle (the certificate and its CAs, in any order) brings its CAs along as entries of
 * their own, all in one commit.
 */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../user-error.js';
import { lockIndex } from './index-lock.js';
import type { Workspace } from '../workspace/workspace.js';
import { readDerBundle, readPemBundle, orderBundle, type BundleCertificate } from './bundle.js';
import { fingerprint, isSelfSigned } from './certificate.js';
import { parseCertificateDer } from './certificate-parser.js';
import { commonNameOf } from './distinguished-name.js';
import { certificateImportChanges, type CertificateImportItem } from './import-changes.js';
import { keyMatchesSpki, readKey } from './keys.js';
import { looksLikePem, parsePemBlocks } from './pem.js';
import { looksLikePkcs12, parsePkcs12 } from './pkcs12.js';
import { loadIndex, nameFromCommonName, validateName } from './store.js';
import type { ImportOptions, ImportResult } from './types.js';

const KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

interface Material {
  certs: BundleCertificate[];
  key?: KeyObject;
}

/** Certificates (and a key, for PKCS#12 or a combined PEM) from the bytes of the cert file. */
function readMaterial(data: Buffer, file: string, passphrase: string | undefined): Material {
  if (data.length === 0) throw new UserError(`${file}: empty file`, 'BAD_CERTIFICATE', { file });
  if (looksLikePem(data)) {
    const certs = readPemBundle(data, file);
    const hasKey = parsePemBlocks(data, file).some((b) => KEY_LABELS.includes(b.label));
    return hasKey ? { certs, key: readKey(data, passphrase, file) } : { certs };
  }
  const bundle = readDerBundle(data, file);
  if (bundle) return { certs: bundle };
  if (looksLikePkcs12(data)) {
    const contents = parsePkcs12(data, passphrase, file);
    const certs = [contents.certPem, ...contents.chainPems].map((pem, i) => ({
      cert: parseCertificateDer(parsePemBlocks(pem, file)[0]!.der),
      where: `PKCS#12 certificate ${i + 1}`,
    }));
    return contents.keyPem ? { certs, key: readKey(contents.keyPem, undefined, file) } : { certs };
  }
  let reason = 'unknown format';
  try {
    parseCertificateDer(data);
  } catch (error) {
    reason = (error as Error).message;
  }
  throw new UserError(`${file}: not a PEM, DER or PKCS#12 certificate (${reason})`, 'BAD_CERTIFICATE', {
    file,
  });
}

export function importCertificate(ws: Workspace, options: ImportOptions): ImportResult {
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
  let keyCert;
  if (key) {
    keyCert = material.certs.find((c) => keyMatchesSpki(key!, c.cert.spki))?.cert;
    if (!keyCert) {
      throw new UserError(
        `${keyFile}: the private key does not belong to the certificate in ${certFile}`,
        'KEY_MISMATCH',
        { file: keyFile },
      );
    }
  }
  const { leaf, chain } = orderBundle(material.certs, certFile, keyCert);
  const release = lockIndex(ws);
  try {
    const entries = loadIndex(ws);
    const held = new Map(entries.map((e) => [e.fingerprint256, e.name]));
    const taken = new Set([...entries.map((e) => e.name), name]);
    const chainKnown: ImportResult['chainKnown'] = [];
    const items: CertificateImportItem[] = [{ name, cert: leaf.cert, ...(key ? { key, keyFile } : {}) }];
    for (const { cert } of chain) {
      const same = held.get(fingerprint(cert.der, 'sha256'));
      if (same !== undefined) {
        chainKnown.push({ name: same, subject: cert.subject.rfc2253 });
        continue;
      }
      const kind = isSelfSigned(cert) ? 'root-ca' : 'intermediate-ca';
      items.push({ name: nameFromCommonName(commonNameOf(cert.subject), kind, taken), cert, kind });
    }
    const plan = certificateImportChanges(ws, items);
    const same = plan.existing.get(name);
    if (same !== undefined) {
      throw new UserError(
        `${certFile}: this certificate is already in the workspace as "${same}"`,
        'DUPLICATE_CERTIFICATE',
        { file: certFile },
      );
    }
    ws.commit(plan.changes);
    const [imported, ...cas] = plan.added;
    return { ...imported!, chain: cas, chainKnown };
  } finally {
    release();
  }
}
