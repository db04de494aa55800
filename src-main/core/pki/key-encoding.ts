/**
 * A generated key already encoded (PKCS#8 PEM + SubjectPublicKeyInfo DER), the fast path of batches.
 * The structures are written by @peculiar (asn1-pkcs8 PrivateKeyInfo, asn1-ecc ECPrivateKey and
 * ECParameters, asn1-x509 SubjectPublicKeyInfo) — once per key type, as a template with marker bytes
 * in its fixed-length fields (the private scalar, the public point); each key then fills in its own
 * bytes. Serialising the structures per key costs ~0.4 ms (more than generating the key); filling a
 * template costs microseconds and gives the very bytes the library (and OpenSSL) write.
 */
import { generateKeyPair, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';
import { asn1Ecc, asn1Pkcs8, asn1Schema, asn1X509, once } from './asn1-libs.js';
import { OID } from './oids.js';
import { toPem } from './pem.js';
import type { KeyType } from './types.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface EncodedKey {
  keyType: KeyType;
  /** PKCS#8 PEM. */
  privatePem: string;
  /** SubjectPublicKeyInfo DER. */
  spki: Buffer;
  /** Its subjectPublicKey bits, when known without decoding it (the builder's SKI input). */
  publicKeyBits?: Buffer;
}

/** A DER structure cut at its fields of fixed length: constant pieces around the slots. */
interface Template {
  pieces: Buffer[];
  lengths: number[];
}

/**
 * Serialise a structure with random markers in its slots and cut it there. A marker found anywhere
 * else (a 2^-256 chance) or not at all would make the template wrong: that is refused outright.
 */
function template(lengths: number[], serialise: (slots: Buffer[]) => ArrayBuffer): Template {
  const markers = lengths.map((length) => randomBytes(length));
  const der = Buffer.from(serialise(markers));
  const pieces: Buffer[] = [];
  let at = 0;
  for (const marker of markers) {
    const found = der.indexOf(marker, at);
    if (found < 0 || der.indexOf(marker, found + 1) >= 0) throw new Error('key template: marker not unique');
    pieces.push(der.subarray(at, found));
    at = found + marker.length;
  }
  pieces.push(der.subarray(at));
  return { pieces, lengths };
}

/** The template filled with `values`; undefined when one has another length than its slot. */
function fill(t: Template, values: Buffer[]): Buffer | undefined {
  if (values.some((value, i) => value.length !== t.lengths[i])) return undefined;
  const parts: Buffer[] = [t.pieces[0]!];
  values.forEach((value, i) => parts.push(value, t.pieces[i + 1]!));
  return Buffer.concat(parts);
}

/** The bytes as an ArrayBuffer of their own (asn1-schema's BIT STRING fields). */
function copy(bytes: Buffer): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

interface KeyTemplates {
  /** Slots: the private key octets, then the public key bits. */
  pkcs8: Template;
  /** Slot: the public key bits. */
  spki: Template;
  /** The library's own serialisation (for values of an unexpected length). */
  encode(privateOctets: Buffer, publicBits: Buffer): { pkcs8: Buffer; spki: Buffer };
}

/** RFC 5915 ECPrivateKey inside RFC 5208 PrivateKeyInfo, as OpenSSL writes it (no [0] parameters). */
function ecTemplates(curveOid: string, scalarLength: number): KeyTemplates {
  const { AsnConvert, OctetString } = asn1Schema();
  const { PrivateKeyInfo, PrivateKey } = asn1Pkcs8();
  const { ECPrivateKey, ECParameters } = asn1Ecc();
  const { AlgorithmIdentifier, SubjectPublicKeyInfo } = asn1X509();
  const algorithm = new AlgorithmIdentifier({
    algorithm: OID.ecPublicKey,
    parameters: AsnConvert.serialize(new ECParameters({ namedCurve: curveOid })),
  });
  const pkcs8 = (d: Buffer, point: Buffer): ArrayBuffer => {
    const ecKey = new ECPrivateKey({ version: 1, privateKey: new OctetString(d), publicKey: copy(point) });
    return AsnConvert.serialize(
      new PrivateKeyInfo({
        version: 0,
        privateKeyAlgorithm: algorithm,
        privateKey: new PrivateKey(AsnConvert.serialize(ecKey)),
      }),
    );
  };
  const spki = (point: Buffer): ArrayBuffer =>
    AsnConvert.serialize(new SubjectPublicKeyInfo({ algorithm, subjectPublicKey: copy(point) }));
  const pointLength = 1 + 2 * scalarLength;
  return {
    pkcs8: template([scalarLength, pointLength], ([d, point]) => pkcs8(d!, point!)),
    spki: template([pointLength], ([point]) => spki(point!)),
    encode: (d, point) => ({ pkcs8: Buffer.from(pkcs8(d, point)), spki: Buffer.from(spki(point)) }),
  };
}

