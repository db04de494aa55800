import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { pemCertificateBlocks } from '../text-scan.js';

/** A path from a conf, resolved against the folder it is relative to (Mosquitto: its working directory). */
export function resolveConfPath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** Why a file cannot be read, in plain words. */
export function readFileReason(path: string): string | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return `${path} is not a file`;
    readFileSync(path);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${path} does not exist`;
    if (code === 'EACCES') return `${path} cannot be read (permission denied)`;
    return `${path} cannot be read (${(error as Error).message})`;
  }
}

/** Every certificate of a PEM file, in file order. Throws with a plain reason. */
export function readCertificates(path: string): { pem: string[]; certificates: X509Certificate[] } {
  const text = readFileSync(path, 'utf8');
  const pem = pemCertificateBlocks(text);
  if (pem.length === 0) throw new Error(`${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  const certificates = pem.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new Error(`${path}: certificate #${index + 1} cannot be decoded (${(error as Error).message})`);
    }
  });
  return { pem, certificates };
}

/** An unencrypted private key, as Mosquitto loads it (an encrypted one would make it prompt on the terminal). */
export function readPrivateKey(path: string): KeyObject {
  const data = readFileSync(path);
  try {
    return createPrivateKey({ key: data, format: 'pem' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE' || /passphrase|encrypted/i.test((error as Error).message)) {
      throw new Error(
        `${path} is an encrypted key: Mosquitto would ask for its passphrase on the terminal; store it unencrypted (mode 0600)`,
      );
    }
    throw new Error(`${path} holds no readable PEM private key (${(error as Error).message})`);
  }
}

/** PEM text of the CA certificates in a capath folder (files OpenSSL's hashed lookup would find). */
export function readCapath(path: string): string[] {
  const stat = statSync(path);
  if (!stat.isDirectory()) throw new Error(`${path} is not a folder`);
  const pem: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const full = join(path, name);
    try {
      if (!statSync(full).isFile()) continue;
      pem.push(...pemCertificateBlocks(readFileSync(full, 'utf8')));
    } catch {
      // unreadable entries are skipped, as OpenSSL's lookup skips them
    }
  }
  if (pem.length === 0) throw new Error(`${path} holds no PEM certificate`);
  return pem;
}

/** CRL file data, checked to be a CRL OpenSSL can load. */
export function readCrl(path: string): Buffer {
  const data = readFileSync(path);
  if (!data.includes('-----BEGIN X509 CRL-----')) {
    throw new Error(
      data.includes('-----BEGIN CRL-----')
        ? `${path} is labelled "BEGIN CRL": OpenSSL and Mosquitto need "BEGIN X509 CRL"`
        : `${path} holds no PEM CRL (-----BEGIN X509 CRL-----)`,
    );
  }
  try {
    createSecureContext({ crl: data });
  } catch (error) {
    throw new Error(`${path} is not a CRL OpenSSL can load (${(error as Error).message})`);
  }
  return data;
}
