/**
 * Reading a private key file: PEM (PKCS#8, PKCS#1, SEC1, legacy-encrypted PEM, encrypted PKCS#8) or
 * DER. A DER file's structure is recognised with @peculiar's classes (asn1-pkcs8 PrivateKeyInfo,
 * asn1-rsa RSAPrivateKey, asn1-ecc ECPrivateKey, the BER-tolerant EncryptedPrivateKeyInfo of
 * pkcs12-schema.ts); the key itself is Node's (OpenSSL checks the numbers). An encrypted PKCS#8 key is
 * decrypted with our bounded key derivation (key-derivation.ts), off the event loop in readKeyAsync.
 * A plain PEM key (what the workspace holds) loads no ASN.1 library.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type * as Asn1js from 'asn1js';
import { UserError } from '../user-error.js';
import { asn1Ecc, asn1Pkcs8, asn1Rsa, asn1Schema } from './asn1-libs.js';
import { DecodeError, asn1Value, decodeAs } from './asn1-decode.js';
import { isDecodeError } from './decode-failure.js';
import { DerivationLimitError, deriveAll, deriveAllSync, type Deriving } from './key-derivation.js';
import { WrongPasswordError, pbeDecrypt, pbeHandles } from './password-based-encryption.js';
import { pkcs12Schema } from './pkcs12-schema.js';
import { looksLikePem, parsePemBlocks } from './pem.js';

const KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

/** The structures a DER key file may hold, as Node's createPrivateKey names them. */
type KeyStructure = 'pkcs8' | 'pkcs1' | 'sec1' | 'encrypted-pkcs8';

/** What Node is asked to read DER bytes as when no structure was recognised. */
const DER_TYPES = ['pkcs8', 'pkcs1', 'sec1'] as const;

const STRUCTURE_NAMES = {
  pkcs8: 'PKCS#8 PrivateKeyInfo',
  pkcs1: 'PKCS#1 RSAPrivateKey',
  sec1: 'SEC1 ECPrivateKey',
} as const;

interface KeySource {
  key: Buffer | string;
  format: 'pem' | 'der';
  type?: 'pkcs8' | 'pkcs1' | 'sec1';
}

function keyError(file: string, message: string, code = 'BAD_KEY'): UserError {
  return new UserError(`${file}: ${message}`, code, { file });
}

/** True when the asn1js value decodes as the asn1-schema class. */
function decodesAs(value: Asn1js.AsnType, type: new () => unknown): boolean {
  try {
    asn1Schema().AsnParser.fromASN(value, type);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which key structure DER bytes hold (undefined: none of them — Node still gets a try, it also reads
 * RFC 5958 v2 keys). Bytes that are not ASN.1 at all are a DecodeError in words.
 */
function keyStructureOf(der: Buffer): KeyStructure | undefined {
  const value = asn1Value(der, 'DER');
  if (decodesAs(value, asn1Pkcs8().PrivateKeyInfo)) return 'pkcs8';
  if (decodesAs(value, pkcs12Schema().EncryptedPrivateKeyInfo)) return 'encrypted-pkcs8';
  if (decodesAs(value, asn1Rsa().RSAPrivateKey)) return 'pkcs1';
  if (decodesAs(value, asn1Ecc().ECPrivateKey)) return 'sec1';
  return undefined;
}

/** OpenSSL's reason for a key it could not decode, in words (its own text names its internals). */
function opensslReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported|DECODER|wrong tag|header too long|too long|nested asn1/i.test(message)) {
    return 'damaged, or not a key encoding we know';
  }
  return 'damaged key data';
}

/**
 * An encrypted PKCS#8 (EncryptedPrivateKeyInfo DER) decrypted with our bounded key derivation, or
 * undefined when its algorithm is one we leave to OpenSSL (scrypt, PBES1).
 */
function* decryptPkcs8(der: Buffer, passphrase: string): Deriving<Buffer | undefined> {
  const info = decodeAs(der, pkcs12Schema().EncryptedPrivateKeyInfo, 'EncryptedPrivateKeyInfo');
  if (!pbeHandles(info.encryptionAlgorithm)) return undefined;
  return yield* pbeDecrypt(info.encryptionAlgorithm, info.encryptedData, passphrase);
}