/** RFC 8410: PrivateKeyInfo whose privateKey holds the CurvePrivateKey OCTET STRING. */
function ed25519Templates(): KeyTemplates {
  const { AsnConvert, OctetString } = asn1Schema();
  const { PrivateKeyInfo, PrivateKey } = asn1Pkcs8();
  const { AlgorithmIdentifier, SubjectPublicKeyInfo } = asn1X509();
  const algorithm = new AlgorithmIdentifier({ algorithm: OID.ed25519 });
  const pkcs8 = (d: Buffer): ArrayBuffer =>
    AsnConvert.serialize(
      new PrivateKeyInfo({
        version: 0,
        privateKeyAlgorithm: algorithm,
        privateKey: new PrivateKey(AsnConvert.serialize(new OctetString(d))),
      }),
    );
  const spki = (x: Buffer): ArrayBuffer =>
    AsnConvert.serialize(new SubjectPublicKeyInfo({ algorithm, subjectPublicKey: copy(x) }));
  return {
    pkcs8: template([32], ([d]) => pkcs8(d!)),
    spki: template([32], ([x]) => spki(x!)),
    encode: (d, x) => ({ pkcs8: Buffer.from(pkcs8(d)), spki: Buffer.from(spki(x)) }),
  };
}

const TEMPLATES = {
  'ec-p256': once(() => ecTemplates(OID.prime256v1, 32)),
  'ec-p384': once(() => ecTemplates(OID.secp384r1, 48)),
  ed25519: once(ed25519Templates),
};

function encodeWith(
  t: KeyTemplates,
  privateOctets: Buffer,
  publicBits: Buffer,
): { pkcs8: Buffer; spki: Buffer } {
  const pkcs8 = fill(t.pkcs8, t.pkcs8.lengths.length === 2 ? [privateOctets, publicBits] : [privateOctets]);
  const spki = fill(t.spki, [publicBits]);
  return pkcs8 && spki ? { pkcs8, spki } : t.encode(privateOctets, publicBits);
}

const CURVES: Partial<Record<KeyType, string>> = { 'ec-p256': 'prime256v1', 'ec-p384': 'secp384r1' };

/**
 * Generate a key already encoded. EC and Ed25519 keys come from the generator as JWK (several times
 * faster than OpenSSL 3's PKCS#8 encoder) and are written by the templates above — byte for byte what
 * OpenSSL writes; RSA goes through Node's encoders off the main thread.
 */
export async function generateEncodedKey(keyType: KeyType): Promise<EncodedKey> {
  const curve = CURVES[keyType];
  if (curve) {
    const jwk = generateJwk('ec', curve);
    const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
    const t = TEMPLATES[keyType as 'ec-p256' | 'ec-p384']();
    const { pkcs8, spki } = encodeWith(t, b64url(jwk.d), point);
    return { keyType, privatePem: toPem(pkcs8, 'PRIVATE KEY'), spki, publicKeyBits: point };
  }
  if (keyType === 'ed25519') {
    const jwk = generateJwk('ed25519');
    const x = b64url(jwk.x);
    const { pkcs8, spki } = encodeWith(TEMPLATES.ed25519(), b64url(jwk.d), x);
    return { keyType, privatePem: toPem(pkcs8, 'PRIVATE KEY'), spki, publicKeyBits: x };
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
