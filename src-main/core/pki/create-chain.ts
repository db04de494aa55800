/**
 * A whole chain in one commit: a new root (or an existing workspace CA to start from), an optional
 * intermediate, a server certificate and client certificates. Every field is checked first, each
 * problem naming its field; then the certificates are made by the usual issuing functions against an
 * in-memory overlay of the workspace and written by ONE commit — or nothing is written at all.
 */
import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import { OverlayWorkspace } from '../workspace/overlay-workspace.js';
import { commitMany } from '../workspace/bulk-commit.js';
import { lockIndex } from './index-lock.js';
import { createCa, INTERMEDIATE_CA_DAYS, ROOT_CA_DAYS } from './ca.js';
import { issueBatch, issueCertificate, LEAF_DAYS, parseDeviceLines } from './issue.js';
import { daysOption, loadIssuingCa } from './issuing-ca.js';
import { keyTypeOption } from './keys.js';
import { commonNameOption } from './profiles.js';
import { assertNameFree, INDEX_FILE, loadIndex, validateName, type IndexEntry } from './store.js';
import { sanFromCommonName } from './subject-alt-names.js';
import { machineHostNames, sansFromHosts } from './host-sans.js';
import type { CertificateSummary, KeyType } from './types.js';

export interface ChainCaSpec {
  name: string;
  cn: string;
  keyType?: KeyType;
  days?: number;
}

export interface ChainPlan {
  /** A new self-signed root CA… */
  root?: ChainCaSpec;
  /** …or a workspace CA (root or intermediate, its key in the workspace) to start from. */
  existingCa?: string;
  /** A new intermediate CA under the root or the existing CA; the leaves then come from it. */
  intermediate?: ChainCaSpec;
  /** A server certificate; `hosts`: names and addresses clients connect to (`broker.lan, 10.0.0.5`). */
  server?: { name: string; cn: string; hosts?: string; keyType?: KeyType; days?: number };
  /** Client certificates: device ids, one per line or a pasted CSV (its first column). */
  clients?: { text: string; keyType?: KeyType; days?: number };
}

export interface ChainProblem {
  /** `root.name`, `intermediate.days`, `server.hosts`, `clients`, `existingCa`… */
  field: string;
  /** One line, starting with the field (and the line, for clients). */
  message: string;
  code: string;
}

export interface ChainCheck {
  problems: ChainProblem[];
  /** The CA the leaves come from (a name of this plan or of the workspace); '' when unknown. */
  issuer: string;
  /** The server's SAN entries as they will be written (`dns:broker.lan`, `ip:192.168.1.50`). */
  serverSans: string[];
  /** The device ids read from the clients text. */
  clients: string[];
}

export interface ChainResult {
  /** Every certificate made, root first. */
  created: CertificateSummary[];
}

export interface ChainIssuerChoice {
  name: string;
  cn: string;
  kind: 'root-ca' | 'intermediate-ca';
  notAfter: string;
  /** False when its path length is 0: no intermediate may go under it. */
  allowsIntermediate: boolean;
}

export interface ChainDefaults {
  /** Free workspace names: `root`, or `root-2`, `root-3`… when taken. */
  root: string;
  intermediate: string;
  server: string;
  clients: string[];
  /** The server's default hosts. */
  hosts: string;
  /** This machine's names and addresses, to offer as the server's. */
  machineHosts: string[];
  /** Workspace CAs that can issue now (key held, not revoked or expired): "use an existing CA". */
  cas: ChainIssuerChoice[];
}

const DAY_MS = 86_400_000;

/** A free name: `base`, else `base-2`, `base-3`… (added to `taken`). */
function freeName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

function issuingChoices(ws: Workspace, entries: IndexEntry[], now: Date): ChainIssuerChoice[] {
  const out: ChainIssuerChoice[] = [];
  for (const entry of entries) {
    if (!entry.isCa || !entry.hasKey || entry.revoked) continue;
    try {
      const ca = loadIssuingCa(ws, entries, entry.name, 'existingCa', now);
      out.push({
        name: entry.name,
        cn: entry.cn,
        kind: entry.subject === entry.issuer && !entry.issuerName ? 'root-ca' : 'intermediate-ca',
        notAfter: ca.cert.notAfter.toISOString(),
        allowsIntermediate: ca.cert.ext.basicConstraints?.pathLen !== 0,
      });
    } catch (error) {
      if (!(error instanceof UserError)) throw error; // cannot sign now (expired, key unreadable…): not offered
    }
  }
  return out;
}

