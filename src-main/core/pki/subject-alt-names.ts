/** Subject alternative names as users write them: `dns:host`, `ip:addr` (also `email:`, `uri:`). */
import { isIP } from 'node:net';
import { UserError } from '../user-error.js';
import { DerError } from './der.js';
import { formatIp, generalName, ipBytes } from './extensions.js';

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
      generalName(normalised);
    } catch (error) {
      if (error instanceof DerError) {
        throw new UserError(`${field}: ${error.message}`, 'BAD_SAN', { field });
      }
      throw error;
    }
    if (!out.includes(normalised)) out.push(normalised);
  }
  return out;
}

/** The SAN a server gets from its CN when none was given: `ip:` for an address, else `dns:`. */
export function sanFromCommonName(cn: string, field = 'san'): string[] {
  if (isIP(cn)) return [`ip:${formatIp(ipBytes(cn))}`];
  try {
    generalName(`dns:${cn}`);
  } catch {
    throw new UserError(
      `${field}: a server certificate needs a subject alternative name and the CN "${cn}" is not a host name; give dns:HOST or ip:ADDRESS`,
      'BAD_SAN',
      { field },
    );
  }
  return [`dns:${cn.toLowerCase()}`];
}
