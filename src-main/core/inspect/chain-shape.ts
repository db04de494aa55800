/** What the order of the chain a server sent looks like: out of order, duplicates, root included. */
import { issues, type DecodedCertificate } from './certificate-facts.js';
import type { ChainShape } from './types.js';

function label(certificate: DecodedCertificate, index: number): string {
  return `#${index + 1} (${certificate.summary.commonName || certificate.summary.subject})`;
}

export function chainShape(chain: DecodedCertificate[]): ChainShape {
  const remarks: string[] = [];
  const duplicates: number[] = [];
  const seen = new Map<string, number>();
  chain.forEach((certificate, index) => {
    const first = seen.get(certificate.summary.fingerprint256);
    if (first !== undefined) {
      duplicates.push(index);
      remarks.push(`${label(certificate, index)} is a second copy of #${first + 1}.`);
    } else {
      seen.set(certificate.summary.fingerprint256, index);
    }
  });
  const unique = chain.filter((_, index) => !duplicates.includes(index));
  let inOrder = true;
  for (let i = 1; i < unique.length; i++) {
    const previous = unique[i - 1]!;
    if (previous.summary.selfSigned) break; // nothing can follow a root in a proper chain
    if (!issues(unique[i]!, previous)) {
      inOrder = false;
      const realIssuer = unique.findIndex(
        (candidate) => candidate !== previous && issues(candidate, previous),
      );
      const previousIndex = chain.indexOf(previous);
      remarks.push(
        realIssuer >= 0
          ? `${label(previous, previousIndex)} is followed by ${label(unique[i]!, chain.indexOf(unique[i]!))}, but is issued by ${label(unique[realIssuer]!, chain.indexOf(unique[realIssuer]!))}.`
          : `${label(previous, previousIndex)} is followed by ${label(unique[i]!, chain.indexOf(unique[i]!))}, which did not issue it.`,
      );
      break;
    }
  }
  const rootIndex = chain.findIndex((certificate, index) => index > 0 && certificate.summary.selfSigned);
  const rootSent = rootIndex >= 0;
  if (rootSent)
    remarks.push(
      `${label(chain[rootIndex]!, rootIndex)} is a self-signed root; clients ignore a root the server sends.`,
    );
  return { count: chain.length, inOrder, duplicates, rootSent, remarks };
}
