/**
 * Private and public keys: generation per KeyType, public key facts, signature algorithms and signing
 * (node:crypto). Encoding a generated key is key-encoding.ts, reading a key file key-reader.ts (both
 * re-exported here).
 */
import {
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { UserError } from '../user-error.js';
import type { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { asn1Ecc, asn1Schema, asn1X509 } from './asn1-libs.js';
import { DecodeError, decodeAs, decodeWords } from './asn1-decode.js';
import { CURVE_NAMES, OID, SIGNATURE_ALGORITHMS } from './oids.js';
import { toPem } from './pem.js';
import { KEY_TYPES, type KeyType, type KeyTypeLabel } from './types.js';

export { generateEncodedKey, type EncodedKey } from './key-encoding.js';
export { readKey, readKeyAsync } from './key-reader.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export function isKeyType(value: string): value is KeyType {
  return (KEY_TYPES as readonly string[]).includes(value);
}

/** Check a user-given key type; the error names the field. */
export function keyTypeOption(value: string | undefined, field = 'keyType'): KeyType {
  if (value === undefined) return 'ec-p256';
  if (!isKeyType(value)) {
    throw new UserError(
      `${field}: unknown key type "${value}"; use one of ${KEY_TYPES.join(', ')}`,
      'BAD_KEY_TYPE',
      {
        field,
      },
    );
  }
  return value;
}

/** Generate a private key of the given type. RSA runs off the main thread. */
export async function generatePrivateKey(keyType: KeyType): Promise<KeyObject> {
  switch (keyType) {
    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    case 'ec-p384':
      return generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096': {
      const modulusLength = Number(keyType.slice(4));
      return (await generateKeyPairAsync('rsa', { modulusLength, publicExponent: 0x10001 })).privateKey;
    }
  }
}

/** The key type label of a key (private or public). */
export function keyTypeOfKey(key: KeyObject): KeyTypeLabel {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `rsa-${details.modulusLength ?? 0}`;
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ec-p256';
      if (details.namedCurve === 'secp384r1') return 'ec-p384';
      if (details.namedCurve === 'secp521r1') return 'ec-p521';
      return `ec-${details.namedCurve ?? 'unknown'}`;
    case 'ed25519':
      return 'ed25519';
    case 'ed448':
      return 'ed448';
    case 'dsa':
      return 'dsa';
    default:
      return 'unknown';
  }
}

export interface SpkiFacts {
  algorithm: string;
  bits: number;
  curve?: string;
  keyType: KeyTypeLabel;
}

/** Public key algorithm, size and type label from SubjectPublicKeyInfo DER (no crypto needed). */
export function describeSpki(spki: Buffer): SpkiFacts {
  return describeSpkiInfo(decodeAs(spki, asn1X509().SubjectPublicKeyInfo, 'subjectPublicKeyInfo'), spki);
}

/** describeSpki of an SPKI already decoded (asn1-x509), with its DER for RSA's modulus size. */
export function describeSpkiInfo(info: SubjectPublicKeyInfo, spki: Buffer): SpkiFacts {
  const algorithmOid = info.algorithm.algorithm;
  if (algorithmOid === OID.ecPublicKey) {
    const params = info.algorithm.parameters;
    let curveOid = 'explicit';
    if (params) {
      let ecParameters;
      try {
        ecParameters = asn1Schema().AsnConvert.parse(params, asn1Ecc().ECParameters);
      } catch (error) {
        throw decodeWords(error, 'subjectPublicKeyInfo: EC parameters');
      }
      curveOid = ecParameters.namedCurve ?? 'explicit';
    }
    const curve = CURVE_NAMES[curveOid];
    return {
      algorithm: 'ec',
      bits: curve?.bits ?? 0,
      curve: curve?.name ?? curveOid,
      keyType: `ec-${curve?.label ?? curveOid}`,
    };
  }
  if (algorithmOid === OID.ed25519) return { algorithm: 'ed25519', bits: 256, keyType: 'ed25519' };
  if (algorithmOid === OID.ed448) return { algorithm: 'ed448', bits: 456, keyType: 'ed448' };
  if (algorithmOid === OID.rsaEncryption || algorithmOid === OID.rsassaPss) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    } catch {
      throw new DecodeError('subjectPublicKeyInfo: not a valid RSA public key');
    }
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return { algorithm: 'rsa', bits, keyType: `rsa-${bits}` };
  }
  if (algorithmOid === OID.dsa) return { algorithm: 'dsa', bits: 0, keyType: 'dsa' };
  return { algorithm: algorithmOid, bits: 0, keyType: 'unknown' };
}

export interface SignatureAlgorithm {
  oid: string;
  /** Digest for crypto.sign (null for EdDSA). */
  hash: string | null;
}

/** The signature algorithm a CA key signs with: SHA-256 for P-256 and RSA, SHA-384 for P-384. */
export function signatureAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return { oid: OID.ecdsaWithSHA384, hash: 'sha384' };
      if (curve === 'secp521r1') return { oid: OID.ecdsaWithSHA512, hash: 'sha512' };
      return { oid: OID.ecdsaWithSHA256, hash: 'sha256' };
    }
    case 'rsa':
      return { oid: OID.sha256WithRSA, hash: 'sha256' };
    case 'ed25519':
      return { oid: OID.ed25519, hash: null };
    case 'ed448':
      return { oid: OID.ed448, hash: null };
    default:
      throw new UserError(
        `a ${key.asymmetricKeyType ?? 'unknown'} key cannot sign certificates here`,
        'BAD_KEY',
      );
  }
}

export function signWith(key: KeyObject, algorithm: SignatureAlgorithm, data: Buffer): Buffer {
  return sign(algorithm.hash, data, key);
}

/**
 * Verify a signature made with the algorithm `sigOid` over `data` with the public key (SPKI DER).
 * Returns false for a bad signature and for algorithms we cannot check (RSA-PSS, MD5).
 */
export function verifySignature(data: Buffer, sigOid: string, signature: Buffer, spki: Buffer): boolean {
  const info = SIGNATURE_ALGORITHMS[sigOid];
  if (!info || sigOid === OID.rsassaPss) return false;
  try {
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    return verify(info.hash ?? null, data, key, signature);
  } catch {
    return false;
  }
}

export function privateKeyPem(key: KeyObject, passphrase?: string): string {
  if (passphrase !== undefined) {
    return key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }) as string;
  }
  return key.export({ format: 'pem', type: 'pkcs8' }) as string;
}

export function publicSpki(key: KeyObject): Buffer {
  return createPublicKey(key).export({ format: 'der', type: 'spki' });
}

/** True when the private key belongs to the certificate's public key. */
export function keyMatchesSpki(key: KeyObject, spki: Buffer): boolean {
  try {
    const certificateKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    return publicSpki(key).equals(certificateKey.export({ format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}

export { toPem };
