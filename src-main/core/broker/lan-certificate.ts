import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { hasCertificateTls, type MosquittoConf } from '../conf/index.js';
import { certificateChain, listCertificates, reissueCertificate } from '../pki/index.js';
import { pemCertificateBlocks } from '../text-scan.js';
import type { Workspace } from '../workspace/workspace.js';
import { hostAddresses, isLoopbackAddress } from './bind-hosts.js';

/**
 * Opening the workspace broker to the LAN: the network addresses of this host its certificate does not
 * name (a client connecting to 192.168.1.5 would fail the host name check), and re-issuing that
 * certificate (same name, CA and key) with them added.
 */
export interface LanCertificateGap {
  /** The workspace certificate the broker's certfile holds. */
  name: string;
  /** The certfile, relative to the workspace (`broker/server.crt`). */
  certfile: string;
  /** Addresses of this host missing from its subject alternative names. */
  missing: string[];
}

/** One spelling per address (`FD00:0:0:0:0:0:0:2`, as Node prints a SAN, is `fd00::2`). */
export function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

/** The certificate gaps of the workspace broker's TLS listeners (empty when all addresses are named). */
export function lanCertificateGaps(ws: Workspace, conf: MosquittoConf, baseDir: string): LanCertificateGap[] {
  const addresses = hostAddresses()
    .map((a) => a.address)
    .filter((a) => !isLoopbackAddress(a));
  const gaps: LanCertificateGap[] = [];
  const seen = new Set<string>();
  const known = listCertificates(ws);
  for (const listener of conf.listeners) {
    if (!hasCertificateTls(listener) || !listener.certfile) continue;
    const path = resolve(baseDir, listener.certfile);
    const rel = relative(ws.dir, path);
    if (rel.startsWith('..') || seen.has(rel)) continue;
    seen.add(rel);
    let leaf: X509Certificate;
    try {
      const first = pemCertificateBlocks(readFileSync(path, 'utf8'))[0];
      if (!first) continue;
      leaf = new X509Certificate(first);
    } catch {
      continue;
    }
    const entry = known.find((c) => c.fingerprint256 === leaf.fingerprint256);
    if (!entry) continue;
    const named = new Set(
      (leaf.subjectAltName ?? '')
        .split(', ')
        .filter((s) => s.startsWith('IP Address:'))
        .map((s) => canonicalIp(s.slice('IP Address:'.length))),
    );
    const missing = addresses.filter((a) => !named.has(canonicalIp(a)));
    if (missing.length > 0) gaps.push({ name: entry.name, certfile: rel.split(sep).join('/'), missing });
  }
  return gaps;
}

/** Re-issue each certificate with its missing addresses and put the new leaf into the broker's certfile. */
export function reissueForLan(ws: Workspace, gaps: LanCertificateGap[]): void {
  for (const gap of gaps) {
    reissueCertificate(ws, { name: gap.name, addSan: gap.missing.map((a) => `ip:${a}`) });
    const leaf = certificateChain(ws, gap.name).cert.trim() + '\n';
    const old = readFileSync(ws.path(gap.certfile), 'utf8');
    const blocks = pemCertificateBlocks(old);
    const rest = blocks.slice(1).map((b) => b + '\n');
    ws.commit([{ path: gap.certfile, data: leaf + rest.join('') }]);
  }
}
