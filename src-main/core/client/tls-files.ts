import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { UserError, messageOf } from '../user-error.js';
import { looksLikePem, parsePemBlocks, toPem } from '../pki/pem.js';

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

/**
 * A private key from PEM or DER bytes (PKCS#8, PKCS#1/SEC1, encrypted PKCS#8 or legacy encrypted PEM).
 * An encrypted key without a passphrase, or with the wrong one, is one clear UserError naming the
 * passphrase field.
 */
export function readPrivateKey(
  data: Buffer,
  passphrase: string | undefined,
  file: string,
  fields: { key: string; passphrase: string },
): KeyObject {
  const attempts: Array<Parameters<typeof createPrivateKey>[0]> = looksLikePem(data)
    ? [{ key: data, format: 'pem', ...(passphrase !== undefined ? { passphrase } : {}) }]
    : (['pkcs8', 'pkcs1', 'sec1'] as const).map((type) => ({
        key: data,
        format: 'der' as const,
        type,
        ...(passphrase !== undefined ? { passphrase } : {}),
      }));
  let lastError: unknown;
  for (const options of attempts) {
    try {
      return createPrivateKey(options);
    } catch (error) {
      lastError = error;
      const code = (error as { code?: string }).code ?? '';
      if (code === 'ERR_MISSING_PASSPHRASE' || code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED') {
        throw new UserError(
          `${file}: the private key is encrypted; enter its passphrase`,
          'PASSPHRASE_REQUIRED',
          {
            file,
            field: fields.passphrase,
          },
        );
      }
      if (code === 'ERR_OSSL_BAD_DECRYPT' || /bad decrypt/i.test(messageOf(error))) {
        throw new UserError(`${file}: wrong passphrase for the private key`, 'BAD_PASSPHRASE', {
          file,
          field: fields.passphrase,
        });
      }
    }
  }
  throw new UserError(
    `${file}: not a private key in PEM or DER form (${messageOf(lastError)}) (profile field "${fields.key}")`,
    'BAD_KEY',
    { file, field: fields.key },
  );
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

/**
 * Check a PKCS#12 file and its passphrase the way the TLS stack will use it. Wrong or missing
 * passphrase and the legacy RC2/3DES encryption OpenSSL 3 refuses are UserErrors naming the field.
 */
export function checkPkcs12(
  data: Buffer,
  passphrase: string | undefined,
  file: string,
  fields: { path: string; passphrase: string },
): void {
  try {
    createSecureContext({ pfx: data, ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch (error) {
    const text = messageOf(error);
    if (/mac verify failure/i.test(text)) {
      throw new UserError(
        passphrase === undefined || passphrase === ''
          ? `${file}: the PKCS#12 file is protected; enter its passphrase`
          : `${file}: wrong passphrase for the PKCS#12 file`,
        passphrase === undefined || passphrase === '' ? 'PASSPHRASE_REQUIRED' : 'BAD_PASSPHRASE',
        { file, field: fields.passphrase },
      );
    }
    if (/unsupported/i.test(text)) {
      throw new UserError(
        `${file}: the PKCS#12 file uses legacy encryption (RC2/3DES) that OpenSSL 3 refuses; re-export it with "openssl pkcs12 -export" (AES) or import it into the workshop`,
        'UNSUPPORTED_PKCS12',
        { file, field: fields.path },
      );
    }
    if (/not enough data|wrong tag|asn1|header too long|too long/i.test(text)) {
      throw new UserError(`${file}: not a PKCS#12 file (${text})`, 'BAD_PKCS12', {
        file,
        field: fields.path,
      });
    }
    throw new UserError(`${file}: cannot use this PKCS#12 file (${text})`, 'BAD_PKCS12', {
      file,
      field: fields.path,
    });
  }
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
