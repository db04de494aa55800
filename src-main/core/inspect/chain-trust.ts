/**
 * Which trust problem the evidence supports, decided from the chain exactly as the server sent it, the
 * trust the probe was given, and CAs the caller merely knows (the workspace's) — never from OpenSSL's
 * error alone: "unable to get local issuer certificate" only says that no trusted root was reached, not
 * whether an intermediate is missing or the root is untrusted.
 *
 * The walk is OpenSSL's (X509_verify_cert without -partial_chain): from the leaf, take the issuer from
 * the trust first, then from what the server sent, until a self-signed root; a trusted intermediate is
 * not enough, its root must be trusted too. Known CAs fill gaps only to explain them.
 */
import type { Problem } from '../problems.js';
import { isIssuedBy, isSelfSigned, namesIssuer } from '../pki/certificate.js';
import type { ParsedCertificate } from '../pki/certificate-parser.js';

type Source = 'sent' | 'trust' | 'known';

interface Link {
  cert: ParsedCertificate;
  from: Source;
}

export interface ChainTrustInput {
  /** The server's certificates as sent (leaf first), duplicates removed. */
  sent: ParsedCertificate[];
  trust: ParsedCertificate[];
  /** Where the trust came from, for sentences (`system roots (…)`, `workspace CA "root-ca"`, a file). */
  trustLabel: string;
  /** CAs known from elsewhere (the workspace); evidence only, never trusted. */
  known?: ParsedCertificate[];
}

export interface ChainTrustVerdict {
  /** A trusted self-signed root was reached. */
  trusted: boolean;
  /** UNTRUSTED_ROOT and/or MISSING_INTERMEDIATE, each only where the evidence says so. */
  problems: Problem[];
}

const name = (cert: ParsedCertificate): string => {
  const cn = cert.subject.attributes.find((attribute) => attribute.oid === '2.5.4.3')?.value;
  return `"${cn ?? cert.subject.rfc2253}"`;
};
const issuerName = (cert: ParsedCertificate): string => {
  const cn = cert.issuer.attributes.find((attribute) => attribute.oid === '2.5.4.3')?.value;
  return `"${cn ?? cert.issuer.rfc2253}"`;
};

function signs(issuer: ParsedCertificate, cert: ParsedCertificate): boolean {
  if (issuer.der.equals(cert.der) || !namesIssuer(cert, issuer)) return false;
  try {
    return isIssuedBy(cert, issuer);
  } catch {
    return false;
  }
}

function selfSigned(cert: ParsedCertificate): boolean {
  try {
    return isSelfSigned(cert);
  } catch {
    return false;
  }
}

/** Leaf to root as OpenSSL builds it, each link marked with where it came from. */
function walk(input: ChainTrustInput): { links: Link[]; end: 'trusted' | 'untrusted-root' | 'stuck' } {
  const pools: Array<[Source, ParsedCertificate[]]> = [
    ['trust', input.trust],
    ['sent', input.sent.slice(1)],
    ['known', input.known ?? []],
  ];
  const leaf = input.sent[0]!;
  const links: Link[] = [
    { cert: leaf, from: input.trust.some((t) => t.der.equals(leaf.der)) ? 'trust' : 'sent' },
  ];
  for (;;) {
    const top = links[links.length - 1]!;
    if (selfSigned(top.cert)) return { links, end: top.from === 'trust' ? 'trusted' : 'untrusted-root' };
    if (links.length > 10) return { links, end: 'stuck' };
    let next: Link | undefined;
    for (const [from, pool] of pools) {
      const found = pool.find(
        (candidate) => signs(candidate, top.cert) && !links.some((l) => l.cert.der.equals(candidate.der)),
      );
      if (found) {
        // A certificate the server sent that is also in the trust counts as trusted.
        const trusted = from !== 'trust' && input.trust.some((t) => t.der.equals(found.der));
        next = { cert: found, from: trusted ? 'trust' : from };
        break;
      }
    }
    if (!next) return { links, end: 'stuck' };
    links.push(next);
  }
}

