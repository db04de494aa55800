/** Chains from the workspace: leaf → intermediates → root, as PEM for TLS endpoints and exports. */
import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import { readKey, privateKeyPem } from './keys.js';
import {
  crlPath,
  getEntry,
  keyPath,
  loadIndex,
  readCertPem,
  readKeyPem,
  validateName,
  type IndexEntry,
} from './store.js';
import type { CertificateChain, TlsMaterial } from './types.js';

/** Workspace names from `name` up through its issuers (itself first). Stops at a missing issuer. */
export function chainNames(entries: IndexEntry[], name: string): string[] {
  const names: string[] = [];
  let current: IndexEntry | undefined = getEntry(entries, name);
  while (current && !names.includes(current.name)) {
    names.push(current.name);
    current = current.issuerName ? entries.find((e) => e.name === current!.issuerName) : undefined;
  }
  return names;
}

function chainFrom(ws: Workspace, entries: IndexEntry[], name: string): CertificateChain {
  const names = chainNames(entries, name);
  const top = getEntry(entries, names[names.length - 1]!);
  const complete = top.subject === top.issuer && !top.issuerName;
  const pems = names.map((n) => readCertPem(ws, n));
  const cert = pems[0]!;
  // A root exported on its own: it is its own chain and its own trust anchor.
  const intermediates = complete ? pems.slice(1, -1) : pems.slice(1);
  return {
    cert,
    chain: [cert, ...intermediates].join(''),
    intermediates: intermediates.join(''),
    ca: complete ? pems[pems.length - 1]! : '',
    complete,
  };
}

/** The certificate, its chain (leaf + intermediates) and the root of its chain, as PEM. */
export function certificateChain(ws: Workspace, name: string): CertificateChain {
  validateName(name, 'name');
  return chainFrom(ws, loadIndex(ws), name);
}

/**
 * Everything a TLS endpoint needs for certificate `name`: its key (PKCS#8 PEM), the chain to send
 * and the root to trust. For the broker, the client and exports — keys stay in the main process.
 */
export function tlsMaterial(ws: Workspace, name: string): TlsMaterial {
  validateName(name, 'name');
  const entries = loadIndex(ws);
  const entry = getEntry(entries, name);
  if (!entry.hasKey) {
    throw new UserError(
      `name: the workspace has no private key for "${name}" (it was imported or signed from a CSR without one)`,
      'NO_KEY',
      {
        field: 'name',
      },
    );
  }
  const key = privateKeyPem(readKey(readKeyPem(ws, name), undefined, ws.path(keyPath(name))));
  return { ...chainFrom(ws, entries, name), key };
}

/**
 * The current CRL of every CA on the chain of `name` (itself when it is a CA, then its issuers up to
 * the root), one PEM per CA. Node's `tls.createServer({ crl })` checks every certificate of a peer's
 * chain (OpenSSL's CRL_CHECK_ALL) and reads only the first CRL of each PEM string, so pass this array
 * as is. Mosquitto's `crlfile` checks only the leaf and reads every CRL of one file (join them).
 */
export function chainCrls(ws: Workspace, name: string): string[] {
  validateName(name, 'name');
  const entries = loadIndex(ws);
  return chainNames(entries, name)
    .filter((n) => getEntry(entries, n).isCa)
    .map((n) => ws.readText(crlPath(n)))
    .filter((pem): pem is string => pem !== undefined);
}
