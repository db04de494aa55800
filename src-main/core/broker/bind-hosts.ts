import { networkInterfaces } from 'node:os';

/**
 * Where a listener binds and what URLs it prints. The workspace broker binds loopback (127.0.0.1 and
 * ::1) unless opened to the LAN; a conf run with `--config` binds as Mosquitto does (every interface
 * when its `listener` line names no address). The printed URLs are always the real socket addresses,
 * a wildcard bind expanded to every address of this host.
 */
export type DefaultBind = 'loopback' | 'any';

export const LOOPBACK_HOSTS = ['127.0.0.1', '::1'] as const;

/** The hosts to listen on: undefined means every interface (Node binds `::`, dual-stack, or 0.0.0.0). */
export function bindHosts(bindAddress: string | undefined, defaultBind: DefaultBind): (string | undefined)[] {
  if (bindAddress) return [bindAddress];
  return defaultBind === 'loopback' ? [...LOOPBACK_HOSTS] : [undefined];
}

export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^::ffff:/, '');
  return a === '::1' || a.startsWith('127.') || a === 'localhost';
}

export function isWildcardAddress(address: string): boolean {
  return address === '::' || address === '0.0.0.0';
}

/** Every address of this host a peer can reach (IPv6 link-local left out: it needs a zone). */
export function hostAddresses(): { address: string; family: 'IPv4' | 'IPv6' }[] {
  const out: { address: string; family: 'IPv4' | 'IPv6' }[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) {
      if (nic.family === 'IPv6' && /^fe[89ab]/i.test(nic.address)) continue;
      out.push({ address: nic.address, family: nic.family === 'IPv6' ? 'IPv6' : 'IPv4' });
    }
  }
  // Loopback first (127.0.0.1, then ::1), then IPv4, then IPv6.
  const rank = (a: { address: string; family: string }) =>
    (isLoopbackAddress(a.address) ? 0 : 2) + (a.family === 'IPv4' ? 0 : 1);
  return out.sort((x, y) => rank(x) - rank(y));
}

/** The addresses a bound socket answers on: itself, or every host address for a wildcard bind. */
export function reachableAddresses(bound: { address: string; family: string }): string[] {
  if (!isWildcardAddress(bound.address)) return [bound.address];
  // `::` is dual-stack on Linux (IPv4 too); `0.0.0.0` only IPv4.
  return hostAddresses()
    .filter((a) => bound.address === '::' || a.family === 'IPv4')
    .map((a) => a.address);
}

export function urlOf(scheme: string, address: string, port: number): string {
  return `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
