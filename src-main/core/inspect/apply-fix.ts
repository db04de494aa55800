/**
 * The inspector's one-click fixes, carried out: each changes the workspace in one atomic commit (or
 * writes one file to the folder the user named) and says what it did.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { loadWorkspaceBrokerConf } from '../broker/index.js';
import {
  certificateChain,
  fingerprint,
  listCertificates,
  readCertificates,
  reissueCertificate,
  type CertificateSummary,
} from '../pki/index.js';
import { UserError } from '../user-error.js';
import { writeFileAtomic } from '../workspace/atomic-write.js';
import type { Workspace } from '../workspace/workspace.js';
import type { BrokerCertfile } from './fixes.js';

export interface WorkspaceBrokerCertfile extends BrokerCertfile {
  /** Index of the listener (in the conf) that uses it: the broker's ListenerStatus.index. */
  index: number;
}

/**
 * The certfiles of the workspace broker's settings (broker/mosquitto.conf) that lie inside the workspace,
 * with the fingerprints of what they hold. Empty when the workspace has no broker settings.
 */
export function workspaceBrokerCertfiles(ws: Workspace): WorkspaceBrokerCertfile[] {
  let loaded;
  try {
    loaded = loadWorkspaceBrokerConf(ws);
  } catch {
    return [];
  }
  const out: WorkspaceBrokerCertfile[] = [];
  for (const [index, listener] of loaded.conf.listeners.entries()) {
    if (!listener.certfile) continue;
    const full = resolve(loaded.baseDir, listener.certfile);
    const inside = relative(ws.dir, full);
    if (inside.startsWith('..') || isAbsolute(inside)) continue; // not ours to rewrite
    try {
      const fingerprints = readCertificates(ws.readText(inside) ?? '', full).map((c) =>
        fingerprint(c.der, 'sha256'),
      );
      out.push({ index, file: inside.split('\\').join('/'), fingerprints });
    } catch {
      // An unreadable certfile: the broker itself says so when it starts.
    }
  }
  return out;
}

function entryOf(ws: Workspace, name: string): CertificateSummary {
  const entry = listCertificates(ws).find((c) => c.name === name);
  if (!entry)
    throw new UserError(`certificate: no certificate named "${name}" in the workspace`, 'NOT_FOUND', {
      field: 'certificate',
    });
  return entry;
}

function chainOf(ws: Workspace, name: string): string {
  const chain = certificateChain(ws, name);
  return chain.chain.endsWith('\n') ? chain.chain : `${chain.chain}\n`;
}

export interface FixOutcome {
  /** What was done, in one sentence. */
  done: string;
  /** Files written (workspace-relative for workspace files, absolute elsewhere). */
  files: string[];
  /** The re-issued certificate. */
  certificate?: CertificateSummary;
}

/**
 * Re-issue `name` with `san` added (same CA, subject and key) and rewrite every workspace broker certfile
 * that held the old certificate with the new one and its chain.
 */
export function reissueWithSan(ws: Workspace, name: string, san: string): FixOutcome {
  const before = entryOf(ws, name);
  const holding = workspaceBrokerCertfiles(ws).filter((f) => f.fingerprints[0] === before.fingerprint256);
  const certificate = reissueCertificate(ws, { name, addSan: [san] });
  const files = [`certs/${name}.crt`];
  if (holding.length > 0) {
    const chain = chainOf(ws, name);
    const unique = [...new Set(holding.map((f) => f.file))];
    ws.commit(unique.map((file) => ({ path: file, data: chain })));
    files.push(...unique);
  }
  return {
    done: `Re-issued "${name}" with ${san.replace(/^dns:/, 'DNS:').replace(/^ip:/, 'IP:')} (serial ${certificate.serial})${holding.length > 0 ? ` and wrote it with its chain to ${[...new Set(holding.map((f) => f.file))].join(', ')}` : ''}.`,
    files,
    certificate,
  };
}

/** Rewrite every workspace broker certfile that starts with certificate `name` with its full chain. */
export function writeBrokerChain(ws: Workspace, name: string): FixOutcome {
  const entry = entryOf(ws, name);
  const holding = [
    ...new Set(
      workspaceBrokerCertfiles(ws)
        .filter((f) => f.fingerprints[0] === entry.fingerprint256)
        .map((f) => f.file),
    ),
  ];
  if (holding.length === 0) {
    throw new UserError(
      `certificate: no certfile of the workspace broker (broker/mosquitto.conf) holds "${name}"`,
      'NOT_FOUND',
      { field: 'certificate' },
    );
  }
  const chain = chainOf(ws, name);
  ws.commit(holding.map((file) => ({ path: file, data: chain })));
  const count = readCertificates(chain, name).length;
  return {
    done: `Wrote "${name}" and its ${count - 1} CA certificate${count === 2 ? '' : 's'} (no root) to ${holding.join(', ')}.`,
    files: holding,
  };
}

/** Write NAME.chain.crt (the certificate then its intermediates, no root) into `outDir`. */
export function exportChainFile(ws: Workspace, name: string, outDir: string): FixOutcome {
  entryOf(ws, name);
  if (!outDir.trim())
    throw new UserError('outDir: name the folder to write the chain file to', 'BAD_OPTION', {
      field: 'outDir',
    });
  const dir = resolve(outDir);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new UserError(`outDir: ${dir} is a file, not a folder`, 'BAD_OPTION', { field: 'outDir' });
  const file = join(dir, `${name}.chain.crt`);
  const chain = chainOf(ws, name);
  try {
    writeFileAtomic(file, chain);
  } catch (error) {
    throw new UserError(`outDir: cannot write ${file} (${(error as Error).message})`, 'EXPORT_FAILED', {
      field: 'outDir',
    });
  }
  return { done: `Wrote ${file}: "${name}" followed by its intermediate CA(s).`, files: [file] };
}