export function judgeChainTrust(input: ChainTrustInput): ChainTrustVerdict {
  const { links, end } = walk(input);
  // Reached a trusted root without help from the known CAs: nothing to say.
  if (end === 'trusted' && !links.some((link) => link.from === 'known'))
    return { trusted: true, problems: [] };
  // A self-signed leaf is the workshop verify's SELF_SIGNED_LEAF, not a chain question.
  if (links.length === 1 && end === 'untrusted-root') return { trusted: false, problems: [] };
  const problems: Problem[] = [];
  const trust = input.trustLabel;
  const wasSent = (link: Link) => input.sent.some((cert) => cert.der.equals(link.cert.der));
  // What the server sent, linked from its leaf: where its own chain stops.
  let sentEnd = 0;
  while (sentEnd + 1 < links.length && wasSent(links[sentEnd + 1]!)) sentEnd++;
  const stop = links[sentEnd]!;
  const next = links[sentEnd + 1];
  const top = links[links.length - 1]!;

  // Missing intermediate: the server's chain stops at a certificate whose issuer is itself issued
  // (a CA we hold, not a root), or whose issuer nobody here knows while the server sent only its leaf.
  const missing =
    !selfSigned(stop.cert) &&
    (next !== undefined ? !selfSigned(next.cert) : sentEnd === 0 && input.sent.length === 1);
  if (missing) {
    const leafOnly = sentEnd === 0;
    const sentText = leafOnly
      ? 'The server sends only its own certificate'
      : `The server's chain stops at ${name(stop.cert)}`;
    if (next) {
      problems.push({
        code: 'MISSING_INTERMEDIATE',
        message: `${sentText}, issued by the intermediate CA ${name(next.cert)}, and does not send that intermediate: a client that trusts only the root cannot link the two ("unable to get local issuer certificate").`,
        fix: `Make the broker send the chain: its certfile must hold the server certificate followed by ${name(next.cert)} (cat server.crt intermediate.crt > server.chain.crt).`,
      });
    } else {
      problems.push({
        code: 'MISSING_INTERMEDIATE',
        message: `${sentText}, issued by ${issuerName(stop.cert)}, which the server does not send and ${trust} does not hold: if ${issuerName(stop.cert)} is an intermediate CA, the server must send it ("unable to get local issuer certificate").`,
        fix: `Make the broker send the chain: certfile must hold the server certificate followed by the intermediate ${issuerName(stop.cert)} (cat server.crt intermediate.crt > server.chain.crt). If ${issuerName(stop.cert)} is itself a root, give it to the client as its CA file instead.`,
      });
    }
  }

  // The root: reached but not trusted, or the walk stopped at a trusted intermediate, or at a CA the
  // server sent whose issuer is nowhere (the server's chain is complete as far as anyone can tell).
  const trustedIntermediate = [...links]
    .reverse()
    .find((link) => link.from === 'trust' && !selfSigned(link.cert));
  if (end === 'trusted') {
    // Trusted once the known intermediate is added: the missing intermediate is the whole story.
  } else if (end === 'untrusted-root') {
    problems.push({
      code: 'UNTRUSTED_ROOT',
      message: trustedIntermediate
        ? `${trust} holds the intermediate ${name(trustedIntermediate.cert)} but not the root ${name(top.cert)} that issued it; OpenSSL-based clients (Mosquitto, mosquitto_sub, openssl) need the root.`
        : `The chain ends at the root ${name(top.cert)}, which ${trust} does not hold${top.from === 'known' ? ' (it is in the workspace)' : ''}.`,
      fix: `Trust ${name(top.cert)}: give it to the client as its CA file (cafile / --cafile), or use the workspace CA as trust for this probe.`,
    });
  } else if (trustedIntermediate && trustedIntermediate === top) {
    problems.push({
      code: 'UNTRUSTED_ROOT',
      message: `${trust} holds the intermediate ${name(top.cert)} but not the root ${issuerName(top.cert)} that issued it; OpenSSL-based clients (Mosquitto, mosquitto_sub, openssl) need the root.`,
      fix: `Add the root ${issuerName(top.cert)} to the CA file.`,
    });
  } else if (!missing) {
    problems.push({
      code: 'UNTRUSTED_ROOT',
      message: `The chain ends at ${name(top.cert)}, issued by ${issuerName(top.cert)}, which ${trust} does not hold: the root is not trusted ("unable to get local issuer certificate").`,
      fix: `Trust the root ${issuerName(top.cert)}: give it to the client as its CA file (cafile / --cafile), or use the workspace CA as trust for this probe.`,
    });
  } else if (next && end === 'stuck') {
    // The intermediate is known, but above it nothing leads to a trusted root either.
    problems.push({
      code: 'UNTRUSTED_ROOT',
      message: `Even with ${name(next.cert)}, the chain ends at ${name(top.cert)}, issued by ${issuerName(top.cert)}, which ${trust} does not hold.`,
      fix: `Trust the root ${issuerName(top.cert)}: give it to the client as its CA file.`,
    });
  }
  return { trusted: false, problems };
}
