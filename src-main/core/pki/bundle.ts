/**
 * Certificate bundles, as `cert import` reads them: a PEM file with several certificates, DER
 * certificates written one after the other, a PKCS#7 certs-only file (.p7b, DER or PEM), or the
 * certificates of a PKCS#12 — in any order. `orderBundle` puts them in chain order (the leaf, then its
 * issuer, up to the root) and refuses a bundle that is not one certificate and its issuers.
 */
import { UserError } from '../user-error.js';
import { berToDer } from './ber.js';
import { CERT_LABELS, isCaCertificate, isIssuedBy, isSelfSigned, parseOrExplain } from './certificate.js';
import { parseCertificateDer, type ParsedCertificate } from './certificate-parser.js';
import { DerError, TAG, children, expectTag, parseDer, readOid, readTlv } from './der.js';
import { OID } from './oids.js';
import { parsePemBlocks } from './pem.js';

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

/** True when the DER is a PKCS#7 ContentInfo of type signedData (a .p7b / .p7c file). */
export function looksLikePkcs7(der: Buffer): boolean {
  try {
    const info = children(parseDer(berToDer(der)));
    return info[0]?.tag === TAG.OID && readOid(info[0]) === OID.signedData;
  } catch {
    return false;
  }
}

/** The certificates of a PKCS#7 SignedData (RFC 2315 `certificates [0] IMPLICIT SET OF Certificate`). */
function pkcs7Certificates(der: Buffer, file: string, where: string): BundleCertificate[] {
  let nodes;
  try {
    const info = children(expectTag(parseDer(berToDer(der)), TAG.SEQUENCE, 'ContentInfo'));
    if (readOid(info[0]!) !== OID.signedData) throw new DerError('not a PKCS#7 SignedData');
    const signed = children(
      expectTag(children(expectTag(info[1], 0xa0, 'content'))[0], TAG.SEQUENCE, 'SignedData'),
    );
    const set = signed.find((node) => node.tag === 0xa0);
    nodes = set ? children(set).filter((node) => node.tag === TAG.SEQUENCE) : [];
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    throw new UserError(`${file}: ${where}: not a valid PKCS#7 file (${error.message})`, 'BAD_CERTIFICATE', {
      file,
    });
  }
  if (nodes.length === 0) {
    throw new UserError(`${file}: ${where}: the PKCS#7 file holds no certificate`, 'BAD_CERTIFICATE', {
      file,
    });
  }
  return nodes.map((node, i) => {
    const label = `${where}, certificate ${i + 1}`;
    try {
      return { cert: parseCertificateDer(Buffer.from(node.raw)), where: label };
    } catch (error) {
      if (!(error instanceof DerError)) throw error;
      throw new UserError(
        `${file}: ${label}: not a valid X.509 certificate (${error.message})`,
        'BAD_CERTIFICATE',
        { file },
      );
    }
  });
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
  let first;
  try {
    first = readTlv(data, 0);
    parseCertificateDer(Buffer.from(first.node.raw));
  } catch {
    return undefined;
  }
  const found: BundleCertificate[] = [];
  for (let offset = 0; offset < data.length;) {
    try {
      const { node, next } = readTlv(data, offset);
      found.push({ cert: parseCertificateDer(Buffer.from(node.raw)), where: `byte ${offset}` });
      offset = next;
    } catch (error) {
      if (!(error instanceof DerError)) throw error;
      throw new UserError(
        `${file}: byte ${offset}: not a DER certificate (${error.message}); a DER bundle must be certificates one after the other`,
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

/** The leaf's issuers among `others`, climbing until a self-signed root or an issuer the bundle lacks. */
function climb(leaf: BundleCertificate, others: BundleCertificate[]): BundleCertificate[] {
  const chain: BundleCertificate[] = [];
  const left = [...others];
  let current = leaf;
  while (!isSelfSigned(current.cert)) {
    const next = left.findIndex((c) => isIssuedBy(current.cert, c.cert));
    if (next < 0) break;
    current = left.splice(next, 1)[0]!;
    chain.push(current);
  }
  return chain;
}

/** OpenSSL's X509_check_ca for a certificate that issued another: a CA, or a v1 self-signed root. */
function mayIssue(cert: ParsedCertificate): boolean {
  if (cert.ext.keyUsage && !cert.ext.keyUsage.usages.includes('keyCertSign')) return false;
  return isCaCertificate(cert) || (cert.version === 1 && isSelfSigned(cert));
}

/**
 * Put a bundle in chain order, whatever the order of the file. The leaf is `leaf` when given (the
 * certificate of the private key), else the certificate that issued none of the others. Every other
 * certificate must be an issuer on the leaf's chain (same certificate twice is fine): one that is not —
 * another leaf, an unrelated CA — is refused, naming it and the file.
 */
export function orderBundle(
  certs: readonly BundleCertificate[],
  file: string,
  leaf?: ParsedCertificate,
): OrderedBundle {
  const unique = certs.filter((c, i) => certs.findIndex((o) => o.cert.der.equals(c.cert.der)) === i);
  let bottom: BundleCertificate;
  if (leaf) {
    bottom = unique.find((c) => c.cert.der.equals(leaf.der)) ?? { cert: leaf, where: 'key' };
  } else {
    const ends = unique.filter((c) => !unique.some((o) => o !== c && isIssuedBy(o.cert, c.cert)));
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
    const chains = ends.map((end) => ({ end, chain: climb(end, unique) })).sort((a, b) => rank(b) - rank(a));
    if (chains.length > 1 && rank(chains[0]!) === rank(chains[1]!)) {
      throw new UserError(
        `${file}: the bundle is not one chain: ${chains.map((c) => describe(c.end)).join(' and ')} each stand on their own; import them one at a time`,
        'BAD_BUNDLE',
        { file },
      );
    }
    bottom = chains[0]!.end;
  }
  const chain = climb(
    bottom,
    unique.filter((c) => c !== bottom),
  );
  const stray = unique.find((c) => c !== bottom && !chain.includes(c));
  if (stray) {
    const top = (chain[chain.length - 1] ?? bottom).cert;
    let why = 'a bundle holds one certificate and its CA certificates';
    if (!isSelfSigned(top)) {
      why =
        stray.cert.subject.rfc2253 === top.issuer.rfc2253
          ? `it has the name of the issuer of ${top.subject.rfc2253} but did not sign it (another key)`
          : `the issuer of ${top.subject.rfc2253} (${top.issuer.rfc2253}) is missing from the bundle`;
    }
    throw new UserError(
      `${file}: ${describe(stray)} is not an issuer on the chain of ${describe(bottom)}; ${why}`,
      'BAD_BUNDLE',
      { file },
    );
  }
  chain.forEach((issuer, i) => {
    if (!mayIssue(issuer.cert)) {
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
