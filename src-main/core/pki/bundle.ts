/**
 * Certificate bundles, as `cert import` reads them: a PEM file with several certificates, DER
 * certificates written one after the other, a PKCS#7 certs-only file (.p7b, DER or PEM), or the
 * certificates of a PKCS#12 — in any order. `orderBundle` puts them in chain order (the leaf, then its
 * issuer, up to the root) and refuses a bundle that is not one certificate and its issuers.
 */
import { UserError } from '../user-error.js';
import * as asn1js from 'asn1js';
import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData, id_signedData } from '@peculiar/asn1-cms';
import { DecodeError, asn1Value, bufferOf, decodeAs } from './asn1-decode.js';
import { CERT_LABELS, isCaCertificate, isIssuedBy, isSelfSigned, parseOrExplain } from './certificate.js';
import { parseCertificateDer, type ParsedCertificate } from './certificate-parser.js';
import { parsePemBlocks } from './pem.js';
import { decodeFailure, passUserError } from './decode-failure.js';

export interface BundleCertificate {
  cert: ParsedCertificate;
  /** Where it is in its file, for messages: `line 12`, `byte 1460`, `PKCS#7 certificate 2`. */
  where: string;
}

export interface OrderedBundle {
  leaf: BundleCertificate;
  /** The leaf's issuers found in the bundle: its issuer first, up to the root when the bundle has it. */
  chain: BundleCertificate[];
}

/**
 * asn1-cms's SignedData with `certificates` kept as each certificate's own bytes (asn1-cms decodes
 * them into asn1-x509 objects, whose re-encoding need not be the signed bytes).
 */
export class CertificateDers extends AsnArray<ArrayBuffer> {}
AsnType({ type: AsnTypeTypes.Set, itemType: AsnPropTypes.Any })(CertificateDers);

export class CertsOnlySignedData extends SignedData {}
AsnProp({ type: CertificateDers, context: 0, implicit: true, optional: true })(
  CertsOnlySignedData.prototype,
  'certificates',
);

/** A PKCS#7 with hundreds of certificates has more ASN.1 values than asn1js's default bound (10,000). */
const PKCS7_LIMITS = { maxNodes: 2_000_000 };

/** True when the DER is a PKCS#7 ContentInfo of type signedData (a .p7b / .p7c file). */
export function looksLikePkcs7(der: Buffer): boolean {
  try {
    return decodeAs(der, ContentInfo, 'PKCS#7', PKCS7_LIMITS).contentType === id_signedData;
  } catch {
    return false;
  }
}

/** The certificates of a PKCS#7 SignedData (RFC 2315 `certificates [0] IMPLICIT SET OF Certificate`). */
function pkcs7Certificates(der: Buffer, file: string, where: string): BundleCertificate[] {
  let ders: Buffer[];
  try {
    const info = decodeAs(der, ContentInfo, 'ContentInfo', PKCS7_LIMITS);
    if (info.contentType !== id_signedData) throw new DecodeError('not a PKCS#7 SignedData');
    const signed = decodeAs(new Uint8Array(info.content), CertsOnlySignedData, 'SignedData', PKCS7_LIMITS);
    const set = signed.certificates as unknown as CertificateDers | undefined;
    ders = [...(set ?? [])].map((c) => bufferOf(c));
  } catch (error) {
    passUserError(error);
    throw new UserError(
      `${file}: ${where}: not a valid PKCS#7 file (${decodeFailure(error)})`,
      'BAD_CERTIFICATE',
      {
        file,
      },
    );
  }
  if (ders.length === 0) {
    throw new UserError(`${file}: ${where}: the PKCS#7 file holds no certificate`, 'BAD_CERTIFICATE', {
      file,
    });
  }
  return ders.map((certificate, i) => {
    const label = `${where}, certificate ${i + 1}`;
    try {
      return { cert: parseCertificateDer(certificate), where: label };
    } catch (error) {
      passUserError(error);
      throw new UserError(
        `${file}: ${label}: not a valid X.509 certificate (${decodeFailure(error)})`,
        'BAD_CERTIFICATE',
        { file },
      );
    }
  });
}

/** The first ASN.1 value of `data` from `offset` on: its bytes, and the offset after it. */
function nextValue(data: Buffer, offset: number): { der: Buffer; next: number } {
  const rest = data.subarray(offset);
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(rest);
  } catch {
    throw new DecodeError('damaged: the encoding does not decode'); // asn1js throws on some damage
  }
  if (parsed.offset === -1 || parsed.result.error) {
    asn1Value(rest, 'the value here'); // throws the failure in words
    throw new DecodeError('damaged: the encoding does not decode');
  }
  return { der: Buffer.from(rest.subarray(0, parsed.offset)), next: offset + parsed.offset };
}

