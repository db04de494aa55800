import { readFileSync, statSync } from 'node:fs';
import { certificatePem, readCertificates } from '../pki/certificate.js';
import { UserError } from '../user-error.js';

/**
 * A CA file is a few certificates; a system bundle (/etc/ssl/certs/ca-certificates.crt) is ~200 KiB.
 * Anything far beyond is not a CA file, and is refused before it is read.
 */
export const MAX_TRUST_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The CA certificates a bench trusts for the broker's certificate, from a file the user named (the
 * CLI's `--trust`, the Bench panel's CA file): PEM with one or more certificates, or one DER
 * certificate, read by the workshop's certificate reader. Read in the main process; a missing,
 * unreadable, oversized or certificate-less file is one UserError naming `field` and the file. The
 * message never quotes the file's bytes (a key picked by mistake stays where it is).
 */
export function readTrustFile(path: string, field: string): string[] {
  const fail = (why: string, code: string): never => {
    throw new UserError(`${field}: ${path}: ${why}`, code, { file: path, field });
  };
  let data: Buffer;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) fail('not a file', 'NOT_A_FILE');
    if (stat.size > MAX_TRUST_FILE_BYTES)
      fail(`${stat.size} bytes; a CA file is at most ${MAX_TRUST_FILE_BYTES}`, 'FILE_TOO_LARGE');
    data = readFileSync(path);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `unreadable (${code})`;
    return fail(why, 'FILE_NOT_READABLE');
  }
  try {
    return readCertificates(data, path).map(certificatePem);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    // The reader's message already names the file (and PEM line): add the field it came from.
    throw new UserError(`${field}: ${error.message}`, error.code, { ...error.location, field });
  }
}
