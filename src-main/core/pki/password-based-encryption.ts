/**
 * Password-based encryption used inside PKCS#12 and encrypted PKCS#8: PBES2 (PBKDF2 + AES/3DES)
 * and the legacy PKCS#12 PBE schemes (3DES, RC2) with the PKCS#12 key derivation (RFC 7292 B.2).
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import {
  DerError,
  TAG,
  children,
  expectTag,
  int,
  octetString,
  oid,
  readIntegerBytes,
  readOid,
  readSmallInt,
  seq,
} from './der.js';
import { bmpPassword, checkIterations, type Deriving } from './key-derivation.js';
import type { Der } from './der.js';
import { OID } from './oids.js';
import { rc2CbcDecrypt } from './rc2.js';

export const DIGEST_BY_OID: Record<string, string> = {
  [OID.sha1]: 'sha1',
  [OID.sha224]: 'sha224',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

const HMAC_BY_OID: Record<string, string> = {
  [OID.hmacWithSHA1]: 'sha1',
  [OID.hmacWithSHA224]: 'sha224',
  [OID.hmacWithSHA256]: 'sha256',
  [OID.hmacWithSHA384]: 'sha384',
  [OID.hmacWithSHA512]: 'sha512',
};

const CIPHER_BY_OID: Record<string, { cipher: string; keyLength: number }> = {
  [OID.aes128Cbc]: { cipher: 'aes-128-cbc', keyLength: 16 },
  [OID.aes192Cbc]: { cipher: 'aes-192-cbc', keyLength: 24 },
  [OID.aes256Cbc]: { cipher: 'aes-256-cbc', keyLength: 32 },
  [OID.desEde3Cbc]: { cipher: 'des-ede3-cbc', keyLength: 24 },
};

const LEGACY_PBE: Record<string, { cipher: string; keyLength: number; rc2Bits?: number }> = {
  [OID.pbeWithSHAAnd3KeyTripleDESCBC]: { cipher: 'des-ede3-cbc', keyLength: 24 },
  [OID.pbeWithSHAAnd2KeyTripleDESCBC]: { cipher: 'des-ede-cbc', keyLength: 16 },
  [OID.pbeWithSHAAnd128BitRC2CBC]: { cipher: 'rc2', keyLength: 16, rc2Bits: 128 },
  [OID.pbeWithSHAAnd40BitRC2CBC]: { cipher: 'rc2', keyLength: 5, rc2Bits: 40 },
};

function iterationsOf(node: Der | undefined): number {
  if (!node) return 1;
  const bytes = readIntegerBytes(node);
  return checkIterations(bytes.length > 6 ? Infinity : parseInt(bytes.toString('hex') || '0', 16));
}

/**
 * True when pbeDecrypt reads this AlgorithmIdentifier (PBES2 with PBKDF2, or a PKCS#12 PBE). Others
 * (scrypt, PBES1) are left to OpenSSL, which bounds scrypt's memory itself.
 */
export function pbeHandles(algorithm: Der): boolean {
  try {
    const [algOidNode, params] = children(expectTag(algorithm, TAG.SEQUENCE, 'encryption algorithm'));
    const algOid = readOid(algOidNode!);
    if (LEGACY_PBE[algOid]) return true;
    if (algOid !== OID.pbes2) return false;
    const [kdf] = children(expectTag(params, TAG.SEQUENCE, 'PBES2 parameters'));
    return readOid(children(expectTag(kdf, TAG.SEQUENCE, 'key derivation'))[0]!) === OID.pbkdf2;
  } catch {
    return true; // damaged: pbeDecrypt names the fault
  }
}

/** Thrown when decryption fails in a way that means the password is wrong. */
export class WrongPasswordError extends Error {
  constructor() {
    super('wrong password');
  }
}

/**
 * Decrypt data protected by the AlgorithmIdentifier `algorithm` (PBES2 or a PKCS#12 PBE); yields the
 * key derivations it needs (see key-derivation.ts).
 */
