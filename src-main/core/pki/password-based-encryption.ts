/**
 * Password-based encryption used inside PKCS#12 and encrypted PKCS#8: PBES2 (PBKDF2 + AES/3DES)
 * and the legacy PKCS#12 PBE schemes (3DES, RC2) with the PKCS#12 key derivation (RFC 7292 B.2).
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { asn1Schema, asn1X509, asn1js } from './asn1-libs.js';
import { DecodeError, asn1Value, decodeAs } from './asn1-decode.js';
import { bmpPassword, checkIterations, type Deriving } from './key-derivation.js';
import { OID } from './oids.js';
import { integerOf, octetsOf, pkcs12Schema } from './pkcs12-schema.js';
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

/** The parameters of an AlgorithmIdentifier as one of our structures. */
function paramsOf<T>(algorithm: AlgorithmIdentifier, type: new () => T, what: string): T {
  if (!algorithm.parameters) throw new DecodeError(`${what} are missing`);
  return decodeAs(new Uint8Array(algorithm.parameters), type, what);
}

/**
 * True when pbeDecrypt reads this AlgorithmIdentifier (PBES2 with PBKDF2 or scrypt, or a PKCS#12 PBE).
 * PBES1 is left to OpenSSL 3, which refuses its ciphers (DES, RC2: legacy provider) before deriving.
 */
export function pbeHandles(algorithm: AlgorithmIdentifier): boolean {
  if (LEGACY_PBE[algorithm.algorithm]) return true;
  if (algorithm.algorithm !== OID.pbes2) return false;
  try {
    const kdf = paramsOf(algorithm, pkcs12Schema().PBES2Params, 'PBES2 parameters').keyDerivationFunc;
    return kdf.algorithm === OID.pbkdf2 || kdf.algorithm === OID.scrypt;
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
export function* pbeDecrypt(
  algorithm: AlgorithmIdentifier,
  data: Buffer,
  password: string,
): Deriving<Buffer> {
  const algOid = algorithm.algorithm;
  const legacy = LEGACY_PBE[algOid];
  let key: Buffer;
  let iv: Buffer;
  let cipher: string;
  let rc2Bits: number | undefined;
  if (legacy) {
    const params = paramsOf(algorithm, pkcs12Schema().PbeParameters, 'PBE parameters');
    const count = checkIterations(integerOf(params.iterations));
    const pw = bmpPassword(password);
    const kdf = {
      kind: 'pkcs12',
      digest: 'sha1',
      password: pw,
      salt: params.salt,
      iterations: count,
    } as const;
    key = yield { ...kdf, id: 1, size: legacy.keyLength };
    iv = yield { ...kdf, id: 2, size: 8 };
    cipher = legacy.cipher;
    rc2Bits = legacy.rc2Bits;
  } else if (algOid === OID.pbes2) {
    const pbes2 = paramsOf(algorithm, pkcs12Schema().PBES2Params, 'PBES2 parameters');
    const kdfOid = pbes2.keyDerivationFunc.algorithm;
    if (kdfOid !== OID.pbkdf2 && kdfOid !== OID.scrypt) {
      throw new DecodeError(`key derivation ${kdfOid} is not supported (PBKDF2 and scrypt are)`);
    }
    const schemeOid = pbes2.encryptionScheme.algorithm;
    const found = CIPHER_BY_OID[schemeOid];
    if (!found) throw new DecodeError(`cipher ${schemeOid} is not supported (AES-CBC and 3DES are)`);
    const utf8Password = Buffer.from(password, 'utf8');
    if (kdfOid === OID.scrypt) {
      const kdf = paramsOf(pbes2.keyDerivationFunc, pkcs12Schema().ScryptParams, 'scrypt parameters');
      // OpenSSL refuses a key length other than the cipher's; so do we.
      const keyLength = kdf.keyLength ? integerOf(kdf.keyLength) : undefined;
      if (keyLength !== undefined && keyLength !== found.keyLength) {
        throw new DecodeError(
          `scrypt key length ${keyLength} does not match the cipher's ${found.keyLength}`,
        );
      }
      key = yield {
        kind: 'scrypt',
        password: utf8Password,
        salt: kdf.salt,
        cost: integerOf(kdf.costParameter),
        blockSize: integerOf(kdf.blockSize),
        parallel: integerOf(kdf.parallelizationParameter),
        keyLength: found.keyLength,
      };
    } else {
      const kdf = paramsOf(pbes2.keyDerivationFunc, pkcs12Schema().PBKDF2Params, 'PBKDF2 parameters');
      const count = checkIterations(integerOf(kdf.iterationCount));
      let prf = 'sha1';
      if (kdf.prf) {
        const prfFound = HMAC_BY_OID[kdf.prf.algorithm];
        if (!prfFound) throw new DecodeError(`PBKDF2 PRF ${kdf.prf.algorithm} is not supported`);
        prf = prfFound;
      }
      // OpenSSL refuses a PBKDF2 key length other than the cipher's; so do we (it also bounds the work).
      const keyLength = kdf.keyLength ? integerOf(kdf.keyLength) : undefined;
      if (keyLength !== undefined && keyLength !== found.keyLength) {
        throw new DecodeError(
          `PBKDF2 key length ${keyLength} does not match the cipher's ${found.keyLength}`,
        );
      }
      key = yield {
        kind: 'pbkdf2',
        password: utf8Password,
        salt: kdf.salt,
        iterations: count,
        keyLength: found.keyLength,
        digest: prf,
      };
    }
    const ivParams = pbes2.encryptionScheme.parameters;
    if (!ivParams) throw new DecodeError('the cipher has no IV');
    iv = octetsOf(asn1Value(new Uint8Array(ivParams), 'IV'));
    cipher = found.cipher;
  } else {
    throw new DecodeError(`encryption ${algOid} is not supported`);
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
): { algorithm: AlgorithmIdentifier; ciphertext: Buffer } {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  const { AsnConvert } = asn1Schema();
  const { AlgorithmIdentifier } = asn1X509();
  const kdf = Object.assign(new (pkcs12Schema().PBKDF2Params)(), {
    salt,
    iterationCount: integerBytes(iterations),
    prf: new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256, parameters: NULL }),
  });
  const params = Object.assign(new (pkcs12Schema().PBES2Params)(), {
    keyDerivationFunc: new AlgorithmIdentifier({
      algorithm: OID.pbkdf2,
      parameters: AsnConvert.serialize(kdf),
    }),
    encryptionScheme: new AlgorithmIdentifier({
      algorithm: OID.aes256Cbc,
      parameters: AsnConvert.serialize(new (asn1js().OctetString)({ valueHex: iv })),
    }),
  });
  const algorithm = new AlgorithmIdentifier({
    algorithm: OID.pbes2,
    parameters: AsnConvert.serialize(params),
  });
  return { algorithm, ciphertext };
}

/** DER NULL, the parameters of an HMAC AlgorithmIdentifier as OpenSSL writes them. */
const NULL = new Uint8Array([5, 0]).buffer;

/** A non-negative INTEGER's content octets. */
export function integerBytes(value: number): ArrayBuffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = '00' + hex;
  return new Uint8Array(Buffer.from(hex, 'hex')).buffer;
}

export { bmpPassword };
