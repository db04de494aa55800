/**
 * PKCS#12 (RFC 7292): read files from OpenSSL 1.x/3.x (legacy RC2/3DES or PBES2/AES), Windows and
 * Java (BER), and write what OpenSSL 3 writes by default (PBES2 AES-256-CBC, HMAC-SHA256 MAC).
 */
import { createHmac, createPrivateKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { UserError } from '../user-error.js';
import { berToDer } from './ber.js';
import { readCertificate } from './certificate.js';
import { isIssuedBy, fingerprint } from './certificate.js';
import {
  DerError,
  TAG,
  children,
  explicit,
  expectTag,
  implicitPrimitive,
  int,
  nullValue,
  octetString,
  oid,
  parseDer,
  readIntegerBytes,
  readOid,
  seq,
  setOf,
  tlv,
} from './der.js';
import type { Der } from './der.js';
import { keyMatchesSpki, privateKeyPem } from './keys.js';
import { OID } from './oids.js';
import {
  DerivationLimitError,
  bmpPassword,
  checkIterations,
  deriveAll,
  deriveAllSync,
  pkcs12Kdf,
  type Deriving,
} from './key-derivation.js';
import { DIGEST_BY_OID, WrongPasswordError, pbeDecrypt, pbes2Encrypt } from './password-based-encryption.js';
import { toPem } from './pem.js';

export interface Pkcs12Contents {
  /** PKCS#8 PEM of the private key ('' when the file holds none). */
  keyPem: string;
  /** The certificate that belongs to the key (else the first one). */
  certPem: string;
  /** The other certificates, issuer of the leaf first. */
  chainPems: string[];
}

/** Quick test: does this look like a PFX (SEQUENCE { INTEGER 3, ContentInfo ... })? */
export function looksLikePkcs12(data: Buffer): boolean {
  try {
    const parts = children(parseDer(berToDer(data)));
    return parts[0]?.tag === TAG.INTEGER && parts[0].content[0] === 3 && parts[1]?.tag === TAG.SEQUENCE;
  } catch {
    return false;
  }
}

/** Content octets of an OCTET STRING, or of a constructed [0] IMPLICIT OCTET STRING (BER input). */
function octets(node: Der): Buffer {
  if (node.tag === TAG.OCTET_STRING || node.tag === 0x80) return node.content;
  if (node.constructed) return Buffer.concat(children(node).map(octets));
  throw new DerError(`expected octets, found tag 0x${node.tag.toString(16)}`);
}

/** One level of the file, BER or DER (indefinite lengths are allowed at every level, as OpenSSL does). */
function parseLevel(bytes: Buffer): Der {
  return parseDer(berToDer(bytes));
}

/** ContentInfo of type data → its octets. */
function dataContent(contentInfo: Der): Buffer {
  const [typeNode, content] = children(expectTag(contentInfo, TAG.SEQUENCE, 'ContentInfo'));
  const type = readOid(typeNode!);
  if (type !== OID.data) throw new DerError(`content type ${type} is not data`);
  return octets(children(expectTag(content, 0xa0, 'content'))[0]!);
}

/** A failure inside one part of the file, named for the message. */
class PartError extends Error {
  constructor(
    readonly part: string,
    readonly reason: string,
  ) {
    super(`${part}: ${reason}`);
  }
}

function* inPart<T>(part: string, reader: () => Deriving<T>): Deriving<T> {
  try {
    return yield* reader();
  } catch (error) {
    if (error instanceof WrongPasswordError || error instanceof PartError || error instanceof UserError) {
      throw error;
    }
    throw new PartError(part, reasonOf(error));
  }
}

function inPartSync<T>(part: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new PartError(part, reasonOf(error));
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof DerError || error instanceof DerivationLimitError) return error.message;
  return 'damaged or not what PKCS#12 puts there';
}