export function* pbeDecrypt(algorithm: Der, data: Buffer, password: string): Deriving<Buffer> {
  const [algOidNode, params] = children(expectTag(algorithm, TAG.SEQUENCE, 'encryption algorithm'));
  const algOid = readOid(algOidNode!);
  const legacy = LEGACY_PBE[algOid];
  let key: Buffer;
  let iv: Buffer;
  let cipher: string;
  let rc2Bits: number | undefined;
  if (legacy) {
    const [salt, iterations] = children(expectTag(params, TAG.SEQUENCE, 'PBE parameters'));
    const saltBytes = expectTag(salt, TAG.OCTET_STRING, 'salt').content;
    const count = iterationsOf(iterations);
    const pw = bmpPassword(password);
    const kdf = { kind: 'pkcs12', digest: 'sha1', password: pw, salt: saltBytes, iterations: count } as const;
    key = yield { ...kdf, id: 1, size: legacy.keyLength };
    iv = yield { ...kdf, id: 2, size: 8 };
    cipher = legacy.cipher;
    rc2Bits = legacy.rc2Bits;
  } else if (algOid === OID.pbes2) {
    const [kdf, scheme] = children(expectTag(params, TAG.SEQUENCE, 'PBES2 parameters'));
    const [kdfOid, kdfParams] = children(expectTag(kdf, TAG.SEQUENCE, 'key derivation'));
    if (readOid(kdfOid!) !== OID.pbkdf2)
      throw new DerError(`key derivation ${readOid(kdfOid!)} is not supported (PBKDF2 is)`);
    const kdfParts = children(expectTag(kdfParams, TAG.SEQUENCE, 'PBKDF2 parameters'));
    const salt = expectTag(kdfParts[0], TAG.OCTET_STRING, 'PBKDF2 salt').content;
    const count = iterationsOf(kdfParts[1]);
    let prf = 'sha1';
    let keyLength: number | undefined;
    for (const part of kdfParts.slice(2)) {
      if (part.tag === TAG.INTEGER) keyLength = readSmallInt(part);
      else if (part.tag === TAG.SEQUENCE) {
        const prfOid = readOid(children(part)[0]!);
        const found = HMAC_BY_OID[prfOid];
        if (!found) throw new DerError(`PBKDF2 PRF ${prfOid} is not supported`);
        prf = found;
      }
    }
    const [schemeOid, ivNode] = children(expectTag(scheme, TAG.SEQUENCE, 'encryption scheme'));
    const found = CIPHER_BY_OID[readOid(schemeOid!)];
    if (!found) throw new DerError(`cipher ${readOid(schemeOid!)} is not supported (AES-CBC and 3DES are)`);
    // OpenSSL refuses a PBKDF2 key length other than the cipher's; so do we (it also bounds the work).
    if (keyLength !== undefined && keyLength !== found.keyLength) {
      throw new DerError(`PBKDF2 key length ${keyLength} does not match the cipher's ${found.keyLength}`);
    }
    key = yield {
      kind: 'pbkdf2',
      password: Buffer.from(password, 'utf8'),
      salt,
      iterations: count,
      keyLength: found.keyLength,
      digest: prf,
    };
    iv = expectTag(ivNode, TAG.OCTET_STRING, 'IV').content;
    cipher = found.cipher;
  } else {
    throw new DerError(`encryption ${algOid} is not supported`);
  }
  try {
    if (cipher === 'rc2') return rc2CbcDecrypt(key, iv, data, rc2Bits!);
    const decipher = createDecipheriv(cipher, key, iv);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new WrongPasswordError();
  }
}

/** Encrypt with PBES2: PBKDF2-HMAC-SHA256 (2048 iterations) and AES-256-CBC, as OpenSSL 3 does. */
export function pbes2Encrypt(
  data: Buffer,
  password: string,
  iterations = 2048,
): { algorithm: Buffer; ciphertext: Buffer } {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  const algorithm = seq(
    oid(OID.pbes2),
    seq(
      seq(
        oid(OID.pbkdf2),
        seq(octetString(salt), int(iterations), seq(oid(OID.hmacWithSHA256), Buffer.from([5, 0]))),
      ),
      seq(oid(OID.aes256Cbc), octetString(iv)),
    ),
  );
  return { algorithm, ciphertext };
}

export { bmpPassword };
