/** Subject alternative names as users write them: `dns:host`, `ip:addr` (also `email:`, `uri:`). */
import { isIP } from 'node:net';
import { UserError } from '../user-error.js';
import { formatIp, ipBytes } from './ip-address.js';

export type SanKind = 'dns' | 'ip' | 'email' | 'uri';

const DNS_NAME =
  /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
// rfc822Name and URI are IA5Strings: printable ASCII only here.
const IA5 = /^[\x20-\x7e]*$/;

/** Split `kind:value` and check it; throws an Error whose message says what is wrong. */
export function sanEntry(entry: string): { kind: SanKind; value: string } {
  const colon = entry.indexOf(':');
  const kind = colon > 0 ? entry.slice(0, colon).toLowerCase() : '';
  const value = colon > 0 ? entry.slice(colon + 1).trim() : '';
  if (!value) throw new Error(`"${entry}" is not kind:value (dns:host or ip:address)`);
  switch (kind) {
    case 'dns':
      if (!DNS_NAME.test(value)) throw new Error(`"${value}" is not a DNS name`);
      return { kind, value };
    case 'ip':
      ipBytes(value);
      return { kind, value };
    case 'email':
    case 'uri':
      if (!IA5.test(value)) throw new Error(`"${value}": an ${kind} name must be ASCII`);
      return { kind, value };
    default:
      throw new Error(`"${entry}": the kind must be dns, ip, email or uri`);
  }
}

/** Normalise and check SAN entries (`DNS:x` → `dns:x`, IPv6 compressed). Errors name the field. */
export function sanOption(entries: string[] | undefined, field = 'san'): string[] {
  if (!entries) return [];
  const out: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const kind = colon > 0 ? entry.slice(0, colon).toLowerCase() : '';
    const value = colon > 0 ? entry.slice(colon + 1).trim() : '';
    const normalised = kind === 'ip' && isIP(value) ? `ip:${formatIp(ipBytes(value))}` : `${kind}:${value}`;
    try {
      sanEntry(normalised);
    } catch (error) {
      throw new UserError(`${field}: ${(error as Error).message}`, 'BAD_SAN', { field });
    }
    if (!out.includes(normalised)) out.push(normalised);
  }
  return out;
}

/** The SAN a server gets from its CN when none was given: `ip:` for an address, else `dns:`. */
export function sanFromCommonName(cn: string, field = 'san'): string[] {
  if (isIP(cn)) return [`ip:${formatIp(ipBytes(cn))}`];
  try {
    sanEntry(`dns:${cn}`);
  } catch {
    throw new UserError(
      `${field}: a server certificate needs a subject alternative name and the CN "${cn}" is not a host name; give dns:HOST or ip:ADDRESS`,
      'BAD_SAN',
      { field },
    );
  }
  return [`dns:${cn.toLowerCase()}`];
}
