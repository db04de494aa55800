import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import { certificateChain, tlsMaterial } from '../pki/chain.js';
import { parsePemBlocks, toPem } from '../pki/pem.js';
import type { WorkspaceCertificates } from './tls-options.js';

function withField<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof UserError)
      throw new UserError(error.message, error.code, { ...error.location, field });
    throw error;
  }
}

function splitPems(...texts: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const text of texts) {
    if (!text) continue;
    for (const block of parsePemBlocks(text)) {
      const pem = toPem(block.der, 'CERTIFICATE');
      if (!seen.has(pem)) {
        seen.add(pem);
        out.push(pem);
      }
    }
  }
  return out;
}

/**
 * The workshop's certificates for the client: a client identity is the certificate's chain and key;
 * trusting a workspace CA trusts its chain up to the root (Node needs the self-signed root as anchor).
 */
export function workspaceCertificates(ws: Workspace): WorkspaceCertificates {
  return {
    identity: (name) =>
      withField('tls.clientCert.name', () => {
        const material = tlsMaterial(ws, name);
        return { cert: material.cert, chain: material.chain, key: material.key };
      }),
    trustAnchors: (caName) =>
      withField('tls.trust.ca', () => {
        const chain = certificateChain(ws, caName);
        return splitPems(chain.cert, chain.intermediates, chain.ca);
      }),
  };
}