/** The wizard's starting values: free names, this machine's hosts, and the CAs that can issue. */
export function chainDefaults(ws: Workspace, now = new Date()): ChainDefaults {
  const entries = loadIndex(ws);
  const taken = new Set(entries.map((e) => e.name));
  const root = freeName('root', taken);
  const intermediate = freeName('issuing', taken);
  const server = freeName('broker', taken);
  const clients: string[] = [];
  for (let i = 1; clients.length < 2; i++) if (!taken.has(`device-${i}`)) clients.push(`device-${i}`);
  return {
    root,
    intermediate,
    server,
    clients,
    hosts: 'localhost, 127.0.0.1, ::1',
    machineHosts: machineHostNames(),
    cas: issuingChoices(ws, entries, now),
  };
}

/** Check a whole plan without writing anything: every problem, each naming its field. */
export function checkChain(ws: Workspace, plan: ChainPlan, now = new Date()): ChainCheck {
  const entries = loadIndex(ws);
  const problems: ChainProblem[] = [];
  const problem = (field: string, message: string, code = 'BAD_CHAIN') =>
    problems.push({ field, message: `${field}: ${message}`, code });
  const attempt = <T>(run: () => T, field?: string): T | undefined => {
    try {
      return run();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push({ field: field ?? error.location.field ?? '', message: error.message, code: error.code });
      return undefined;
    }
  };
  const claimed = new Map<string, string>();
  const newName = (value: string, field: string, what: string, problemField = field) =>
    attempt(() => {
      validateName(value, field);
      assertNameFree(entries, value, field);
      const other = claimed.get(value);
      if (other) {
        throw new UserError(
          `${field}: "${value}" is already the name of ${other} in this chain`,
          'DUPLICATE_NAME',
          {
            field,
          },
        );
      }
      claimed.set(value, what);
      return value;
    }, problemField);
  /** `days` checked, and against the issuer's end: an explicit value must fit, a default is shortened. */
  const validity = (
    days: number | undefined,
    fallback: number,
    field: string,
    issuer: { name: string; notAfter: Date; created: boolean } | undefined,
  ): Date | undefined => {
    if (days !== undefined && attempt(() => daysOption(days, field)) === undefined) return undefined;
    const end = new Date(Math.floor(now.getTime() / 1000) * 1000 + (days ?? fallback) * DAY_MS);
    if (!issuer) return end;
    // A CA made in this same chain is signed a moment before what it issues: the same days would outlive it.
    const fits = issuer.created ? end < issuer.notAfter : end <= issuer.notAfter;
    if (fits) return end;
    if (days === undefined) return issuer.notAfter; // a default is shortened to fit, as createCa/issue do
    const most = Math.floor((issuer.notAfter.getTime() - now.getTime() - (issuer.created ? 1 : 0)) / DAY_MS);
    problem(
      field,
      `${days} days would outlive CA "${issuer.name}" (it ends on ${issuer.notAfter.toISOString().slice(0, 10)}); use at most ${most}`,
      'BAD_DAYS',
    );
    return undefined;
  };

  // Where the chain starts: a new root, or an existing CA.
  let top: { name: string; notAfter: Date; created: boolean } | undefined;
  let allowsIntermediate = true;
  if (plan.root && plan.existingCa !== undefined) {
    problem('existingCa', 'give either a new root CA or an existing CA to start from, not both');
  } else if (plan.root) {
    const name = newName(plan.root.name, 'root.name', 'the root CA');
    attempt(() => commonNameOption(plan.root!.cn, 'root.cn'));
    attempt(() => keyTypeOption(plan.root!.keyType, 'root.keyType'));
    const end = validity(plan.root.days, ROOT_CA_DAYS, 'root.days', undefined);
    if (name && end) top = { name, notAfter: end, created: true };
  } else if (plan.existingCa !== undefined) {
    const ca = attempt(() => loadIssuingCa(ws, entries, plan.existingCa!, 'existingCa', now));
    if (ca) {
      top = { name: ca.entry.name, notAfter: ca.cert.notAfter, created: false };
      allowsIntermediate = ca.cert.ext.basicConstraints?.pathLen !== 0;
    }
  } else {
    problem('root', 'give a new root CA or an existing CA to start from');
  }

  let issuer = top;
  if (plan.intermediate) {
    const spec = plan.intermediate;
    if (!allowsIntermediate) {
      problem(
        'intermediate',
        `CA "${plan.existingCa}" has path length 0, so it may only issue end-entity certificates; issue the server and clients from it directly`,
        'PATH_LENGTH_EXCEEDED',
      );
    }
    const name = newName(spec.name, 'intermediate.name', 'the intermediate CA');
    attempt(() => commonNameOption(spec.cn, 'intermediate.cn'));
    attempt(() => keyTypeOption(spec.keyType, 'intermediate.keyType'));
    const end = validity(spec.days, INTERMEDIATE_CA_DAYS, 'intermediate.days', top);
    issuer = name && end && top ? { name, notAfter: end, created: true } : undefined;
  }

  let serverSans: string[] = [];
  if (plan.server) {
    const spec = plan.server;
    newName(spec.name, 'server.name', 'the server certificate');
    const cn = attempt(() => commonNameOption(spec.cn, 'server.cn'));
    const sans = attempt(() => sansFromHosts(spec.hosts ?? '', 'server.hosts'));
    if (sans && sans.length > 0) serverSans = sans;
    else if (sans && cn) serverSans = attempt(() => sanFromCommonName(cn, 'server.hosts')) ?? [];
    attempt(() => keyTypeOption(spec.keyType, 'server.keyType'));
    validity(spec.days, LEAF_DAYS, 'server.days', issuer);
  }

  const clients: string[] = [];
  if (plan.clients) {
    const spec = plan.clients;
    for (const { id, line } of parseDeviceLines(spec.text)) {
      const field = `clients line ${line}`;
      const ok = newName(id, field, `the client on line ${line}`, 'clients');
      if (ok && attempt(() => commonNameOption(id, field), 'clients') !== undefined) clients.push(id);
    }
    attempt(() => keyTypeOption(spec.keyType, 'clients.keyType'));
    if (clients.length) validity(spec.days, LEAF_DAYS, 'clients.days', issuer);
  }

  if (problems.length === 0 && !plan.root && !plan.intermediate && !plan.server && clients.length === 0) {
    problem('plan', 'nothing to create: add an intermediate CA, a server or clients under the existing CA');
  }
  return { problems, issuer: issuer?.name ?? '', serverSans, clients };
}

