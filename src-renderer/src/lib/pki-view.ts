/** Pure helpers of the Certificates view: status, the CA tree, labels, file reading. */
import type { CertificateSummary } from '../../../src-main/core/pki/types.js';
import {
  KEY_TYPE_LABELS,
  KEY_TYPE_VALUES,
  REVOCATION_REASON_VALUES,
} from '../../../src-main/api/contract/pki-values.js';

export type CertStatus = 'valid' | 'expiring' | 'expired' | 'revoked' | 'not-yet-valid';

export const EXPIRING_DAYS = 30;
const DAY = 86_400_000;

export function statusOf(c: CertificateSummary, now = Date.now()): CertStatus {
  if (c.revoked) return 'revoked';
  if (Date.parse(c.notAfter) < now) return 'expired';
  if (Date.parse(c.notBefore) > now) return 'not-yet-valid';
  if (Date.parse(c.notAfter) - now < EXPIRING_DAYS * DAY) return 'expiring';
  return 'valid';
}

export const STATUS_BADGE: Record<CertStatus, string> = {
  valid: 'ok',
  expiring: 'warn',
  expired: 'err',
  revoked: 'err',
  'not-yet-valid': 'warn',
};

export const KIND_LABEL: Record<CertificateSummary['kind'], string> = {
  'root-ca': 'Root CA',
  'intermediate-ca': 'Intermediate CA',
  server: 'Server',
  client: 'Client',
  imported: 'Imported',
};

export const KEY_LABEL: Record<string, string> = KEY_TYPE_LABELS;

/** The workshop's key types and revocation reasons, as the api takes them. */
export const KEY_TYPES = KEY_TYPE_VALUES;
export type KeyTypeValue = (typeof KEY_TYPES)[number];
export const REASONS = REVOCATION_REASON_VALUES;

export interface TreeNode {
  cert: CertificateSummary;
  depth: number;
  /** Names of its children, for aria-expanded. */
  children: number;
}

/** The CA hierarchy flattened depth-first (roots and orphans at depth 0), children sorted CA-first. */
export function buildTree(list: CertificateSummary[]): TreeNode[] {
  const byIssuer = new Map<string, CertificateSummary[]>();
  const names = new Set(list.map((c) => c.name));
  const tops: CertificateSummary[] = [];
  for (const c of list) {
    if (c.issuerName && names.has(c.issuerName) && c.issuerName !== c.name) {
      const siblings = byIssuer.get(c.issuerName) ?? [];
      siblings.push(c);
      byIssuer.set(c.issuerName, siblings);
    } else tops.push(c);
  }
  const order = (a: CertificateSummary, b: CertificateSummary) =>
    Number(b.isCa) - Number(a.isCa) || a.name.localeCompare(b.name, undefined, { numeric: true });
  const out: TreeNode[] = [];
  const seen = new Set<string>();
  const walk = (c: CertificateSummary, depth: number) => {
    if (seen.has(c.name)) return;
    seen.add(c.name);
    const children = (byIssuer.get(c.name) ?? []).sort(order);
    out.push({ cert: c, depth, children: children.length });
    for (const child of children) walk(child, depth + 1);
  };
  for (const top of tops.sort(order)) walk(top, 0);
  return out;
}

export function formatDate(iso: string): string {
  return iso.slice(0, 10);
}

/** `2026-11-22 11:18:59 UTC` */
export function formatDateTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

export function daysLeft(iso: string, now = Date.now()): number {
  return Math.floor((Date.parse(iso) - now) / DAY);
}

export function relative(iso: string, now = Date.now()): string {
  const days = daysLeft(iso, now);
  if (days < 0) return `expired ${-days} day${days === -1 ? '' : 's'} ago`;
  if (days < 60) return `in ${days} day${days === 1 ? '' : 's'}`;
  if (days < 730) return `in ${Math.round(days / 30)} months`;
  return `in ${Math.round(days / 365)} years`;
}

/** File bytes as base64, for the api (files cross the transport as base64). */
export async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A workspace name from a file name (`broker.crt` → `broker`). */
export function nameFromFile(fileName: string): string {
  return (
    fileName
      .replace(/\.(crt|cer|pem|der|p12|pfx|key)$/i, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[.-]+/, '')
      .slice(0, 64) || 'imported'
  );
}

/** `dns:a, ip:b` text → entries (commas, spaces or new lines). */
export function parseSans(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