/** The reader behind readKey and readKeyAsync. */
function* readKeyReader(
  data: Buffer | string,
  passphrase: string | undefined,
  file: string,
): Deriving<KeyObject> {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let encrypted = false;
  let encryptedPkcs8: Buffer | undefined;
  const candidates: KeySource[] = [];
  /** The structure recognised in DER bytes, for the error when OpenSSL cannot read the key in it. */
  let part = '';
  if (looksLikePem(buffer)) {
    const block = parsePemBlocks(buffer, file).find((b) => KEY_LABELS.includes(b.label));
    if (!block) {
      throw keyError(
        file,
        'no private key found (expected a PRIVATE KEY, RSA/EC PRIVATE KEY or ENCRYPTED PRIVATE KEY block)',
      );
    }
    encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/.test(block.headers['Proc-Type'] ?? '');
    if (block.label === 'ENCRYPTED PRIVATE KEY') encryptedPkcs8 = block.der;
    candidates.push({ key: block.text, format: 'pem' });
  } else {
    let structure: KeyStructure | undefined;
    try {
      structure = keyStructureOf(buffer);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      throw keyError(file, `not a PEM or DER private key (${error.message.replace(/^DER: /, '')})`);
    }
    if (structure && structure !== 'encrypted-pkcs8') part = `${STRUCTURE_NAMES[structure]}: `;
    encrypted = structure === 'encrypted-pkcs8';
    if (encrypted) encryptedPkcs8 = buffer;
    const types =
      structure === undefined ? DER_TYPES : [structure === 'encrypted-pkcs8' ? 'pkcs8' : structure];
    for (const type of types) candidates.push({ key: buffer, format: 'der', type });
  }
  if (encrypted && passphrase === undefined) {
    throw keyError(file, 'the private key is encrypted: give its passphrase', 'PASSPHRASE_REQUIRED');
  }
  if (encryptedPkcs8) {
    let plain: Buffer | undefined;
    try {
      plain = yield* decryptPkcs8(encryptedPkcs8, passphrase ?? '');
    } catch (error) {
      if (error instanceof WrongPasswordError) {
        throw keyError(file, 'wrong passphrase for the encrypted private key', 'BAD_PASSPHRASE');
      }
      if (isDecodeError(error)) {
        throw keyError(file, `cannot read the encrypted private key: ${error.message}`);
      }
      throw error;
    }
    if (plain) {
      try {
        return createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
      } catch {
        // Decrypted but not a key: what a wrong passphrase gives when the padding happened to fit.
        throw keyError(file, 'wrong passphrase for the encrypted private key', 'BAD_PASSPHRASE');
      }
    }
  }
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      const key = createPrivateKey(
        encrypted ? { ...candidate, passphrase: passphrase ?? '' } : { ...candidate, passphrase: '' },
      );
      if (key.type !== 'private') throw new Error('not a private key');
      return key;
    } catch (error) {
      lastError = error;
    }
  }
  if (encrypted) throw keyError(file, 'wrong passphrase for the encrypted private key', 'BAD_PASSPHRASE');
  throw keyError(file, `not a readable private key (${part}${opensslReason(lastError)})`);
}

function keyLimitError(error: unknown, file: string): unknown {
  if (error instanceof DerivationLimitError) {
    return keyError(file, `cannot read the encrypted private key: ${error.message}`);
  }
  return error;
}

/**
 * Read a private key from PEM (PKCS#8, PKCS#1, SEC1, legacy encrypted, encrypted PKCS#8) or DER.
 * A wrong or missing passphrase is one clear UserError naming the file. An encrypted PKCS#8 key is
 * derived inline within the bounds of key-derivation.ts: for files the workspace wrote itself (never
 * encrypted) and CLI one-shots; the app's paths use readKeyAsync.
 */
export function readKey(data: Buffer | string, passphrase?: string, file = 'key'): KeyObject {
  try {
    return deriveAllSync(readKeyReader(data, passphrase, file));
  } catch (error) {
    throw keyLimitError(error, file);
  }
}

/** readKey with the key derivation of an encrypted PKCS#8 off the event loop. */
export async function readKeyAsync(
  data: Buffer | string,
  passphrase?: string,
  file = 'key',
): Promise<KeyObject> {
  try {
    return await deriveAll(readKeyReader(data, passphrase, file));
  } catch (error) {
    throw keyLimitError(error, file);
  }
}