function* verifyMac(macData: Der, authSafe: Buffer, password: string): Deriving<boolean> {
  const [digestInfo, saltNode, iterNode] = children(expectTag(macData, TAG.SEQUENCE, 'MacData'));
  const [algorithm, digestNode] = children(expectTag(digestInfo, TAG.SEQUENCE, 'DigestInfo'));
  const digestOid = readOid(children(expectTag(algorithm, TAG.SEQUENCE, 'digest algorithm'))[0]!);
  const hash = DIGEST_BY_OID[digestOid];
  if (!hash) throw new DerError(`MAC digest ${digestOid} is not supported`);
  const expected = expectTag(digestNode, TAG.OCTET_STRING, 'MAC digest').content;
  const salt = expectTag(saltNode, TAG.OCTET_STRING, 'MAC salt').content;
  const iterBytes = iterNode ? readIntegerBytes(iterNode) : Buffer.from([1]);
  const iterations = checkIterations(
    iterBytes.length > 6 ? Infinity : parseInt(iterBytes.toString('hex') || '0', 16),
  );
  if (expected.length === 0 || expected.length > 64) throw new DerError('the MAC has a bad length');
  // OpenSSL tries the empty password both as an empty BMPString and as no password at all.
  const candidates = password === '' ? [bmpPassword(''), Buffer.alloc(0)] : [bmpPassword(password)];
  for (const pw of candidates) {
    const key = yield {
      kind: 'pkcs12',
      digest: hash,
      password: pw,
      salt,
      id: 3,
      iterations,
      size: expected.length,
    };
    const mac = createHmac(hash, key).update(authSafe).digest();
    if (mac.length === expected.length && timingSafeEqual(mac, expected)) return true;
  }
  return false;
}

interface Bags {
  keys: KeyObject[];
  certs: Buffer[];
}

function pkcs8Key(der: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    throw new DerError('the private key inside is not a readable PKCS#8 key');
  }
}

function* readSafeContents(bytes: Buffer, password: string, bags: Bags, where: string): Deriving<void> {
  const list = children(expectTag(parseLevel(bytes), TAG.SEQUENCE, 'SafeContents'));
  let index = 0;
  for (const bag of list) {
    index++;
    const part = `${where}, bag ${index}`;
    yield* inPart(part, function* () {
      const [idNode, valueWrapper] = children(expectTag(bag, TAG.SEQUENCE, 'SafeBag'));
      const id = readOid(expectTag(idNode, TAG.OID, 'bag type'));
      const value = children(expectTag(valueWrapper, 0xa0, 'bagValue'))[0];
      if (!value) throw new DerError('the bag is empty');
      if (id === OID.keyBag) {
        bags.keys.push(pkcs8Key(value.raw));
      } else if (id === OID.pkcs8ShroudedKeyBag) {
        const [algorithm, encrypted] = children(expectTag(value, TAG.SEQUENCE, 'EncryptedPrivateKeyInfo'));
        if (!algorithm || !encrypted) throw new DerError('the encrypted key is incomplete');
        const plain = yield* pbeDecrypt(algorithm, octets(encrypted), password);
        bags.keys.push(pkcs8Key(parseLevel(plain).raw));
      } else if (id === OID.certBag) {
        const [certType, certValue] = children(expectTag(value, TAG.SEQUENCE, 'CertBag'));
        if (readOid(expectTag(certType, TAG.OID, 'certificate type')) === OID.x509Certificate) {
          bags.certs.push(octets(children(expectTag(certValue, 0xa0, 'certValue'))[0]!));
        }
      } else if (id === OID.safeContentsBag) {
        yield* readSafeContents(value.raw, password, bags, part);
      }
    });
  }
}

