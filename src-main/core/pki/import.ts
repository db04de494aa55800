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
import { decodeFailure } from './decode-failure.js';
import { commonNameOf } from './distinguished-name.js';
import { certificateImportChanges, type CertificateImportItem } from './import-changes.js';
import { keyMatchesSpki, readKey, readKeyAsync } from './keys.js';
import { looksLikePem, parsePemBlocks } from './pem.js';
import { looksLikePkcs12, parsePkcs12, parsePkcs12Async, type Pkcs12Contents } from './pkcs12.js';
import { loadIndex, nameFromCommonName, validateName } from './store.js';
import type { ImportOptions, ImportResult } from './types.js';

const KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

interface Material {
  certs: BundleCertificate[];
  key?: KeyObject;
}

/** What the cert file holds: certificates (and whether a PEM key is beside them), or a PKCS#12. */
type Found = { certs: BundleCertificate[]; pemKey: boolean } | { pkcs12: true };

function readMaterial(data: Buffer, file: string): Found {
  if (data.length === 0) throw new UserError(`${file}: empty file`, 'BAD_CERTIFICATE', { file });
  if (looksLikePem(data)) {
    const certs = readPemBundle(data, file);
    return { certs, pemKey: parsePemBlocks(data, file).some((b) => KEY_LABELS.includes(b.label)) };
  }
  const bundle = readDerBundle(data, file);
  if (bundle) return { certs: bundle, pemKey: false };
  if (looksLikePkcs12(data)) return { pkcs12: true };
  let reason = 'unknown format';
  try {
    parseCertificateDer(data);
  } catch (error) {
    reason = decodeFailure(error);
  }
  throw new UserError(`${file}: not a PEM, DER or PKCS#12 certificate (${reason})`, 'BAD_CERTIFICATE', {
    file,
  });
}

function pkcs12Material(contents: Pkcs12Contents, file: string): Material {
  const certs = [contents.certPem, ...contents.chainPems].map((pem, i) => ({
    cert: parseCertificateDer(parsePemBlocks(pem, file)[0]!.der),
    where: `PKCS#12 certificate ${i + 1}`,
  }));
  return contents.keyPem ? { certs, key: readKey(contents.keyPem, undefined, file) } : { certs };
}

function checkOptions(options: ImportOptions): { name: string; certFile: string } {
  const name = validateName(options.name, 'name');
  const certFile = options.certFile ?? 'certificate';
  if (!Buffer.isBuffer(options.cert))
    throw new UserError('cert: the certificate bytes are required', 'BAD_CERTIFICATE', { field: 'cert' });
  return { name, certFile };
}

/**
 * `cert import`, deriving keys inline: a PKCS#12 or an encrypted key runs its key derivation on this
 * thread, within the bounds of key-derivation.ts. The api uses importCertificateAsync.
 */
export function importCertificate(ws: Workspace, options: ImportOptions): ImportResult {
  const { name, certFile } = checkOptions(options);
  const { passphrase } = options;
  const found = readMaterial(options.cert, certFile);
  const material =
    'pkcs12' in found
      ? pkcs12Material(parsePkcs12(options.cert, passphrase, certFile), certFile)
      : { certs: found.certs, ...(found.pemKey ? { key: readKey(options.cert, passphrase, certFile) } : {}) };
  const keyFile = options.key !== undefined ? (options.keyFile ?? 'key') : certFile;
  const key = options.key !== undefined ? readKey(options.key, passphrase, keyFile) : material.key;
  return commitImport(ws, name, certFile, material, key, keyFile);
}

/** `cert import` with every key derivation (PKCS#12, encrypted keys) off the event loop. */
export async function importCertificateAsync(ws: Workspace, options: ImportOptions): Promise<ImportResult> {
  const { name, certFile } = checkOptions(options);
  const { passphrase } = options;
  const found = readMaterial(options.cert, certFile);
  const material =
    'pkcs12' in found
      ? pkcs12Material(await parsePkcs12Async(options.cert, passphrase, certFile), certFile)
      : {
          certs: found.certs,
          ...(found.pemKey ? { key: await readKeyAsync(options.cert, passphrase, certFile) } : {}),
        };
  const keyFile = options.key !== undefined ? (options.keyFile ?? 'key') : certFile;
  const key = options.key !== undefined ? await readKeyAsync(options.key, passphrase, keyFile) : material.key;
  return commitImport(ws, name, certFile, material, key, keyFile);
}

function commitImport(
  ws: Workspace,
  name: string,
  certFile: string,
  material: Material,
  key: KeyObject | undefined,
  keyFile: string,
): ImportResult {
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
