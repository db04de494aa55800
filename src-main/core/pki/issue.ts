/** `cert issue`: server and client leaves signed by a workspace CA, one at a time or in a batch. */
import type { KeyObject } from 'node:crypto';
import { UserError } from '../user-error.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import { buildCertificate } from './certificate-builder.js';
import { parseCertificateDer } from './certificate-parser.js';
import { commonNameOnly } from './distinguished-name.js';
import { daysOption, loadIssuingCa, validityWindow, type IssuingCa } from './issuing-ca.js';
import { generatePrivateKey, keyTypeOption, privateKeyPem, publicSpki } from './keys.js';
import { toPem } from './pem.js';
import { commonNameOption, leafKeyUsage, profileEku, profileOption } from './profiles.js';
import {
  assertNameFree,
  certPath,
  indexChange,
  keyPath,
  loadIndex,
  summarize,
  toSummary,
  validateName,
  type IndexEntry,
} from './store.js';
import { sanFromCommonName, sanOption } from './subject-alt-names.js';
import type { CertificateSummary, IssueBatchOptions, IssueOptions, Profile } from './types.js';

export const LEAF_DAYS = 365;

interface LeafRequest {
  name: string;
  cn: string;
  san: string[];
  key: KeyObject;
}

/** Sign one leaf; returns the files to commit and its index entry. */
function signLeaf(
  ca: IssuingCa,
  profile: Profile,
  leaf: LeafRequest,
  window: { notBefore: Date; notAfter: Date },
  now: Date,
): { changes: WorkspaceChange[]; entry: IndexEntry } {
  const der = buildCertificate({
    subject: commonNameOnly(leaf.cn),
    issuer: ca.cert.subjectDer,
    spki: publicSpki(leaf.key),
    signingKey: ca.key,
    issuerKeyId: ca.keyId,
    notBefore: window.notBefore,
    notAfter: window.notAfter,
    keyUsage: leafKeyUsage(leaf.key),
    extKeyUsage: profileEku(profile),
    san: leaf.san,
  });
  const cert = parseCertificateDer(der);
  const entry: IndexEntry = {
    ...summarize(cert, { name: leaf.name, kind: profile, hasKey: true, issuerName: ca.entry.name }),
    profile,
    origin: 'issued',
    createdAt: now.toISOString(),
  };
  return {
    entry,
    changes: [
      { path: certPath(leaf.name), data: toPem(der, 'CERTIFICATE') },
      { path: keyPath(leaf.name), data: privateKeyPem(leaf.key), secret: true },
    ],
  };
}

function leafSan(profile: Profile, cn: string, san: string[] | undefined): string[] {
  const entries = sanOption(san, 'san');
  if (profile === 'server' && entries.length === 0) return sanFromCommonName(cn, 'san');
  return entries;
}

export async function issueCertificate(ws: Workspace, options: IssueOptions): Promise<CertificateSummary> {
  const profile = profileOption(options.profile);
  const name = validateName(options.name, 'name');
  const cn = commonNameOption(options.cn, 'cn');
  const san = leafSan(profile, cn, options.san);
  const keyType = keyTypeOption(options.keyType, 'keyType');
  daysOption(options.days);
  const check = (now: Date) => {
    const entries = loadIndex(ws);
    assertNameFree(entries, name);
    const ca = loadIssuingCa(ws, entries, options.ca, 'ca', now);
    return { entries, ca, window: validityWindow(options.days, LEAF_DAYS, ca.cert, ca.entry.name, now) };
  };
  check(new Date());
  const key = await generatePrivateKey(keyType);
  const now = new Date();
  const { entries, ca, window } = check(now);
  const { changes, entry } = signLeaf(ca, profile, { name, cn, san, key }, window, now);
  ws.commit([...changes, indexChange(ws, [...entries, entry])]);
  return toSummary(entry);
}

/**
 * Issue many leaves under one CA in a single commit (all or nothing). Each name is also the CN
 * (a device id); server leaves get their name as their DNS SAN.
 */
export async function issueBatch(ws: Workspace, options: IssueBatchOptions): Promise<CertificateSummary[]> {
  const profile = profileOption(options.profile);
  const keyType = keyTypeOption(options.keyType, 'keyType');
  daysOption(options.days);
  if (!Array.isArray(options.names) || options.names.length === 0) {
    throw new UserError('names: give at least one name', 'BAD_NAME', { field: 'names' });
  }
  const seen = new Set<string>();
  const requests = options.names.map((raw, i) => {
    const name = validateName(raw, `names[${i}]`);
    if (seen.has(name))
      throw new UserError(`names[${i}]: "${name}" appears twice in the list`, 'DUPLICATE_NAME', {
        field: `names[${i}]`,
      });
    seen.add(name);
    return { name, cn: commonNameOption(name, `names[${i}]`), san: leafSan(profile, name, undefined) };
  });
  const check = (now: Date) => {
    const entries = loadIndex(ws);
    requests.forEach((r, i) => assertNameFree(entries, r.name, `names[${i}]`));
    const ca = loadIssuingCa(ws, entries, options.ca, 'ca', now);
    return { entries, ca, window: validityWindow(options.days, LEAF_DAYS, ca.cert, ca.entry.name, now) };
  };
  check(new Date());
  const keys: KeyObject[] = [];
  for (let i = 0; i < requests.length; i++) keys.push(await generatePrivateKey(keyType));
  const now = new Date();
  const { entries, ca, window } = check(now);
  const changes: WorkspaceChange[] = [];
  const added: IndexEntry[] = [];
  requests.forEach((request, i) => {
    const signed = signLeaf(ca, profile, { ...request, key: keys[i]! }, window, now);
    changes.push(...signed.changes);
    added.push(signed.entry);
  });
  ws.commit([...changes, indexChange(ws, [...entries, ...added])]);
  return added.map(toSummary);
}

/**
 * Device ids from pasted text or CSV. A CSV (several lines, each with a `,`, `;` or tab) gives its
 * first column; other text is split on commas, semicolons and white space. Blank lines, `#` comments
 * and a header cell named `name`, `id`, `device`, `device_id` or `cn` on the first line are dropped.
 */
export function parseDeviceList(text: string): string[] {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const csv = lines.length > 1 && lines.every((l) => /[,;\t]/.test(l));
  const out: string[] = [];
  lines.forEach((line, index) => {
    const cells = csv ? [line.split(/[,;\t]/)[0]!] : line.split(/[,;\s]+/);
    for (const cell of cells) {
      const value = cell
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim();
      if (value === '') continue;
      if (index === 0 && /^(name|id|device|device[ _-]?id|cn)$/i.test(value)) continue;
      out.push(value);
    }
  });
  return out;
}
