/**
 * Certificate revocation lists (RFC 5280 section 5): v2 CRLs with CRL number, AKI, thisUpdate,
 * nextUpdate and per-entry reason codes; PEM label `X509 CRL` (what Node and openssl read).
 */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../user-error.js';
import { decodeFailure, passUserError } from './decode-failure.js';
import {
  TAG,
  bitString,
  children,
  explicit,
  expectTag,
  int,
  parseDer,
  readBitString,
  readIntegerBytes,
  readOid,
  readTime,
  seq,
  time,
  tlv,
} from './der.js';
import { decodeName } from './distinguished-name.js';
import { authorityKeyIdValue, extension } from './extensions.js';
import { parseExtensions, decodeExtensions } from './certificate-parser.js';
import { signWith, signatureAlgorithmFor } from './keys.js';
import { OID } from './oids.js';
import { looksLikePem, parsePemBlocks, toPem } from './pem.js';
import type { DistinguishedName, RevocationReason } from './types.js';

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

/** Encode and sign a v2 CRL; returns its DER. */
export function buildCrlDer(input: CrlInput): Buffer {
  const algorithm = signatureAlgorithmFor(input.issuerKey);
  const revoked = input.entries.map((entry) => {
    const code = REVOCATION_REASONS[entry.reason];
    const parts = [int(entry.serial), time(entry.at)];
    // RFC 5280 5.3.1: the reason code "unspecified" SHOULD be absent.
    if (code !== 0) parts.push(seq(extension(OID.crlReason, false, tlv(0x0a, Buffer.from([code])))));
    return seq(...parts);
  });
  const tbsParts = [
    int(1),
    algorithm.identifier,
    input.issuerName,
    time(input.thisUpdate),
    time(input.nextUpdate),
  ];
  if (revoked.length > 0) tbsParts.push(seq(...revoked));
  tbsParts.push(
    explicit(
      0,
      seq(
        extension(OID.authorityKeyIdentifier, false, authorityKeyIdValue(input.issuerKeyId)),
        extension(OID.crlNumber, false, int(input.number)),
      ),
    ),
  );
  const tbs = seq(...tbsParts);
  return seq(tbs, algorithm.identifier, bitString(signWith(input.issuerKey, algorithm, tbs)));
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

export function parseCrlDer(der: Buffer): ParsedCrl {
  const [tbsNode, algNode, sigNode] = children(expectTag(parseDer(der), TAG.SEQUENCE, 'CertificateList'));
  const tbs = expectTag(tbsNode, TAG.SEQUENCE, 'tbsCertList');
  const fields = children(tbs);
  let i = 0;
  if (fields[0]?.tag === TAG.INTEGER) i++;
  i++; // signature AlgorithmIdentifier inside the TBS
  const issuerNode = expectTag(fields[i++], TAG.SEQUENCE, 'issuer');
  const thisUpdate = readTime(fields[i++]!);
  let nextUpdate: Date | undefined;
  if (fields[i] && (fields[i]!.tag === TAG.UTC_TIME || fields[i]!.tag === TAG.GENERALIZED_TIME)) {
    nextUpdate = readTime(fields[i++]!);
  }
  const revoked: ParsedCrl['revoked'] = [];
  if (fields[i]?.tag === TAG.SEQUENCE) {
    for (const entry of children(fields[i++]!)) {
      const [serialNode, dateNode, extNode] = children(entry);
      let reason: RevocationReason = 'unspecified';
      if (extNode) {
        for (const ext of parseExtensions(extNode)) {
          if (ext.oid === OID.crlReason) reason = reasonName(parseDer(ext.value).content[0] ?? 0);
        }
      }
      revoked.push({
        serial: readIntegerBytes(serialNode!).toString('hex').toUpperCase(),
        at: readTime(dateNode!),
        reason,
      });
    }
  }
  let number: bigint | undefined;
  let authorityKeyId: Buffer | undefined;
  if (fields[i]?.tag === 0xa0) {
    const ext = decodeExtensions(parseExtensions(children(fields[i]!)[0]!));
    number = ext.crlNumber;
    authorityKeyId = ext.authorityKeyId;
  }
  const result: ParsedCrl = {
    der,
    tbs: tbs.raw,
    signatureOid: readOid(children(expectTag(algNode, TAG.SEQUENCE, 'signatureAlgorithm'))[0]!),
    signature: readBitString(expectTag(sigNode, TAG.BIT_STRING, 'signature')).bytes,
    issuerDer: issuerNode.raw,
    issuer: decodeName(issuerNode),
    thisUpdate,
    revoked,
  };
  if (nextUpdate) result.nextUpdate = nextUpdate;
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
