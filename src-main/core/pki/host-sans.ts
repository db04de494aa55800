/**
 * The host names and addresses a user types for a server (`broker.lan, 192.168.1.50`) as SAN entries:
 * an IP address becomes `ip:`, a name `dns:`; `dns:`/`ip:`/`email:`/`uri:` written out are kept.
 */
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { UserError } from '../user-error.js';
import { hostAddresses } from '../broker/bind-hosts.js';
import { sanOption } from './subject-alt-names.js';

const KIND = /^(dns|ip|email|uri):/i;

/** One typed entry as a SAN entry (not yet checked): `ip:` for an address, `dns:` for anything else. */
function inferEntry(token: string, field: string): string {
  const bare = token.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return `ip:${bare}`;
  if (KIND.test(token)) return token;
  if (/^[\d.]+$/.test(token)) {
    throw new UserError(`${field}: "${token}" is not a valid IP address`, 'BAD_SAN', { field });
  }
  if (token.includes(':')) {
    throw new UserError(
      `${field}: "${token}" is neither a host name nor an IP address (write dns:NAME or ip:ADDRESS)`,
      'BAD_SAN',
      { field },
    );
  }
  return `dns:${token}`;
}

/**
 * SAN entries from typed text: entries separated by commas, semicolons or white space, each a host
 * name, an IPv4/IPv6 address or a `kind:value`. Checked and normalised (lower-case kinds, compressed
 * IPv6, no duplicates); a bad entry throws a UserError naming `field` and the entry.
 */
export function sansFromHosts(text: string, field = 'hosts'): string[] {
  const tokens = text
    .split(/[\s,;]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  const out: string[] = [];
  for (const token of tokens) {
    for (const entry of sanOption([inferEntry(token, field)], field))
      if (!out.includes(entry)) out.push(entry);
  }
  return out;
}

/** This machine's names and addresses, to offer as a server's SANs: localhost and loopback first. */
export function machineHostNames(): string[] {
  const out = ['localhost'];
  const host = hostname().trim().toLowerCase();
  if (host && host !== 'localhost' && /^[a-z0-9.-]+$/.test(host)) out.push(host);
  for (const { address } of hostAddresses()) if (!out.includes(address)) out.push(address);
  for (const loop of ['127.0.0.1', '::1']) if (!out.includes(loop)) out.push(loop);
  return out;
}
