import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateChain, issueBatch, listCertificates, tlsMaterial } from '../pki/index.js';
import { UserError } from '../user-error.js';
import { Workspace } from '../workspace/workspace.js';

/** What one bench client presents and trusts. */
export interface BenchIdentity {
  /** The certificate CN (the username with use_identity_as_username). */
  cn: string;
  /** Leaf then intermediates, PEM. */
  cert: string;
  key: string;
}

export interface Fleet {
  identities: BenchIdentity[];
  /** PEM trust anchors for the broker's certificate (the workspace roots). */
  trust: string[];
  /** Removes the throwaway workspace. */
  dispose(): void;
}

/** The self-signed CAs of a workspace, as PEM: what its own broker's certificate chains up to. */
export function workspaceRoots(ws: Workspace): string[] {
  return listCertificates(ws)
    .filter((c) => c.isCa && c.subject === c.issuer)
    .map((c) => certificateChain(ws, c.name).cert);
}

/**
 * N client certificates issued by workspace CA `ca` into a throwaway copy of the workspace (so the
 * user's workspace never fills with bench identities), named `<prefix>-<i>`.
 */
export async function issueFleet(
  ws: Workspace,
  ca: string,
  count: number,
  prefix: string,
  /** How errors name the CA: the CLI's option or the api's field. */
  field = '--ca',
): Promise<Fleet> {
  const issuer = listCertificates(ws).find((c) => c.name === ca);
  if (!issuer)
    throw new UserError(`${field}: no certificate named "${ca}" in the workspace`, 'NOT_FOUND', {
      field: 'ca',
    });
  if (!issuer.isCa || !issuer.hasKey) {
    throw new UserError(`${field}: "${ca}" is not a CA with its key in the workspace`, 'BAD_CA', {
      field: 'ca',
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'mts-bench-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    for (const part of ['workspace.json', 'certificates.json', 'certs', 'keys']) {
      cpSync(ws.path(part), join(dir, part), { recursive: true });
    }
    const scratch = new Workspace(dir);
    const names = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
    await issueBatch(scratch, { ca, profile: 'client', names });
    // Each leaf goes out with its issuer's chain (the issuing CA and its intermediates; no root).
    const issuerChain = issuer.subject === issuer.issuer ? '' : certificateChain(scratch, ca).chain;
    const identities = names.map((name) => ({
      cn: name,
      cert: readFileSync(scratch.path(`certs/${name}.crt`), 'utf8') + issuerChain,
      key: readFileSync(scratch.path(`keys/${name}.key`), 'utf8'),
    }));
    return { identities, trust: workspaceRoots(ws), dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** Identities the user named (`--as`), cycled over the fleet. */
export function givenFleet(ws: Workspace, names: string[]): Fleet {
  const identities = names.map((name) => {
    const m = tlsMaterial(ws, name);
    const cn = listCertificates(ws).find((c) => c.name === name)?.cn ?? name;
    return { cn, cert: m.chain || m.cert, key: m.key };
  });
  return { identities, trust: workspaceRoots(ws), dispose: () => undefined };
}