/**
 * Every certificate of a PEM text, with the line of its block: CERTIFICATE blocks and the certificates
 * of PKCS7 blocks. Other blocks (keys, CRLs) are left to their readers; a damaged block anywhere is
 * refused with its line.
 */
export function readPemBundle(data: Buffer, file: string): BundleCertificate[] {
  const found: BundleCertificate[] = [];
  for (const block of parsePemBlocks(data, file)) {
    if (CERT_LABELS.includes(block.label)) {
      found.push({ cert: parseOrExplain(block.der, file, block.line), where: `line ${block.line}` });
    } else if (block.label === 'PKCS7') {
      found.push(...pkcs7Certificates(block.der, file, `line ${block.line}`));
    }
  }
  if (found.length === 0)
    throw new UserError(`${file}: no CERTIFICATE block found`, 'BAD_CERTIFICATE', { file });
  return found;
}

/**
 * The certificates of binary input that is one DER certificate, DER certificates one after the other,
 * or a PKCS#7 certs-only file. Undefined when it is none of these (a PKCS#12, or garbage); once the
 * first DER certificate reads, damage further on is refused with its byte offset.
 */
export function readDerBundle(data: Buffer, file: string): BundleCertificate[] | undefined {
  if (looksLikePkcs7(data)) return pkcs7Certificates(data, file, 'PKCS#7');
  let first: BundleCertificate;
  let offset: number;
  try {
    const value = nextValue(data, 0);
    first = { cert: parseCertificateDer(value.der), where: 'byte 0' };
    offset = value.next;
  } catch {
    return undefined;
  }
  const found: BundleCertificate[] = [first];
  while (offset < data.length) {
    try {
      const { der, next } = nextValue(data, offset);
      found.push({ cert: parseCertificateDer(der), where: `byte ${offset}` });
      offset = next;
    } catch (error) {
      passUserError(error);
      throw new UserError(
        `${file}: byte ${offset}: not a DER certificate (${decodeFailure(error)}); a DER bundle must be certificates one after the other`,
        'BAD_CERTIFICATE',
        { file },
      );
    }
  }
  return found;
}

function describe(c: BundleCertificate): string {
  return `${c.cert.subject.rfc2253 || '(empty subject)'} (${c.where})`;
}

/** How many certificates of one bundle may share a subject name (a CA renewed with the same key). */
const MAX_SAME_SUBJECT = 2;

/**
 * Memoised relations between the certificates of one bundle, so that ordering costs a number of
 * signature checks proportional to the bundle: candidates for an issuer are looked up by name.
 */
class BundleIndex {
  private readonly bySubject = new Map<string, BundleCertificate[]>();
  private readonly selfSigned = new Map<BundleCertificate, boolean>();
  private readonly issued = new Map<BundleCertificate, Map<BundleCertificate, boolean>>();

  constructor(readonly certs: readonly BundleCertificate[]) {
    for (const c of certs) {
      const key = c.cert.subject.rfc2253;
      const list = this.bySubject.get(key);
      if (list) list.push(c);
      else this.bySubject.set(key, [c]);
    }
  }

  /** Certificates with this subject name, in bundle order. */
  named(subject: string): BundleCertificate[] {
    return this.bySubject.get(subject) ?? [];
  }

  crowdedName(): BundleCertificate[] | undefined {
    for (const list of this.bySubject.values()) if (list.length > MAX_SAME_SUBJECT) return list;
    return undefined;
  }

  isSelfSigned(c: BundleCertificate): boolean {
    let answer = this.selfSigned.get(c);
    if (answer === undefined) this.selfSigned.set(c, (answer = isSelfSigned(c.cert)));
    return answer;
  }

  /** True when `issuer` signed `cert` (same as isIssuedBy, asked once per pair). */
  isIssuedBy(cert: BundleCertificate, issuer: BundleCertificate): boolean {
    let row = this.issued.get(cert);
    if (!row) this.issued.set(cert, (row = new Map()));
    let answer = row.get(issuer);
    if (answer === undefined) row.set(issuer, (answer = isIssuedBy(cert.cert, issuer.cert)));
    return answer;
  }

  /** The certificates of `among` that signed `cert` (looked up by its issuer name). */
  issuersOf(cert: BundleCertificate, among: ReadonlySet<BundleCertificate>): BundleCertificate[] {
    return this.named(cert.cert.issuer.rfc2253).filter(
      (c) => c !== cert && among.has(c) && this.isIssuedBy(cert, c),
    );
  }
}

/** The leaf's issuers among `others`, climbing until a self-signed root or an issuer the bundle lacks. */
function climb(
  index: BundleIndex,
  leaf: BundleCertificate,
  others: readonly BundleCertificate[],
): BundleCertificate[] {
  const chain: BundleCertificate[] = [];
  const left = new Set(others);
  let current = leaf;
  while (!index.isSelfSigned(current)) {
    // The first in bundle order, as a linear search would find it.
    const next = index.issuersOf(current, left)[0];
    if (!next) break;
    left.delete(next);
    current = next;
    chain.push(current);
  }
  return chain;
}

