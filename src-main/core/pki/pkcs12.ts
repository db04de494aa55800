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
  DIGEST_BY_OID,
  WrongPasswordError,
  bmpPassword,
  pbeDecrypt,
  pbes2Encrypt,
  pkcs12Kdf,
} from './password-based-encryption.js';
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

/** ContentInfo of type data → its octets. */
function dataContent(contentInfo: Der): Buffer {
  const [typeNode, content] = children(expectTag(contentInfo, TAG.SEQUENCE, 'ContentInfo'));
  const type = readOid(typeNode!);
  if (type !== OID.data) throw new DerError(`content type ${type} is not data`);
  return octets(children(expectTag(content, 0xa0, 'content'))[0]!);
}

function verifyMac(macData: Der, authSafe: Buffer, password: string): boolean {
  const [digestInfo, saltNode, iterNode] = children(macData);
  const [algorithm, digestNode] = children(digestInfo!);
  const digestOid = readOid(children(algorithm!)[0]!);
  const hash = DIGEST_BY_OID[digestOid];
  if (!hash) throw new DerError(`MAC digest ${digestOid} is not supported`);
  const expected = expectTag(digestNode, TAG.OCTET_STRING, 'MAC digest').content;
  const salt = expectTag(saltNode, TAG.OCTET_STRING, 'MAC salt').content;
  const iterations = iterNode ? parseInt(readIntegerBytes(iterNode).toString('hex') || '1', 16) : 1;
  if (iterations > 10_000_000) throw new DerError(`unreasonable MAC iteration count ${iterations}`);
  // OpenSSL tries the empty password both as an empty BMPString and as no password at all.
  const candidates = password === '' ? [bmpPassword(''), Buffer.alloc(0)] : [bmpPassword(password)];
  for (const pw of candidates) {
    const key = pkcs12Kdf(hash, pw, salt, 3, iterations, expected.length);
    const mac = createHmac(hash, key).update(authSafe).digest();
    if (mac.length === expected.length && timingSafeEqual(mac, expected)) return true;
  }
  return false;
}

interface Bags {
  keys: KeyObject[];
  certs: Buffer[];
}

function readSafeContents(der: Buffer, password: string, bags: Bags): void {
  for (const bag of children(expectTag(parseDer(der), TAG.SEQUENCE, 'SafeContents'))) {
    const [idNode, valueWrapper] = children(bag);
    const id = readOid(idNode!);
    const value = children(expectTag(valueWrapper, 0xa0, 'bagValue'))[0]!;
    if (id === OID.keyBag) {
      bags.keys.push(createPrivateKey({ key: value.raw, format: 'der', type: 'pkcs8' }));
    } else if (id === OID.pkcs8ShroudedKeyBag) {
      const [algorithm, encrypted] = children(value);
      const plain = pbeDecrypt(algorithm!, octets(encrypted!), password);
      bags.keys.push(createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' }));
    } else if (id === OID.certBag) {
      const [certType, certValue] = children(value);
      if (readOid(certType!) === OID.x509Certificate) bags.certs.push(octets(children(certValue!)[0]!));
    } else if (id === OID.safeContentsBag) {
      readSafeContents(value.raw, password, bags);
    }
  }
}

/**
 * Open a PKCS#12 file. A wrong passphrase is one UserError naming the file; so is anything that is
 * not a PKCS#12 or uses an algorithm we cannot read.
 */
export function parsePkcs12(
  der: Buffer,
  passphrase: string | undefined,
  file = 'PKCS#12 file',
): Pkcs12Contents {
  const password = passphrase ?? '';
  let normalised: Buffer;
  let pfx: Der[];
  try {
    normalised = berToDer(der);
    pfx = children(expectTag(parseDer(normalised), TAG.SEQUENCE, 'PFX'));
    if (pfx[0]?.tag !== TAG.INTEGER || pfx[0].content[0] !== 3) throw new DerError('version is not 3');
  } catch (error) {
    throw new UserError(`${file}: not a PKCS#12 file (${(error as Error).message})`, 'BAD_PKCS12', { file });
  }
  const bags: Bags = { keys: [], certs: [] };
  try {
    const authSafe = dataContent(pfx[1]!);
    if (pfx[2] && !verifyMac(pfx[2], authSafe, password)) throw new WrongPasswordError();
    for (const info of children(expectTag(parseDer(authSafe), TAG.SEQUENCE, 'AuthenticatedSafe'))) {
      const [typeNode, content] = children(info);
      const type = readOid(typeNode!);
      if (type === OID.data) {
        readSafeContents(dataContent(info), password, bags);
      } else if (type === OID.encryptedData) {
        const encryptedData = children(children(expectTag(content, 0xa0, 'content'))[0]!);
        const [, algorithm, encrypted] = children(
          expectTag(encryptedData[1], TAG.SEQUENCE, 'EncryptedContentInfo'),
        );
        if (!encrypted) continue;
        readSafeContents(pbeDecrypt(algorithm!, octets(encrypted), password), password, bags);
      } else {
        throw new DerError(`content type ${type} (public-key protected PKCS#12) is not supported`);
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
    throw new UserError(`${file}: cannot read the PKCS#12 file (${(error as Error).message})`, 'BAD_PKCS12', {
      file,
    });
  }
  if (bags.certs.length === 0)
    throw new UserError(`${file}: the PKCS#12 file holds no certificate`, 'BAD_PKCS12', { file });
  if (bags.keys.length > 1)
    throw new UserError(
      `${file}: the PKCS#12 file holds ${bags.keys.length} private keys; expected one`,
      'BAD_PKCS12',
      { file },
    );
  const certs = bags.certs.map((c) => readCertificate(c, file));
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
