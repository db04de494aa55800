/**
 * PKCS#12 (RFC 7292): read files from OpenSSL 1.x/3.x (legacy RC2/3DES or PBES2/AES), Windows and
 * Java (BER), and write what OpenSSL 3 writes by default (PBES2 AES-256-CBC, HMAC-SHA256 MAC).
 */
import { createHmac, createPrivateKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type * as asn1js from 'asn1js';
import type { ContentInfo } from '@peculiar/asn1-cms';
import type { MacData, PKCS12Attribute, SafeBag } from '@peculiar/asn1-pfx';
import { UserError } from '../user-error.js';
import { DecodeError, asn1Value, decodeAs } from './asn1-decode.js';
import { readCertificate } from './certificate.js';
import { isIssuedBy, fingerprint } from './certificate.js';
import { isDecodeError } from './decode-failure.js';
import { keyMatchesSpki, privateKeyPem } from './keys.js';
import { OID } from './oids.js';
import {
  bmpPassword,
  checkIterations,
  deriveAll,
  deriveAllSync,
  DerivationLimitError,
  pkcs12Kdf,
  type Deriving,
} from './key-derivation.js';
import { DIGEST_BY_OID, WrongPasswordError, pbeDecrypt, pbes2Encrypt } from './password-based-encryption.js';
import { octetsOf, pkcs12Schema, type Pfx } from './pkcs12-schema.js';
import { toPem } from './pem.js';
import {
  asn1Cms,
  asn1Pfx,
  asn1Pkcs8,
  asn1Rsa,
  asn1Schema,
  asn1X509,
  asn1js as asn1jsLib,
  once,
} from './asn1-libs.js';

/** The ASN.1 libraries this file uses, loaded on first use (see asn1-libs.ts: start-up of `pub`/`sub`). */
const lib = once(() => ({
  asn1js: asn1jsLib(),
  AsnConvert: asn1Schema().AsnConvert,
  OctetString: asn1Schema().OctetString,
  ContentInfo: asn1Cms().ContentInfo,
  id_data: asn1Cms().id_data,
  id_encryptedData: asn1Cms().id_encryptedData,
  ...asn1Pfx(),
  PrivateKeyInfo: asn1Pkcs8().PrivateKeyInfo,
  DigestInfo: asn1Rsa().DigestInfo,
  AlgorithmIdentifier: asn1X509().AlgorithmIdentifier,
}));

/** asn1js's default bound (10,000 values) is too few for a PKCS#12 carrying a long chain. */
const LIMITS = { maxNodes: 1_000_000 };

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
    return decodeAs(data, pkcs12Schema().Pfx, 'PFX', LIMITS).version === 3;
  } catch {
    return false;
  }
}

/** The octets of a ContentInfo of type data (its OCTET STRING, primitive or constructed). */
function dataContent(info: ContentInfo): Buffer {
  const { id_data } = lib();
  if (info.contentType !== id_data) throw new DecodeError(`content type ${info.contentType} is not data`);
  return octetsOf(asn1Value(new Uint8Array(info.content), 'content', LIMITS));
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
  if (isDecodeError(error)) return error.message;
  return 'damaged or not what PKCS#12 puts there';
}

function* verifyMac(macData: MacData, authSafe: Buffer, password: string): Deriving<boolean> {
  const digestOid = macData.mac.digestAlgorithm.algorithm;
  const hash = DIGEST_BY_OID[digestOid];
  if (!hash) throw new DecodeError(`MAC digest ${digestOid} is not supported`);
  const expected = Buffer.from(macData.mac.digest.buffer);
  const salt = Buffer.from(macData.macSalt.buffer);
  const iterations = checkIterations(macData.iterations);
  if (expected.length === 0 || expected.length > 64) throw new DecodeError('the MAC has a bad length');
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

/**
 * A PrivateKeyInfo as a key. OpenSSL reads DER; a BER one (Java, Windows) is first re-encoded as DER
 * by asn1-pkcs8 (its fields are unchanged, only their lengths).
 */
function pkcs8Key(der: Buffer): KeyObject {
  const { AsnConvert, PrivateKeyInfo } = lib();
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    try {
      const info = decodeAs(der, PrivateKeyInfo, 'PrivateKeyInfo');
      const canonical = Buffer.from(AsnConvert.serialize(info));
      return createPrivateKey({ key: canonical, format: 'der', type: 'pkcs8' });
    } catch {
      throw new DecodeError('the private key inside is not a readable PKCS#8 key');
    }
  }
}