/** The reader behind parsePkcs12 and parsePkcs12Async. */
function* readPkcs12(der: Buffer, passphrase: string | undefined, file: string): Deriving<Pkcs12Contents> {
  const password = passphrase ?? '';
  let pfx: Der[];
  try {
    pfx = children(expectTag(parseLevel(der), TAG.SEQUENCE, 'PFX'));
    if (pfx[0]?.tag !== TAG.INTEGER || pfx[0].content[0] !== 3) throw new DerError('version is not 3');
  } catch (error) {
    throw new UserError(`${file}: not a PKCS#12 file (${reasonOf(error)})`, 'BAD_PKCS12', { file });
  }
  const bags: Bags = { keys: [], certs: [] };
  try {
    const authSafe = inPartSync('authenticated safe', () =>
      dataContent(expectTag(pfx[1], TAG.SEQUENCE, 'authSafe')),
    );
    if (pfx[2]) {
      const ok = yield* inPart('MAC', () => verifyMac(pfx[2]!, authSafe, password));
      if (!ok) throw new WrongPasswordError();
    }
    const infos = inPartSync('authenticated safe', () =>
      children(expectTag(parseLevel(authSafe), TAG.SEQUENCE, 'AuthenticatedSafe')),
    );
    let index = 0;
    for (const info of infos) {
      index++;
      const part = `safe ${index}`;
      const [type, content] = inPartSync(part, () => {
        const [typeNode, inner] = children(expectTag(info, TAG.SEQUENCE, 'ContentInfo'));
        return [readOid(expectTag(typeNode, TAG.OID, 'content type')), inner] as const;
      });
      if (type === OID.data) {
        const data = inPartSync(part, () => dataContent(info));
        yield* readSafeContents(data, password, bags, part);
      } else if (type === OID.encryptedData) {
        const plain = yield* inPart(part, function* () {
          const encryptedData = children(
            expectTag(children(expectTag(content, 0xa0, 'content'))[0], TAG.SEQUENCE, 'EncryptedData'),
          );
          const [, algorithm, encrypted] = children(
            expectTag(encryptedData[1], TAG.SEQUENCE, 'EncryptedContentInfo'),
          );
          if (!algorithm) throw new DerError('no encryption algorithm');
          if (!encrypted) return undefined;
          return yield* pbeDecrypt(algorithm, octets(encrypted), password);
        });
        if (plain) yield* readSafeContents(plain, password, bags, part);
      } else {
        throw new PartError(part, `content type ${type} (public-key protected PKCS#12) is not supported`);
      }
    }
  } catch (error) {
    if (error instanceof WrongPasswordError) {
      throw new UserError(
        passphrase === undefined
          ? `${file}: the PKCS#12 file is protected: give its passphrase`
          : `${file}: wrong passphrase for the PKCS#12 file`,
        passphrase === undefined ? 'PASSPHRASE_REQUIRED' : 'BAD_PASSPHRASE',
        { file },
      );
    }
    if (error instanceof UserError) throw error;
    const where = error instanceof PartError ? error.message : reasonOf(error);
    throw new UserError(`${file}: cannot read the PKCS#12 file: ${where}`, 'BAD_PKCS12', { file });
  }
  return contentsOf(bags, file);
}

function contentsOf(bags: Bags, file: string): Pkcs12Contents {
  if (bags.certs.length === 0)
    throw new UserError(`${file}: the PKCS#12 file holds no certificate`, 'BAD_PKCS12', { file });
  if (bags.keys.length > 1)
    throw new UserError(
      `${file}: the PKCS#12 file holds ${bags.keys.length} private keys; expected one`,
      'BAD_PKCS12',
      { file },
    );
  const certs = bags.certs.map((c, i) => readCertificate(c, `${file}: certificate ${i + 1}`));
  const key = bags.keys[0];
  let leafIndex = 0;
  if (key) {
    leafIndex = certs.findIndex((c) => keyMatchesSpki(key, c.spki));
    if (leafIndex < 0) {
      throw new UserError(
        `${file}: the private key matches none of the certificates in the PKCS#12 file`,
        'KEY_MISMATCH',
        { file },
      );
    }
  }
  const leaf = certs[leafIndex]!;
  const rest = certs.filter((_, i) => i !== leafIndex);
  // Order the chain: issuer of the leaf first, then its issuer…
  const chain = [];
  let current = leaf;
  while (rest.length > 0) {
    const next = rest.findIndex((c) => isIssuedBy(current, c));
    if (next < 0 || current.subject.rfc2253 === current.issuer.rfc2253) break;
    current = rest.splice(next, 1)[0]!;
    chain.push(current);
  }
  chain.push(...rest);
  return {
    keyPem: key ? privateKeyPem(key) : '',
    certPem: toPem(leaf.der, 'CERTIFICATE'),
    chainPems: chain.map((c) => toPem(c.der, 'CERTIFICATE')),
  };
}

/** A limit breached while deriving keys (DerivationBudget), as the one-line UserError of the file. */
function limitError(error: unknown, file: string): unknown {
  if (error instanceof DerivationLimitError) {
    return new UserError(`${file}: cannot read the PKCS#12 file: ${error.message}`, 'BAD_PKCS12', { file });
  }
  return error;
}

