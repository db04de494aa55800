/**
 * Certificate revocation lists (RFC 5280 section 5): v2 CRLs with CRL number, AKI, thisUpdate,
 * nextUpdate and per-entry reason codes; PEM label `X509 CRL` (what Node and openssl read).
 * Built and read as @peculiar/asn1-x509 CertificateList objects; signatures are node:crypto.
 */
import type { KeyObject } from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  CRLNumber,
  CRLReason,
  CertificateList,
  Extension,
  Name,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
} from '@peculiar/asn1-x509';
import { UserError } from '../user-error.js';
import { DecodeError, asn1Value, decodeAs, decodeWords } from './asn1-decode.js';
import { elementsOf, encodingOf } from './asn1-tree.js';
import { decodeFailure, passUserError } from './decode-failure.js';
import { decodeName } from './distinguished-name.js';
import { authorityKeyIdExtension, extension } from './extension-encoding.js';
import { signWith, signatureAlgorithmFor } from './keys.js';
import { looksLikePem, parsePemBlocks, toPem } from './pem.js';
import type { DistinguishedName, RevocationReason } from './types.js';
import { arrayBufferOf, unsignedIntegerContent, verbatimAs } from './verbatim-der.js';

/** RFC 5280 CRLReason codes (7 is unused). */
export const REVOCATION_REASONS: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  caCompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aaCompromise: 10,
};

/** Accept `keyCompromise`, `key-compromise`, `KEY_COMPROMISE`, `CACompromise`… */
export function revocationReasonOption(value: string | undefined, field = 'reason'): RevocationReason {
  if (value === undefined || value === '') return 'unspecified';
  const wanted = value.replace(/[-_\s]/g, '').toLowerCase();
  const match = (Object.keys(REVOCATION_REASONS) as RevocationReason[]).find(
    (r) => r.toLowerCase() === wanted,
  );
  if (!match) {
    throw new UserError(
      `${field}: unknown revocation reason "${value}"; use one of ${Object.keys(REVOCATION_REASONS).join(', ')}`,
      'BAD_REASON',
      { field },
    );
  }
  return match;
}

function reasonName(code: number): RevocationReason {
  const found = (Object.entries(REVOCATION_REASONS) as Array<[RevocationReason, number]>).find(
    ([, c]) => c === code,
  );
  return found ? found[0] : 'unspecified';
}

export interface CrlEntryInput {
  /** Serial, unsigned big-endian bytes. */
  serial: Buffer;
  at: Date;
  reason: RevocationReason;
}

export interface CrlInput {
  issuerName: Buffer;
  issuerKey: KeyObject;
  issuerKeyId: Buffer;
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: CrlEntryInput[];
}

function wholeSeconds(date: Date): Time {
  return new Time(new Date(Math.floor(date.getTime() / 1000) * 1000));
}

