/**
 * Host name and IP checks against a certificate, as OpenSSL's X509_check_host / X509_check_ip do
 * (what `openssl verify -verify_hostname/-verify_ip`, Mosquitto's clients and Node all follow):
 * DNS SANs first, the CN only when there is no DNS SAN; IPs only against IP SANs.
 */
import { isIP } from 'node:net';
import type { ParsedCertificate } from './certificate-parser.js';
import { commonNameOf } from './distinguished-name.js';
import { formatIp, ipBytes } from './ip-address.js';

function matchesPattern(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.includes('*')) return p === h;
  // One wildcard, in the left-most label only, and not for a top-level or a bare second-level label.
  const dot = p.indexOf('.');
  if (dot < 0 || p.indexOf('*') > dot || p.split('*').length > 2) return false;
  const rest = p.slice(dot);
  if (rest.split('.').length < 3) return false;
  const hostDot = h.indexOf('.');
  if (hostDot <= 0 || h.slice(hostDot) !== rest) return false;
  const label = h.slice(0, hostDot);
  const [prefix, suffix] = p.slice(0, dot).split('*') as [string, string];
  if (label.startsWith('xn--') && (prefix || suffix)) return false;
  return label.length >= prefix.length + suffix.length && label.startsWith(prefix) && label.endsWith(suffix);
}

export interface HostCheck {
  ok: boolean;
  /** What the host was compared with. */
  against: string[];
  /** Set when the name is only in the CN (clients that ignore the CN will refuse it). */
  cnOnly?: boolean;
}

export function checkHost(cert: ParsedCertificate, host: string): HostCheck {
  const san = cert.ext.subjectAltName;
  if (isIP(host)) {
    const wanted = formatIp(ipBytes(host));
    const ips = san?.ips ?? [];
    const ok = ips.includes(wanted);
    const cn = commonNameOf(cert.subject);
    return { ok, against: ips.map((ip) => `ip:${ip}`), ...(!ok && cn === host ? { cnOnly: true } : {}) };
  }
  const dns = san?.dns ?? [];
  if (dns.length > 0)
    return { ok: dns.some((d) => matchesPattern(d, host)), against: dns.map((d) => `dns:${d}`) };
  const cns = cert.subject.attributes.filter((a) => a.oid === '2.5.4.3').map((a) => a.value);
  const ok = cns.some((cn) => matchesPattern(cn, host));
  return { ok, against: cns.map((cn) => `CN=${cn}`), ...(ok ? { cnOnly: true } : {}) };
}
