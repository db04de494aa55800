/**
 * Reading a file's bytes as an ASN.1 structure with @peculiar/asn1-schema (asn1js underneath), with
 * the failures in words: every decoder of the workshop goes through `decodeAs`, so damaged input is a
 * DecodeError naming the part (`subject: a name attribute: …`), never asn1js's or asn1-schema's text.
 */
import type * as Asn1js from 'asn1js';

type Asn1jsLib = typeof Asn1js;
import { asn1Schema, asn1js } from './asn1-libs.js';

/** A structure that does not decode; the message is in words and names the part when known. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

export interface DecodeLimits {
  /** Most ASN.1 values in one structure (asn1js's default 10,000 is too few for a big PKCS#7). */
  maxNodes?: number;
}

/** Nesting and size bounds (a certificate nests ~10 deep; the api takes files up to 10 MB). */
const MAX_DEPTH = 64;
const MAX_CONTENT = 16 * 1024 * 1024;

/** What asn1js reports about malformed BER, in words. */
function berWords(error: string): string {
  if (/End of input reached|inconsistent offset|Inconsistent object length|Zero buffer length/i.test(error)) {
    return 'truncated: the data ends inside a value';
  }
  if (/Too big (integer|length)|Length block 0xFF/i.test(error)) return 'a length is too large';
  if (/Maximum depth/i.test(error)) return 'nested too deeply';
  if (/nodes/i.test(error)) return 'too many values';
  if (/content length/i.test(error)) return 'a value is too large';
  if (/Indefinite length form used for primitive/i.test(error))
    return 'indefinite length on a primitive value';
  if (/reserved/i.test(error)) return 'a reserved tag';
  return 'damaged: the encoding does not decode';
}

/** The ASN.1 value that is all of `bytes` (BER: indefinite lengths are read). */
export function asn1Value(bytes: Uint8Array, what: string, limits: DecodeLimits = {}): Asn1js.AsnType {
  if (bytes.length === 0) throw new DecodeError(`${what}: empty`);
  let parsed: ReturnType<Asn1jsLib['fromBER']>;
  try {
    parsed = asn1js().fromBER(bytes, {
      maxDepth: MAX_DEPTH,
      maxContentLength: MAX_CONTENT,
      ...(limits.maxNodes ? { maxNodes: limits.maxNodes } : {}),
    });
  } catch {
    // asn1js throws (not reports) on some damage, e.g. a UniversalString whose length is not 4n.
    throw new DecodeError(`${what}: damaged: the encoding does not decode`);
  }
  if (parsed.offset === -1 || parsed.result.error) {
    throw new DecodeError(`${what}: ${berWords(parsed.result.error)}`);
  }
  if (parsed.offset !== bytes.length) {
    throw new DecodeError(`${what}: ${bytes.length - parsed.offset} unexpected bytes after it`);
  }
  return parsed.result;
}

/**
 * The names of the parts of a structure, as messages say them. asn1-schema reports the classes it
 * was decoding (innermost first); the workshop's own schema classes are named after their parts.
 */
const PART_NAMES: Record<string, string> = {
  TbsCertificateFields: 'tbsCertificate',
  IssuerName: 'issuer',
  SubjectName: 'subject',
  RawNameType: 'name',
  RawRdnType: 'relative distinguished name',
  RawAttributeType: 'a name attribute',
  Validity: 'validity',
  Time: 'time',
  CheckedTime: 'time',
  SubjectPublicKeyInfo: 'subjectPublicKeyInfo',
  AlgorithmIdentifier: 'algorithm',
  Extensions: 'extensions',
  Extension: 'extension',
  BasicConstraints: 'basicConstraints',
  ExtendedKeyUsage: 'extKeyUsage',
  SubjectAlternativeName: 'subjectAltName',
  GeneralNames: 'general names',
  GeneralName: 'general name',
  AuthorityKeyIdentifier: 'authorityKeyIdentifier',
  CRLDistributionPoints: 'crlDistributionPoints',
  DistributionPoint: 'distribution point',
  AuthorityInfoAccessSyntax: 'authorityInfoAccess',
  AccessDescription: 'access description',
  ContentInfo: 'ContentInfo',
  SignedData: 'SignedData',
  CertificateSet: 'certificates',
  PFX: 'PFX',
  MacData: 'MacData',
  AuthenticatedSafe: 'AuthenticatedSafe',
  SafeContents: 'SafeContents',
  SafeBag: 'SafeBag',
  CertBag: 'CertBag',
  EncryptedData: 'EncryptedData',
  EncryptedContentInfo: 'EncryptedContentInfo',
  EncryptedPrivateKeyInfo: 'EncryptedPrivateKeyInfo',
  PrivateKeyInfo: 'PrivateKeyInfo',
  OneAsymmetricKey: 'PrivateKeyInfo',
  PBES2Params: 'PBES2 parameters',
  PBKDF2Params: 'PBKDF2 parameters',
  ScryptParams: 'scrypt parameters',
  PbeParameters: 'PBE parameters',
};

/** asn1-schema's structure mismatch. */
function isSchemaError(error: unknown): error is Error & { schemas: string[] } {
  return error instanceof asn1Schema().AsnSchemaValidationError;
}

/** The part an asn1-schema failure happened in, outermost first (`tbsCertificate: subject`). */
function partOf(error: unknown): string {
  if (!isSchemaError(error)) return '';
  const names = [...error.schemas]
    .reverse()
    .map((n) => PART_NAMES[n])
    .filter((n): n is string => n !== undefined);
  // The outermost class is the structure the caller named itself.
  return names.slice(1).join(': ');
}

/** A failure while decoding a structure, in words (decoders' own DecodeErrors keep their text). */
export function decodeWords(error: unknown, what: string): DecodeError {
  if (error instanceof DecodeError) return error;
  const part = partOf(error);
  if (isSchemaError(error)) {
    return new DecodeError(`${what}: ${part ? `${part}: ` : ''}not the structure expected there`);
  }
  return new DecodeError(`${what}: ${part ? `${part}: ` : ''}damaged: the structure does not decode`);
}

/** Decode `bytes` as the asn1-schema type `type`; a DecodeError in words when it does not. */
export function decodeAs<T>(bytes: Uint8Array, type: new () => T, what: string, limits?: DecodeLimits): T {
  const value = asn1Value(bytes, what, limits);
  try {
    return asn1Schema().AsnParser.fromASN<T>(value, type);
  } catch (error) {
    throw decodeWords(error, what);
  }
}

/** An ArrayBuffer (or view) as a Buffer without copying. */
export function bufferOf(data: ArrayBuffer | ArrayBufferView): Buffer {
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
