import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError, messageOf } from '../user-error.js';
import { readKey, readKeyAsync } from '../pki/keys.js';
import { looksLikePem, parsePemBlocks, toPem } from '../pki/pem.js';
import { parsePkcs12, parsePkcs12Async, type Pkcs12Contents } from '../pki/pkcs12.js';

/** Read a file the profile names; a missing or unreadable file is a UserError naming the field. */
export function readProfileFile(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : messageOf(error);
    throw new UserError(`${path}: ${why} (profile field "${field}")`, 'FILE_NOT_READABLE', {
      file: path,
      field,
    });
  }
}

/** Every certificate in a PEM file (in order) or the one certificate of a DER file, as PEM. */
export function readCertificates(data: Buffer, file: string, field: string): string[] {
  if (looksLikePem(data)) {
    const blocks = parsePemBlocks(data, file).filter(
      (b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE',
    );
    if (blocks.length === 0) {
      throw new UserError(`${file}: holds no certificate (profile field "${field}")`, 'BAD_CERTIFICATE', {
        file,
        field,
      });
    }
    return blocks.map((b) => {
      checkCertificate(b.der, file, field);
      return toPem(b.der, 'CERTIFICATE');
    });
  }
  checkCertificate(data, file, field);
  return [toPem(data, 'CERTIFICATE')];
}

function checkCertificate(der: Buffer, file: string, field: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new UserError(
      `${file}: not a certificate in PEM or DER form (profile field "${field}")`,
      'BAD_CERTIFICATE',
      {
        file,
        field,
      },
    );
  }
}

/** Re-throw a pki UserError with the profile field it concerns (the passphrase or the file). */
function withField(error: unknown, fields: { file: string; passphrase: string }): never {
  if (error instanceof UserError) {
    const passphrase = error.code === 'BAD_PASSPHRASE' || error.code === 'PASSPHRASE_REQUIRED';
    throw new UserError(error.message, error.code, {
      ...error.location,
      field: passphrase ? fields.passphrase : fields.file,
    });
  }
  throw error;
}

/**
 * A private key from PEM or DER bytes (PKCS#8, PKCS#1/SEC1, encrypted PKCS#8 or legacy encrypted PEM),
 * read by the workshop's key reader. An encrypted key without a passphrase, or with the wrong one, is
 * one clear UserError naming the passphrase field. Derives inline: the app uses readPrivateKeyAsync.
 */
export function readPrivateKey(
  data: Buffer,
  passphrase: string | undefined,
  file: string,
  fields: { key: string; passphrase: string },
): KeyObject {
  try {
    return readKey(data, passphrase, file);
  } catch (error) {
    withField(error, { file: fields.key, passphrase: fields.passphrase });
  }
}

/** readPrivateKey with an encrypted key's derivation off the event loop. */
export async function readPrivateKeyAsync(
  data: Buffer,
  passphrase: string | undefined,
  file: string,
  fields: { key: string; passphrase: string },
): Promise<KeyObject> {
  try {
    return await readKeyAsync(data, passphrase, file);
  } catch (error) {
    withField(error, { file: fields.key, passphrase: fields.passphrase });
  }
}

/** Refuse a key that does not belong to the certificate, before the broker does it less clearly. */
export function checkKeyMatches(certPem: string, key: KeyObject, file: string, field: string): void {
  const certKey = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  const ownKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!Buffer.from(certKey).equals(Buffer.from(ownKey))) {
    throw new UserError(
      `${file}: this private key does not belong to the client certificate`,
      'KEY_MISMATCH',
      {
        file,
        field,
      },
    );
  }
}

type Pkcs12Identity = { certs: string[]; keyPem: string };

/**
 * Open a PKCS#12 file with the workshop's reader (AES and the legacy RC2/3DES encryption OpenSSL 3
 * refuses by default). Returns the certificate chain to send (leaf first) and the key as PEM. Derives
 * inline: the app uses readPkcs12Async.
 */
export function readPkcs12(
  data: Buffer,
  passphrase: string | undefined,
  file: string,
  fields: { path: string; passphrase: string },
): Pkcs12Identity {
  let contents: Pkcs12Contents;
  try {
    contents = parsePkcs12(data, passphrase, file);
  } catch (error) {
    withField(error, { file: fields.path, passphrase: fields.passphrase });
  }
  return pkcs12Identity(contents, file, fields.path);
}

/** readPkcs12 with its key derivations off the event loop. */
export async function readPkcs12Async(
  data: Buffer,
  passphrase: string | undefined,
  file: string,
  fields: { path: string; passphrase: string },
): Promise<Pkcs12Identity> {
  let contents: Pkcs12Contents;
  try {
    contents = await parsePkcs12Async(data, passphrase, file);
  } catch (error) {
    withField(error, { file: fields.path, passphrase: fields.passphrase });
  }
  return pkcs12Identity(contents, file, fields.path);
}

function pkcs12Identity(contents: Pkcs12Contents, file: string, field: string): Pkcs12Identity {
  if (!contents.keyPem) {
    throw new UserError(`${file}: the PKCS#12 file holds no private key`, 'BAD_PKCS12', { file, field });
  }
  return { certs: [contents.certPem, ...contents.chainPems], keyPem: contents.keyPem };
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  fingerprint256: string;
  notAfter: string;
}

export function certificateFacts(pem: string): CertificateFacts {
  const cert = new X509Certificate(pem);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    fingerprint256: cert.fingerprint256,
    notAfter: new Date(cert.validTo).toISOString(),
  };
}