/**
 * Open a PKCS#12 file. A wrong passphrase is one UserError naming the file; so is anything that is
 * not a PKCS#12 or uses an algorithm we cannot read, or asks for more key-derivation work than the
 * bounds of key-derivation.ts. Derives inline: the api and the apps use parsePkcs12Async.
 */
export function parsePkcs12(
  der: Buffer,
  passphrase: string | undefined,
  file = 'PKCS#12 file',
): Pkcs12Contents {
  try {
    return deriveAllSync(readPkcs12(der, passphrase, file));
  } catch (error) {
    throw limitError(error, file);
  }
}

/** parsePkcs12 with every key derivation off the event loop. */
export async function parsePkcs12Async(
  der: Buffer,
  passphrase: string | undefined,
  file = 'PKCS#12 file',
): Promise<Pkcs12Contents> {
  try {
    return await deriveAll(readPkcs12(der, passphrase, file));
  } catch (error) {
    throw limitError(error, file);
  }
}

export interface Pkcs12Input {
  key: KeyObject;
  certPem: string;
  /** Extra certificates (intermediates, optionally the root). */
  chainPems?: string[];
  passphrase: string;
  /** friendlyName of the leaf and key (defaults to none). */
  friendlyName?: string;
}

function bagAttributes(localKeyId: Buffer, friendlyName?: string): Buffer {
  const attributes = [seq(oid(OID.localKeyId), setOf(octetString(localKeyId)))];
  if (friendlyName !== undefined) {
    const bmp = bmpPassword(friendlyName).subarray(0, friendlyName.length * 2);
    attributes.push(seq(oid(OID.friendlyName), setOf(tlv(TAG.BMP_STRING, bmp))));
  }
  return setOf(...attributes);
}

function certBag(der: Buffer, attributes?: Buffer): Buffer {
  const value = seq(oid(OID.x509Certificate), explicit(0, octetString(der)));
  return seq(oid(OID.certBag), explicit(0, value), ...(attributes ? [attributes] : []));
}

/** Build a PKCS#12 the way OpenSSL 3 does by default: AES-256-CBC/PBKDF2 bags, HMAC-SHA256 MAC. */
export function buildPkcs12(input: Pkcs12Input): Buffer {
  const leaf = readCertificate(input.certPem, 'certificate');
  if (!keyMatchesSpki(input.key, leaf.spki)) {
    throw new UserError('the private key does not belong to the certificate', 'KEY_MISMATCH');
  }
  const localKeyId = Buffer.from(fingerprint(leaf.der, 'sha1').replace(/:/g, ''), 'hex');
  const certBags = [certBag(leaf.der, bagAttributes(localKeyId, input.friendlyName))];
  for (const pem of input.chainPems ?? []) certBags.push(certBag(readCertificate(pem, 'chain').der));
  const certContents = pbes2Encrypt(seq(...certBags), input.passphrase);
  const encryptedData = seq(
    int(0),
    seq(oid(OID.data), certContents.algorithm, implicitPrimitive(0, certContents.ciphertext)),
  );
  const keyInfo = input.key.export({ format: 'der', type: 'pkcs8' });
  const shrouded = pbes2Encrypt(keyInfo, input.passphrase);
  const keyBag = seq(
    oid(OID.pkcs8ShroudedKeyBag),
    explicit(0, seq(shrouded.algorithm, octetString(shrouded.ciphertext))),
    bagAttributes(localKeyId, input.friendlyName),
  );
  const keyContents = seq(keyBag);
  const authSafe = seq(
    seq(oid(OID.encryptedData), explicit(0, encryptedData)),
    seq(oid(OID.data), explicit(0, octetString(keyContents))),
  );
  const macSalt = randomBytes(8);
  const iterations = 2048;
  const macKey = pkcs12Kdf('sha256', bmpPassword(input.passphrase), macSalt, 3, iterations, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  return seq(
    int(3),
    seq(oid(OID.data), explicit(0, octetString(authSafe))),
    seq(seq(seq(oid(OID.sha256), nullValue()), octetString(mac)), octetString(macSalt), int(iterations)),
  );
}
