/** Key usages and extended key usages for each kind of certificate we issue. */
import { UserError } from '../user-error.js';
import { OID, type KeyUsageName } from './oids.js';
import type { Profile } from './types.js';

export const CA_KEY_USAGE: KeyUsageName[] = ['keyCertSign', 'cRLSign'];

/** digitalSignature for every leaf; keyEncipherment too for RSA (TLS 1.2 RSA key exchange). */
export function leafKeyUsage(rsa: boolean): KeyUsageName[] {
  return rsa ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
}

export function profileEku(profile: Profile): string[] {
  return profile === 'server' ? [OID.serverAuth] : [OID.clientAuth];
}

export function profileOption(profile: unknown, field = 'profile'): Profile {
  if (profile !== 'server' && profile !== 'client') {
    throw new UserError(`${field}: must be "server" or "client", not "${String(profile)}"`, 'BAD_PROFILE', {
      field,
    });
  }
  return profile;
}

/** A common name: 1 to 64 characters (the X.520 upper bound), no control characters. */
export function commonNameOption(cn: unknown, field = 'cn'): string {
  if (typeof cn !== 'string' || cn.trim() === '') {
    throw new UserError(`${field}: a common name is required`, 'BAD_CN', { field });
  }
  // eslint-disable-next-line no-control-regex
  if ([...cn].length > 64 || /[\u0000-\u001f\u007f]/.test(cn)) {
    throw new UserError(`${field}: "${cn}" must be 1 to 64 characters without control characters`, 'BAD_CN', {
      field,
    });
  }
  return cn;
}