/** OpenSSL's X509_check_ca for a certificate that issued another: a CA, or a v1 self-signed root. */
function mayIssue(index: BundleIndex, c: BundleCertificate): boolean {
  const cert = c.cert;
  if (cert.ext.keyUsage && !cert.ext.keyUsage.usages.includes('keyCertSign')) return false;
  return isCaCertificate(cert) || (cert.version === 1 && index.isSelfSigned(c));
}

/**
 * Put a bundle in chain order, whatever the order of the file. The leaf is `leaf` when given (the
 * certificate of the private key), else the certificate that issued none of the others. Every other
 * certificate must be an issuer on the leaf's chain (same certificate twice is fine): one that is not —
 * another leaf, an unrelated CA — is refused, naming it and the file. Issuers are looked up by name
 * and each signature is checked at most once, so the work grows with the bundle, not its square.
 */
export function orderBundle(
  certs: readonly BundleCertificate[],
  file: string,
  leaf?: ParsedCertificate,
): OrderedBundle {
  const seen = new Set<string>();
  const unique = certs.filter((c) => {
    const key = c.cert.der.toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  let index = new BundleIndex(unique);
  const crowded = index.crowdedName();
  if (crowded) {
    const places = crowded.slice(0, 3).map((c) => c.where);
    throw new UserError(
      `${file}: ${crowded.length} certificates have the subject ${crowded[0]!.cert.subject.rfc2253 || '(empty subject)'} (${places.join(', ')}${crowded.length > 3 ? ', …' : ''}); a bundle holds one certificate and its CA certificates`,
      'BAD_BUNDLE',
      { file },
    );
  }
  let bottom: BundleCertificate;
  if (leaf) {
    const found = unique.find((c) => c.cert.der.equals(leaf.der));
    bottom = found ?? { cert: leaf, where: 'key' };
    if (!found) index = new BundleIndex([...unique, bottom]);
  } else {
    const all = new Set(unique);
    const issuers = new Set<BundleCertificate>();
    for (const o of unique) for (const c of index.issuersOf(o, all)) issuers.add(c);
    const ends = unique.filter((c) => !issuers.has(c));
    if (ends.length === 0) {
      throw new UserError(
        `${file}: no certificate of the bundle is a leaf (each one issued another): import them one at a time`,
        'BAD_BUNDLE',
        { file },
      );
    }
    // The longest chain wins; between equals, a certificate that is not a CA (a leaf) over a CA.
    const rank = (c: { end: BundleCertificate; chain: BundleCertificate[] }) =>
      c.chain.length * 2 + (isCaCertificate(c.end.cert) ? 0 : 1);
    const chains = ends
      .map((end) => ({ end, chain: climb(index, end, unique) }))
      .sort((a, b) => rank(b) - rank(a));
    if (chains.length > 1 && rank(chains[0]!) === rank(chains[1]!)) {
      const named = chains.slice(0, 3).map((c) => describe(c.end));
      throw new UserError(
        `${file}: the bundle is not one chain: ${named.join(' and ')}${chains.length > 3 ? ` and ${chains.length - 3} more` : ''} each stand on their own; import them one at a time`,
        'BAD_BUNDLE',
        { file },
      );
    }
    bottom = chains[0]!.end;
  }
  const chain = climb(
    index,
    bottom,
    unique.filter((c) => c !== bottom),
  );
  const onChain = new Set(chain);
  const stray = unique.find((c) => c !== bottom && !onChain.has(c));
  if (stray) {
    const top = chain[chain.length - 1] ?? bottom;
    let why = 'a bundle holds one certificate and its CA certificates';
    if (!index.isSelfSigned(top)) {
      why =
        stray.cert.subject.rfc2253 === top.cert.issuer.rfc2253
          ? `it has the name of the issuer of ${top.cert.subject.rfc2253} but did not sign it (another key)`
          : `the issuer of ${top.cert.subject.rfc2253} (${top.cert.issuer.rfc2253}) is missing from the bundle`;
    }
    throw new UserError(
      `${file}: ${describe(stray)} is not an issuer on the chain of ${describe(bottom)}; ${why}`,
      'BAD_BUNDLE',
      { file },
    );
  }
  chain.forEach((issuer, i) => {
    if (!mayIssue(index, issuer)) {
      const below = i === 0 ? bottom : chain[i - 1]!;
      throw new UserError(
        `${file}: ${describe(issuer)} signed ${below.cert.subject.rfc2253} but is not a CA certificate (basicConstraints CA:TRUE with keyCertSign)`,
        'BAD_BUNDLE',
        { file },
      );
    }
  });
  return { leaf: bottom, chain };
}
