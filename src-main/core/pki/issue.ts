/** `cert issue`: server and client leaves signed by a workspace CA, one at a time or in a batch. */
import { UserError } from '../user-error.js';
import { lockIndex } from './index-lock.js';
import type { Workspace, WorkspaceChange } from '../workspace/workspace.js';
import { commitMany } from '../workspace/bulk-commit.js';
import { buildCertificate, randomSerial } from './certificate-builder.js';
import { fingerprint } from './certificate.js';
import { decodeName } from './distinguished-name.js';
import { encodedName } from './name-encoding.js';
import { OID } from './oids.js';
import { daysOption, loadIssuingCa, validityWindow, type IssuingCa } from './issuing-ca.js';
import { generateEncodedKey, keyTypeOption, type EncodedKey } from './keys.js';
import { toPem } from './pem.js';
import { commonNameOption, leafKeyUsage, profileEku, profileOption } from './profiles.js';
import {
  assertNameFree,
  certPath,
  indexChange,
  keyPath,
  loadIndex,
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
  key: EncodedKey;
}

/** Sign one leaf; returns the files to commit and its index entry. */
function signLeaf(
  ca: IssuingCa,
  profile: Profile,
  leaf: LeafRequest,
  window: { notBefore: Date; notAfter: Date },
  now: Date,
): { changes: WorkspaceChange[]; entry: IndexEntry } {
  const serial = randomSerial();
  const subject = encodedName([[OID.commonName, leaf.cn]]);
  const der = buildCertificate({
    serial,
    subject: subject.name,
    issuer: ca.cert.subjectDer,
    spki: leaf.key.spki,
    ...(leaf.key.publicKeyBits ? { publicKeyBits: leaf.key.publicKeyBits } : {}),
    signingKey: ca.key,
    issuerKeyId: ca.keyId,
    notBefore: window.notBefore,
    notAfter: window.notAfter,
    keyUsage: leafKeyUsage(leaf.key.keyType.startsWith('rsa')),
    extKeyUsage: profileEku(profile),
    san: leaf.san,
  });
  // The summary from the values we just encoded, not from parsing our own DER back (a test checks it
  // equals the one parsed back from the file, for names that need RFC 2253 escapes too).
  const entry: IndexEntry = {
    name: leaf.name,
    kind: profile,
    cn: leaf.cn,
    subject: decodeName(subject.view).rfc2253,
    issuer: ca.cert.subject.rfc2253,
    issuerName: ca.entry.name,
    serial: serial.toString('hex').toUpperCase(),
    fingerprint256: fingerprint(der, 'sha256'),
    notBefore: window.notBefore.toISOString(),
    notAfter: window.notAfter.toISOString(),
    keyType: leaf.key.keyType,
    hasKey: true,
    isCa: false,
    san: [...leaf.san],
    profile,
    origin: 'issued',
    createdAt: now.toISOString(),
  };
  return {
    entry,
    changes: [
      { path: certPath(leaf.name), data: toPem(der, 'CERTIFICATE') },
      { path: keyPath(leaf.name), data: leaf.key.privatePem, secret: true },
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
  const key = await generateEncodedKey(keyType);
  const now = new Date();
  const release = lockIndex(ws);
  try {
    const { entries, ca, window } = check(now);
    const { changes, entry } = signLeaf(ca, profile, { name, cn, san, key }, window, now);
    ws.commit([...changes, indexChange(ws, [...entries, entry])]);
    return toSummary(entry);
  } finally {
    release();
  }
}

/**
 * Issue many leaves under one CA in a single commit (all or nothing). Each name is a device id: the
 * CN, and the workspace name after the optional prefix; server leaves get it as their DNS SAN.
 */
export async function issueBatch(ws: Workspace, options: IssueBatchOptions): Promise<CertificateSummary[]> {
  const profile = profileOption(options.profile);
  const keyType = keyTypeOption(options.keyType, 'keyType');
  daysOption(options.days);
  if (!Array.isArray(options.names) || options.names.length === 0) {
    throw new UserError('names: give at least one name', 'BAD_NAME', { field: 'names' });
  }
  const prefix = options.prefix ?? '';
  if (prefix !== '') validateName(prefix + 'x', 'prefix');
  const seen = new Set<string>();
  const requests = options.names.map((raw, i) => {
    const cn = commonNameOption(raw, `names[${i}]`);
    const name = validateName(prefix + raw, `names[${i}]`);
    if (seen.has(name))
      throw new UserError(`names[${i}]: "${name}" appears twice in the list`, 'DUPLICATE_NAME', {
        field: `names[${i}]`,
      });
    seen.add(name);
    return { name, cn, san: leafSan(profile, cn, undefined) };
  });
  const check = (now: Date) => {
    const entries = loadIndex(ws);
    requests.forEach((r, i) => assertNameFree(entries, r.name, `names[${i}]`));
    const ca = loadIssuingCa(ws, entries, options.ca, 'ca', now);
    return { entries, ca, window: validityWindow(options.days, LEAF_DAYS, ca.cert, ca.entry.name, now) };
  };
  check(new Date());
  const keys: EncodedKey[] = [];
  for (let i = 0; i < requests.length; i++) {
    keys.push(await generateEncodedKey(keyType));
    if ((i + 1) % 100 === 0 || i + 1 === requests.length) options.onProgress?.(i + 1, requests.length);
  }
  const now = new Date();
  const release = lockIndex(ws);
  try {
    const { entries, ca, window } = check(now);
    const changes: WorkspaceChange[] = [];
    const added: IndexEntry[] = [];
    requests.forEach((request, i) => {
      const signed = signLeaf(ca, profile, { ...request, key: keys[i]! }, window, now);
      changes.push(...signed.changes);
      added.push(signed.entry);
    });
    // Many files: flushed together instead of one fsync each, with the same all-or-nothing guarantee.
    await commitMany(ws, [...changes, indexChange(ws, [...entries, ...added])]);
    return added.map(toSummary);
  } finally {
    release();
  }
}

/**
 * Device ids from pasted text or CSV. A CSV (several lines, each with a `,`, `;` or tab) gives its
 * first column; other text is split on commas, semicolons and white space. Blank lines, `#` comments
 * and a header cell named `name`, `id`, `device`, `device_id` or `cn` on the first line are dropped.
 */
export function parseDeviceList(text: string): string[] {
  return parseDeviceLines(text).map((d) => d.id);
}

/** parseDeviceList with the (1-based) line of each id, for messages. */
export function parseDeviceLines(text: string): Array<{ id: string; line: number }> {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l, i) => ({ text: l.trim(), line: i + 1 }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
  const csv = lines.length > 1 && lines.every((l) => /[,;\t]/.test(l.text));
  const out: Array<{ id: string; line: number }> = [];
  lines.forEach(({ text: line, line: number }, index) => {
    const cells = csv ? [line.split(/[,;\t]/)[0]!] : line.split(/[,;\s]+/);
    for (const cell of cells) {
      const value = cell
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim();
      if (value === '') continue;
      if (index === 0 && /^(name|id|device|device[ _-]?id|cn)$/i.test(value)) continue;
      out.push({ id: value, line: number });
    }
  });
  return out;
}