function* readSafeContents(bytes: Buffer, password: string, bags: Bags, where: string): Deriving<void> {
  const {
    CertBag,
    SafeContents,
    id_SafeContents,
    id_certBag,
    id_keyBag,
    id_pkcs8ShroudedKeyBag,
    id_x509Certificate,
  } = lib();
  const list = decodeAs(bytes, SafeContents, 'SafeContents', LIMITS);
  let index = 0;
  for (const bag of list) {
    index++;
    const part = `${where}, bag ${index}`;
    yield* inPart(part, function* () {
      const value = Buffer.from(bag.bagValue);
      if (bag.bagId === id_keyBag) {
        bags.keys.push(pkcs8Key(value));
      } else if (bag.bagId === id_pkcs8ShroudedKeyBag) {
        const shrouded = decodeAs(value, pkcs12Schema().EncryptedPrivateKeyInfo, 'EncryptedPrivateKeyInfo');
        const plain = yield* pbeDecrypt(shrouded.encryptionAlgorithm, shrouded.encryptedData, password);
        bags.keys.push(pkcs8Key(plain));
      } else if (bag.bagId === id_certBag) {
        const cert = decodeAs(value, CertBag, 'CertBag', LIMITS);
        if (cert.certId === id_x509Certificate) {
          bags.certs.push(octetsOf(asn1Value(new Uint8Array(cert.certValue), 'certValue', LIMITS)));
        }
      } else if (bag.bagId === id_SafeContents) {
        yield* readSafeContents(value, password, bags, part);
      }
    });
  }
}

