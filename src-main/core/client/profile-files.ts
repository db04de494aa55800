import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import { pemCertificateBlocks } from '../text-scan.js';
import { looksLikePkcs12 } from '../pki/pkcs12.js';

/**
 * A file the user picked for a connection profile (CA, client certificate, key, PKCS#12). A browser
 * cannot hand over a file's path, only its bytes — and the Electron window gets the same picker — so
 * the file is copied into the workspace (`client-files/`, keys and PKCS#12 mode 0600) and the profile
 * names that copy, as the Broker view does with the files of a listener. The same bytes give the same
 * copy (the name starts with their SHA-256), so picking a file twice does not pile up copies.
 */

export const PROFILE_FILES_DIR = 'client-files';
/** Certificates, keys and PKCS#12 files are a few KiB; refuse anything far beyond. */
export const MAX_PROFILE_FILE_BYTES = 1024 * 1024;

export type ProfileFileRole = 'ca' | 'cert' | 'key' | 'p12';

/** The profile field each kind of file fills (errors name it, the view marks it). */
export const PROFILE_FILE_FIELDS: Record<ProfileFileRole, string> = {
  ca: 'tls.trust.path',
  cert: 'tls.clientCert.certPath',
  key: 'tls.clientCert.keyPath',
  p12: 'tls.clientCert.path',
};

export interface StoredProfileFile {
  /** Absolute path of the copy: what the profile names. */
  path: string;
  /** The copy's path inside the workspace. */
  file: string;
  role: ProfileFileRole;
  /** For certificate files: the subject of each certificate, in order (no key material, ever). */
  subjects?: string[];
}

function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return clean.slice(0, 80) || 'file';
}

function fail(name: string, role: ProfileFileRole, why: string): never {
  const field = PROFILE_FILE_FIELDS[role];
  throw new UserError(`${name}: ${why} (profile field "${field}")`, 'BAD_PROFILE_FILE', {
    file: name,
    field,
  });
}

function certificates(data: Buffer, name: string, role: ProfileFileRole): X509Certificate[] {
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN')) {
    const blocks = pemCertificateBlocks(text);
    if (blocks.length === 0) fail(name, role, 'holds no PEM certificate');
    return blocks.map((pem) => {
      try {
        return new X509Certificate(pem);
      } catch {
        return fail(name, role, 'holds a certificate block that is not a readable X.509 certificate');
      }
    });
  }
  try {
    return [new X509Certificate(data)];
  } catch {
    return fail(name, role, 'is not a certificate in PEM or DER form');
  }
}

/** A private key, encrypted or not: PEM with a private key block, or DER that Node reads as a key. */
function checkKey(data: Buffer, name: string): void {
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN')) {
    if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
      fail(name, 'key', 'holds no PEM private key (a certificate file instead?)');
    }
    return;
  }
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: data, format: 'der', type });
      return;
    } catch {
      // try the next encoding
    }
  }
  fail(name, 'key', 'is not a private key in PEM or DER form');
}

/** A PKCS#12 file's PFX structure (its contents need the passphrase, checked at connect). */
function checkPkcs12(data: Buffer, name: string): void {
  if (!looksLikePkcs12(data)) {
    fail(name, 'p12', 'is not a PKCS#12 (.p12/.pfx) file');
  }
}

export function storeProfileFile(
  ws: Workspace,
  input: { name: string; role: ProfileFileRole; data: Buffer },
): StoredProfileFile {
  const { role, data } = input;
  const name = safeName(input.name);
  if (data.length === 0) fail(name, role, 'is empty');
  if (data.length > MAX_PROFILE_FILE_BYTES) {
    fail(
      name,
      role,
      `is ${data.length} bytes; a certificate or key file is at most ${MAX_PROFILE_FILE_BYTES}`,
    );
  }
  let subjects: string[] | undefined;
  if (role === 'ca' || role === 'cert') {
    subjects = certificates(data, name, role).map((c) => c.subject.replace(/\n/g, ', '));
  } else if (role === 'key') checkKey(data, name);
  else checkPkcs12(data, name);
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 12);
  const file = `${PROFILE_FILES_DIR}/${hash}-${name}`;
  const secret = role === 'key' || role === 'p12';
  ws.commit([{ path: file, data, ...(secret ? { secret: true } : {}) }]);
  return { path: ws.path(file), file, role, ...(subjects ? { subjects } : {}) };
}
