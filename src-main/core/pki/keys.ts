/**
 * Private and public keys: generation per KeyType, reading every common key encoding (PEM PKCS#8,
 * PKCS#1, SEC1, legacy-encrypted PEM, encrypted PKCS#8, DER), signature algorithms and signing.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { UserError } from '../user-error.js';
import {
  DerError,
  TAG,
  bitString,
  children,
  explicit,
  int,
  nullValue,
  octetString,
  oid,
  parseDer,
  seq,
} from './der.js';
import type { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { asn1X509, asn1js } from './asn1-libs.js';
import { DecodeError, asn1Value, decodeAs } from './asn1-decode.js';
import { CURVE_NAMES, OID, SIGNATURE_ALGORITHMS } from './oids.js';
import { looksLikePem, parsePemBlocks, toPem } from './pem.js';
import { DerivationLimitError, deriveAll, deriveAllSync, type Deriving } from './key-derivation.js';
import { WrongPasswordError, pbeDecrypt, pbeHandles } from './password-based-encryption.js';
import { pkcs12Schema } from './pkcs12-schema.js';
import { isDecodeError } from './decode-failure.js';
import { KEY_TYPES, type KeyType, type KeyTypeLabel } from './types.js';

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

export interface EncodedKey {
  keyType: KeyType;
  /** PKCS#8 PEM. */
  privatePem: string;
  /** SubjectPublicKeyInfo DER. */
  spki: Buffer;
  /** Its subjectPublicKey bits, when known without decoding it (the builder's SKI input). */
  publicKeyBits?: Buffer;
}

const CURVES: Partial<Record<KeyType, string>> = { 'ec-p256': 'prime256v1', 'ec-p384': 'secp384r1' };

/**
 * Generate a key already encoded (PKCS#8 PEM + SPKI DER): the fast path for batches. EC and Ed25519
 * keys are encoded here from their JWK form — byte for byte what OpenSSL writes, several times faster
 * than OpenSSL 3's encoders; RSA goes through Node's encoders off the main thread.
 */
export async function generateEncodedKey(keyType: KeyType): Promise<EncodedKey> {
  const curve = CURVES[keyType];
  if (curve) {
    const jwk = generateJwk('ec', curve);
    const curveOid = keyType === 'ec-p384' ? OID.secp384r1 : OID.prime256v1;
    const algorithm = seq(oid(OID.ecPublicKey), oid(curveOid));
    const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
    const ecPrivateKey = seq(int(1), octetString(b64url(jwk.d)), explicit(1, bitString(point)));
    return {
      keyType,
      privatePem: toPem(seq(int(0), algorithm, octetString(ecPrivateKey)), 'PRIVATE KEY'),
      spki: seq(algorithm, bitString(point)),
      publicKeyBits: point,
    };
  }
  if (keyType === 'ed25519') {
    const jwk = generateJwk('ed25519');
    const algorithm = seq(oid(OID.ed25519));
    return {
      keyType,
      privatePem: toPem(seq(int(0), algorithm, octetString(octetString(b64url(jwk.d)))), 'PRIVATE KEY'),
      spki: seq(algorithm, bitString(b64url(jwk.x))),
      publicKeyBits: b64url(jwk.x),
    };
  }
  const pair = await generateKeyPairAsync('rsa', {
    modulusLength: Number(keyType.slice(4)),
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyType, privatePem: pair.privateKey, spki: pair.publicKey };
}

/**
 * A fresh key pair as a private JWK. The encoding is asked of the generator itself: on Node 20.20,
 * `generateKeyPairSync(...).privateKey.export({ format: 'jwk' })` in a loop deadlocks the main thread
 * inside Node's key code after a few thousand keys; the in-call encoding does not.
 */
function generateJwk(type: 'ec' | 'ed25519', namedCurve?: string): JsonWebKey {
  const jwk = { format: 'jwk' };
  // @types/node lists no 'jwk' among the generator's encodings, though Node (≥ 15.9) takes it.
  const generate = generateKeyPairSync as unknown as (
    type: string,
    options: object,
  ) => { privateKey: JsonWebKey };
  return generate(type, { namedCurve, publicKeyEncoding: jwk, privateKeyEncoding: jwk }).privateKey;
}

function b64url(value: string | undefined): Buffer {
  return Buffer.from(value ?? '', 'base64url');
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
      const value = asn1Value(new Uint8Array(params), 'subjectPublicKeyInfo: EC parameters');
      if (value instanceof asn1js().ObjectIdentifier) curveOid = value.getValue();
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
  /** AlgorithmIdentifier DER. */
  identifier: Buffer;
  /** Digest for crypto.sign (null for EdDSA). */
  hash: string | null;
}

/** The signature algorithm a CA key signs with: SHA-256 for P-256 and RSA, SHA-384 for P-384. */
export function signatureAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1')
        return { oid: OID.ecdsaWithSHA384, identifier: seq(oid(OID.ecdsaWithSHA384)), hash: 'sha384' };
      if (curve === 'secp521r1')
        return { oid: OID.ecdsaWithSHA512, identifier: seq(oid(OID.ecdsaWithSHA512)), hash: 'sha512' };
      return { oid: OID.ecdsaWithSHA256, identifier: seq(oid(OID.ecdsaWithSHA256)), hash: 'sha256' };
    }
    case 'rsa':
      return { oid: OID.sha256WithRSA, identifier: seq(oid(OID.sha256WithRSA), nullValue()), hash: 'sha256' };
    case 'ed25519':
      return { oid: OID.ed25519, identifier: seq(oid(OID.ed25519)), hash: null };
    case 'ed448':
      return { oid: OID.ed448, identifier: seq(oid(OID.ed448)), hash: null };
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

const KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

function isEncryptedPkcs8Der(der: Buffer): boolean {
  try {
    const parts = children(parseDer(der));
    // EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }; PrivateKeyInfo starts with INTEGER.
    return parts.length === 2 && parts[0]!.tag === TAG.SEQUENCE && parts[1]!.tag === TAG.OCTET_STRING;
  } catch {
    return false;
  }
}

interface KeySource {
  key: Buffer | string;
  format: 'pem' | 'der';
  type?: 'pkcs8' | 'pkcs1' | 'sec1';
}

function keyError(file: string, message: string, code = 'BAD_KEY'): UserError {
  return new UserError(`${file}: ${message}`, code, { file });
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
    try {
      parseDer(buffer);
    } catch (error) {
      throw keyError(file, `not a PEM or DER private key (${(error as Error).message})`);
    }
    encrypted = isEncryptedPkcs8Der(buffer);
    if (encrypted) {
      encryptedPkcs8 = buffer;
      candidates.push({ key: buffer, format: 'der', type: 'pkcs8' });
    } else {
      candidates.push({ key: buffer, format: 'der', type: 'pkcs8' });
      candidates.push({ key: buffer, format: 'der', type: 'pkcs1' });
      candidates.push({ key: buffer, format: 'der', type: 'sec1' });
    }
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
  throw keyError(file, `not a readable private key (${opensslReason(lastError)})`);
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
 * derived inline within the bounds of key-derivation.ts; the api uses readKeyAsync.
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

export function isDerError(error: unknown): error is DerError {
  return error instanceof DerError;
}