/** The reader behind parsePkcs12 and parsePkcs12Async. */
function* readPkcs12(der: Buffer, passphrase: string | undefined, file: string): Deriving<Pkcs12Contents> {
  const { AuthenticatedSafe, id_data, id_encryptedData } = lib();
  const password = passphrase ?? '';
  let pfx: Pfx;
  try {
    pfx = decodeAs(der, pkcs12Schema().Pfx, 'PFX', LIMITS);
    if (pfx.version !== 3) throw new DecodeError('version is not 3');
  } catch (error) {
    throw new UserError(`${file}: not a PKCS#12 file (${reasonOf(error)})`, 'BAD_PKCS12', { file });
  }
  const bags: Bags = { keys: [], certs: [] };
  try {
    const authSafe = inPartSync('authenticated safe', () => dataContent(pfx.authSafe));
    if (pfx.macData) {
      const ok = yield* inPart('MAC', () => verifyMac(pfx.macData!, authSafe, password));
      if (!ok) throw new WrongPasswordError();
    }
    const infos = inPartSync('authenticated safe', () =>
      decodeAs(authSafe, AuthenticatedSafe, 'AuthenticatedSafe', LIMITS),
    );
    let index = 0;
    for (const info of infos) {
      index++;
      const part = `safe ${index}`;
      if (info.contentType === id_data) {
        const data = inPartSync(part, () => dataContent(info));
        yield* readSafeContents(data, password, bags, part);
      } else if (info.contentType === id_encryptedData) {
        const plain = yield* inPart(part, function* () {
          const encrypted = decodeAs(
            new Uint8Array(info.content),
            pkcs12Schema().EncryptedData,
            'EncryptedData',
            LIMITS,
          );
          const content = encrypted.encryptedContentInfo;
          if (!content.encryptedContent) return undefined;
          return yield* pbeDecrypt(content.contentEncryptionAlgorithm, content.encryptedContent, password);
        });
        if (plain) yield* readSafeContents(plain, password, bags, part);
      } else {
        throw new PartError(
          part,
          `content type ${info.contentType} (public-key protected PKCS#12) is not supported`,
        );
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

function attribute(attrId: string, value: asn1js.AsnType): PKCS12Attribute {
  const { PKCS12Attribute } = lib();
  // asn1-pfx's constructor drops its parameters (Object.assign(params)): set the fields.
  return Object.assign(new PKCS12Attribute(), { attrId, attrValues: [value.toBER(false)] });
}

function bagAttributes(localKeyId: Buffer, friendlyName?: string): PKCS12Attribute[] {
  const { asn1js } = lib();
  const attributes = [attribute(OID.localKeyId, new asn1js.OctetString({ valueHex: localKeyId }))];
  if (friendlyName !== undefined) {
    attributes.push(attribute(OID.friendlyName, new asn1js.BmpString({ value: friendlyName })));
  }
  return attributes;
}

/** A ContentInfo `[0] EXPLICIT` content: the DER of one value. */
function contentOf(value: asn1js.AsnType | object): ArrayBuffer {
  const { AsnConvert, asn1js } = lib();
  return value instanceof asn1js.BaseBlock ? value.toBER(false) : AsnConvert.serialize(value);
}

function certBag(der: Buffer, attributes?: PKCS12Attribute[]): SafeBag {
  const { AsnConvert, CertBag, SafeBag, asn1js, id_certBag, id_x509Certificate } = lib();
  const value = new CertBag({
    certId: id_x509Certificate,
    certValue: contentOf(new asn1js.OctetString({ valueHex: der })),
  });
  return new SafeBag({
    bagId: id_certBag,
    bagValue: AsnConvert.serialize(value),
    ...(attributes ? { bagAttributes: attributes } : {}),
  });
}

/** Build a PKCS#12 the way OpenSSL 3 does by default: AES-256-CBC/PBKDF2 bags, HMAC-SHA256 MAC. */
export function buildPkcs12(input: Pkcs12Input): Buffer {
  const {
    AlgorithmIdentifier,
    AsnConvert,
    AuthenticatedSafe,
    ContentInfo,
    DigestInfo,
    MacData,
    OctetString,
    SafeBag,
    SafeContents,
    asn1js,
    id_data,
    id_encryptedData,
    id_pkcs8ShroudedKeyBag,
  } = lib();
  const leaf = readCertificate(input.certPem, 'certificate');
  if (!keyMatchesSpki(input.key, leaf.spki)) {
    throw new UserError('the private key does not belong to the certificate', 'KEY_MISMATCH');
  }
  const localKeyId = Buffer.from(fingerprint(leaf.der, 'sha1').replace(/:/g, ''), 'hex');
  const certBags = new SafeContents([certBag(leaf.der, bagAttributes(localKeyId, input.friendlyName))]);
  for (const pem of input.chainPems ?? []) certBags.push(certBag(readCertificate(pem, 'chain').der));
  const certContents = pbes2Encrypt(Buffer.from(AsnConvert.serialize(certBags)), input.passphrase);
  const encryptedData = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: id_data }),
          asn1Value(new Uint8Array(AsnConvert.serialize(certContents.algorithm)), 'algorithm'),
          new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: certContents.ciphertext }),
        ],
      }),
    ],
  });
  const keyInfo = input.key.export({ format: 'der', type: 'pkcs8' });
  const shrouded = pbes2Encrypt(keyInfo, input.passphrase);
  const shroudedInfo = Object.assign(new (pkcs12Schema().EncryptedPrivateKeyInfo)(), {
    encryptionAlgorithm: shrouded.algorithm,
    encryptedData: shrouded.ciphertext,
  });
  const keyBag = new SafeBag({
    bagId: id_pkcs8ShroudedKeyBag,
    bagValue: AsnConvert.serialize(shroudedInfo),
    bagAttributes: bagAttributes(localKeyId, input.friendlyName),
  });
  const authSafe = Buffer.from(
    AsnConvert.serialize(
      new AuthenticatedSafe([
        new ContentInfo({ contentType: id_encryptedData, content: contentOf(encryptedData) }),
        new ContentInfo({
          contentType: id_data,
          content: contentOf(
            new asn1js.OctetString({ valueHex: AsnConvert.serialize(new SafeContents([keyBag])) }),
          ),
        }),
      ]),
    ),
  );
  const macSalt = randomBytes(8);
  const iterations = 2048;
  const macKey = pkcs12Kdf('sha256', bmpPassword(input.passphrase), macSalt, 3, iterations, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  const pfx = Object.assign(new (pkcs12Schema().Pfx)(), {
    version: 3,
    authSafe: new ContentInfo({
      contentType: id_data,
      content: contentOf(new asn1js.OctetString({ valueHex: authSafe })),
    }),
    macData: Object.assign(new MacData(), {
      mac: new DigestInfo({
        digestAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256, parameters: null }),
        digest: new OctetString(mac),
      }),
      macSalt: new OctetString(macSalt),
      iterations,
    }),
  });
  return Buffer.from(AsnConvert.serialize(pfx));
}