/** Encode and sign a v2 CRL; returns its DER. */
export function buildCrlDer(input: CrlInput): Buffer {
  const algorithm = signatureAlgorithmFor(input.issuerKey);
  const signature = new AlgorithmIdentifier({
    algorithm: algorithm.oid,
    ...(input.issuerKey.asymmetricKeyType === 'rsa' ? { parameters: null } : {}),
  });
  const revoked = input.entries.map((entry) => {
    const code = REVOCATION_REASONS[entry.reason];
    return new RevokedCertificate({
      userCertificate: unsignedIntegerContent(entry.serial),
      revocationDate: wholeSeconds(entry.at),
      // RFC 5280 5.3.1: the reason code "unspecified" SHOULD be absent.
      ...(code !== 0
        ? { crlEntryExtensions: [extension(id_ce_cRLReasons, false, new CRLReason(code))] }
        : {}),
    });
  });
  const tbs = new TBSCertList({
    version: Version.v2,
    signature,
    issuer: verbatimAs(Name, input.issuerName),
    thisUpdate: wholeSeconds(input.thisUpdate),
    nextUpdate: wholeSeconds(input.nextUpdate),
    ...(revoked.length > 0 ? { revokedCertificates: revoked } : {}),
    crlExtensions: [
      authorityKeyIdExtension(input.issuerKeyId),
      extension(id_ce_cRLNumber, false, new CRLNumber(input.number)),
    ],
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const crl = new CertificateList({
    tbsCertList: verbatimAs(TBSCertList, tbsDer),
    signatureAlgorithm: signature,
    signature: arrayBufferOf(signWith(input.issuerKey, algorithm, tbsDer)),
  });
  return Buffer.from(AsnConvert.serialize(crl));
}

export function crlPem(der: Buffer): string {
  return toPem(der, 'X509 CRL');
}

export interface ParsedCrl {
  der: Buffer;
  tbs: Buffer;
  signatureOid: string;
  signature: Buffer;
  issuerDer: Buffer;
  issuer: DistinguishedName;
  thisUpdate: Date;
  nextUpdate?: Date;
  number?: bigint;
  authorityKeyId?: Buffer;
  /** Revoked serials as uppercase hex. */
  revoked: Array<{ serial: string; at: Date; reason: RevocationReason }>;
}

/** Unsigned big-endian bytes of an INTEGER's content, without its sign octet. */
function unsignedHex(content: ArrayBuffer): string {
  let bytes = Buffer.from(content);
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return bytes.toString('hex').toUpperCase();
}

function extensionValue<T>(ext: Extension, Type: new () => T, what: string): T {
  return decodeAs(new Uint8Array(ext.extnValue.buffer), Type, what);
}

/** A decoded Time, refusing one that is not a date. */
function dateOf(time: { getTime(): Date }, what: string): Date {
  const date = time.getTime();
  if (Number.isNaN(date.getTime())) throw new DecodeError(`${what}: not a valid time`);
  return date;
}

export function parseCrlDer(der: Buffer): ParsedCrl {
  const tree = asn1Value(der, 'CertificateList');
  let crl: CertificateList;
  try {
    crl = AsnParser.fromASN(tree, CertificateList);
  } catch (error) {
    throw decodeWords(error, 'CertificateList');
  }
  const tbs = crl.tbsCertList;
  const tbsBlock = elementsOf(tree)[0]!;
  // The issuer Name's own bytes (for the RFC 2253 printer): after the optional version and the signature.
  const issuerBlock = elementsOf(tbsBlock)[tbs.version === undefined ? 1 : 2];
  if (!issuerBlock) throw new DecodeError('tbsCertList: no issuer');
  const revoked: ParsedCrl['revoked'] = (tbs.revokedCertificates ?? []).map((entry, index) => {
    let reason: RevocationReason = 'unspecified';
    for (const ext of entry.crlEntryExtensions ?? []) {
      if (ext.extnID === id_ce_cRLReasons) {
        reason = reasonName(extensionValue(ext, CRLReason, `entry ${index + 1}: reason`).reason);
      }
    }
    return {
      serial: unsignedHex(entry.userCertificate),
      at: dateOf(entry.revocationDate, `entry ${index + 1}: revocation date`),
      reason,
    };
  });
  let number: bigint | undefined;
  let authorityKeyId: Buffer | undefined;
  for (const ext of tbs.crlExtensions ?? []) {
    if (ext.extnID === id_ce_cRLNumber) {
      number = BigInt(extensionValue(ext, CRLNumber, 'cRLNumber').value);
    } else if (ext.extnID === id_ce_authorityKeyIdentifier) {
      const keyId = extensionValue(ext, AuthorityKeyIdentifier, 'authorityKeyIdentifier').keyIdentifier;
      if (keyId) authorityKeyId = Buffer.from(keyId.buffer);
    }
  }
  const result: ParsedCrl = {
    der,
    tbs: encodingOf(tbsBlock),
    signatureOid: crl.signatureAlgorithm.algorithm,
    signature: Buffer.from(crl.signature),
    issuerDer: encodingOf(issuerBlock),
    issuer: decodeName(encodingOf(issuerBlock), 'issuer'),
    thisUpdate: dateOf(tbs.thisUpdate, 'thisUpdate'),
    revoked,
  };
  if (tbs.nextUpdate) result.nextUpdate = dateOf(tbs.nextUpdate, 'nextUpdate');
  if (number !== undefined) result.number = number;
  if (authorityKeyId) result.authorityKeyId = authorityKeyId;
  return result;
}

/** Every CRL in a PEM text (labels `X509 CRL` and `CRL`) or one DER CRL. UserError on bad input. */
export function readCrls(input: string | Buffer, file = 'crl'): ParsedCrl[] {
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const parse = (der: Buffer, line?: number): ParsedCrl => {
    try {
      return parseCrlDer(der);
    } catch (error) {
      passUserError(error);
      throw new UserError(
        `${file}${line ? `:${line}` : ''}: not a valid CRL (${decodeFailure(error)})`,
        'BAD_CRL',
        {
          file,
          ...(line ? { line } : {}),
        },
      );
    }
  };
  if (looksLikePem(data)) {
    const blocks = parsePemBlocks(data, file).filter((b) => b.label === 'X509 CRL' || b.label === 'CRL');
    if (blocks.length === 0) throw new UserError(`${file}: no X509 CRL block found`, 'BAD_CRL', { file });
    return blocks.map((b) => parse(b.der, b.line));
  }
  return [parse(data)];
}
