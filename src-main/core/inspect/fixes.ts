/**
 * One-click fixes for what a probe found, where the workspace owns the certificate at fault: re-issue a
 * server certificate with the missing name, write the full chain into the workspace broker's certfile (or
 * export the chain file for another broker), or trust the workspace CA that anchors the chain.
 */
import type { CertificateSummary as WorkspaceCertificate } from '../pki/index.js';
import type { ProblemCode } from '../problems.js';
import type { InspectReport } from './types.js';

/** A certfile of the workspace broker's listener that the probe reached. */
export interface BrokerCertfile {
  /** Path relative to the workspace, e.g. `broker/server.crt`. */
  file: string;
  /** SHA-256 fingerprints of the certificates in it, in file order. */
  fingerprints: string[];
}

interface FixBase {
  /** The problem the fix removes (its card carries the button). */
  problem: ProblemCode;
  /** The button's words. */
  label: string;
  /** What the click does, in one or two sentences. */
  detail: string;
}

export type InspectFix =
  | (FixBase & {
      kind: 'reissue-san';
      /** Workspace name of the server certificate to re-issue. */
      certificate: string;
      /** The name to add: `dns:host` or `ip:address`. */
      san: string;
      /** Workspace broker certfiles that hold the certificate and are rewritten with it. */
      brokerFiles: string[];
    })
  | (FixBase & { kind: 'broker-chain'; certificate: string; brokerFiles: string[] })
  | (FixBase & { kind: 'export-chain'; certificate: string; fileName: string })
  | (FixBase & { kind: 'trust-ca'; ca: string });

export interface FixInput {
  report: InspectReport;
  /** The workspace's certificates (pki list). */
  certificates: WorkspaceCertificate[];
  /** The workspace CA used as trust for this probe, if any. */
  trustedCa: string | null;
  /** Certfiles of the workspace broker listener the target is (empty for any other broker). */
  brokerCertfiles: BrokerCertfile[];
}

const SAN_LABEL = (san: string): string =>
  san.startsWith('ip:') ? `IP:${san.slice(3)}` : `DNS:${san.replace(/^dns:/, '')}`;

function hostSan(report: InspectReport): string | null {
  const host = report.validation.hostname;
  if (!host || host.matched) return null;
  const name = host.name.replace(/^\[|\]$/g, '');
  return host.kind === 'ip' ? `ip:${name}` : `dns:${name.toLowerCase()}`;
}

/** A workspace root CA that anchors the chain the server sent. */
function anchoringRoot(
  report: InspectReport,
  certificates: WorkspaceCertificate[],
): WorkspaceCertificate | null {
  const subjects = new Set(report.chain.map((c) => c.subject));
  const issuers = new Set(report.chain.map((c) => c.issuer));
  const sent = new Set(report.chain.map((c) => c.fingerprint256));
  return (
    certificates.find(
      (c) =>
        c.kind === 'root-ca' &&
        (sent.has(c.fingerprint256) || (issuers.has(c.subject) && !subjects.has(c.subject))),
    ) ?? null
  );
}

export function fixesFor(input: FixInput): InspectFix[] {
  const { report, certificates } = input;
  const fixes: InspectFix[] = [];
  const codes = new Set(report.problems.map((p) => p.code));
  const leaf = report.chain[0];
  const entry = leaf ? certificates.find((c) => c.fingerprint256 === leaf.fingerprint256) : undefined;
  const issuer = entry?.issuerName ? certificates.find((c) => c.name === entry.issuerName) : undefined;
  const holding = entry
    ? input.brokerCertfiles.filter((file) => file.fingerprints[0] === entry.fingerprint256)
    : [];
  const filesText = holding.map((file) => file.file).join(' and ');

  const san = hostSan(report);
  if (codes.has('HOSTNAME_MISMATCH') && san && entry && issuer?.hasKey && !entry.isCa && !entry.revoked) {
    fixes.push({
      kind: 'reissue-san',
      problem: 'HOSTNAME_MISMATCH',
      certificate: entry.name,
      san,
      brokerFiles: holding.map((file) => file.file),
      label: `Re-issue “${entry.name}” with ${SAN_LABEL(san)}`,
      detail:
        `Signs a new certificate "${entry.name}" with the same CA ("${issuer.name}"), subject and key, its names plus ${SAN_LABEL(san)}` +
        (holding.length > 0
          ? `, and writes it with its chain to ${filesText}, which the workspace broker reloads.`
          : '. Install the new certificate on the broker (the key does not change).'),
    });
  }

  if (codes.has('MISSING_INTERMEDIATE') && entry && issuer) {
    if (issuer.kind === 'root-ca') {
      // The issuer is a root: nothing is missing from the chain, the client lacks the root.
    } else if (holding.length > 0) {
      fixes.push({
        kind: 'broker-chain',
        problem: 'MISSING_INTERMEDIATE',
        certificate: entry.name,
        brokerFiles: holding.map((file) => file.file),
        label: `Write the full chain to ${filesText}`,
        detail: `${filesText} holds "${entry.name}" without its intermediate; it gets "${entry.name}" followed by "${issuer.name}" (and any CA above it but the root), and the workspace broker reloads it.`,
      });
    } else {
      fixes.push({
        kind: 'export-chain',
        problem: 'MISSING_INTERMEDIATE',
        certificate: entry.name,
        fileName: `${entry.name}.chain.crt`,
        label: `Export the chain file of “${entry.name}”…`,
        detail: `Writes ${entry.name}.chain.crt ("${entry.name}" followed by "${issuer.name}", no root) to a folder you name; make it the broker's certfile and restart the broker.`,
      });
    }
  }

  const root = anchoringRoot(report, certificates);
  if (root && root.name !== input.trustedCa) {
    const leafIssuerIsRoot = leaf !== undefined && leaf.issuer === root.subject;
    for (const code of ['UNTRUSTED_ROOT', 'MISSING_INTERMEDIATE'] as const) {
      if (!codes.has(code) || (code === 'MISSING_INTERMEDIATE' && !leafIssuerIsRoot)) continue;
      fixes.push({
        kind: 'trust-ca',
        problem: code,
        ca: root.name,
        label: `Trust workspace CA “${root.name}” and inspect again`,
        detail: `Uses the workspace's root CA "${root.name}" as the trusted CA for this probe, as a client would with it as its cafile.`,
      });
    }
  }
  return fixes;
}