/**
 * Make the chain of `plan` in one commit: every check first (the first problem thrown, naming its
 * field), then the certificates built in memory by createCa/issueCertificate/issueBatch and written
 * together. When any step fails, the workspace is left exactly as it was.
 */
export async function createChain(ws: Workspace, plan: ChainPlan): Promise<ChainResult> {
  const check = checkChain(ws, plan);
  const [first, ...more] = check.problems;
  if (first) {
    const rest = more.length ? ` (and ${more.length} more problem${more.length === 1 ? '' : 's'})` : '';
    throw new UserError(first.message + rest, first.code, { field: first.field });
  }
  const before = ws.readText(INDEX_FILE);
  const overlay = new OverlayWorkspace(ws);
  const created: CertificateSummary[] = [];
  if (plan.root) created.push(await createCa(overlay, plan.root));
  if (plan.intermediate) {
    created.push(
      await createCa(overlay, { ...plan.intermediate, parent: plan.root?.name ?? plan.existingCa! }),
    );
  }
  if (plan.server) {
    const { name, cn, keyType, days } = plan.server;
    created.push(
      await issueCertificate(overlay, {
        ca: check.issuer,
        profile: 'server',
        name,
        cn,
        san: check.serverSans,
        ...(keyType ? { keyType } : {}),
        ...(days !== undefined ? { days } : {}),
      }),
    );
  }
  if (check.clients.length) {
    const { keyType, days } = plan.clients!;
    created.push(
      ...(await issueBatch(overlay, {
        ca: check.issuer,
        profile: 'client',
        names: check.clients,
        ...(keyType ? { keyType } : {}),
        ...(days !== undefined ? { days } : {}),
      })),
    );
  }
  const changes = overlay.changes();
  const release = lockIndex(ws);
  try {
    if (ws.readText(INDEX_FILE) !== before) {
      throw new UserError(
        "the workspace's certificates changed while the chain was being made; nothing was written, try again",
        'BUSY',
      );
    }
    for (const change of changes) {
      if (change.path !== INDEX_FILE && ws.exists(change.path)) {
        throw new UserError(
          `${ws.path(change.path)}: already exists although the workspace index does not name it; move it away and try again (nothing was written)`,
          'BAD_WORKSPACE',
          { file: ws.path(change.path) },
        );
      }
    }
    await commitMany(ws, changes);
  } finally {
    release();
  }
  return { created };
}
