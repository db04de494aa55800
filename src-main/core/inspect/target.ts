/** Parse what a user types as the inspector's target: `host:port`, `[v6]:port` or an mqtt(s)/ws(s) URL. */
import { UserError } from '../user-error.js';
import type { ProbeTarget, TargetScheme } from './types.js';

const DEFAULT_PORTS: Record<TargetScheme, number> = { mqtts: 8883, mqtt: 1883, wss: 443, ws: 80 };

function parsePort(text: string, input: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new UserError(`target: "${input}" has no valid port (1-65535)`, 'BAD_TARGET', { field: 'target' });
  }
  return port;
}

function display(scheme: TargetScheme, host: string, port: number, path: string): string {
  const hostPart = host.includes(':') ? `[${host}]` : host;
  if (scheme === 'mqtts') return `${hostPart}:${port}`;
  return `${scheme}://${hostPart}:${port}${scheme === 'ws' || scheme === 'wss' ? path : ''}`;
}

export function parseTarget(input: string): ProbeTarget {
  const text = input.trim();
  if (!text)
    throw new UserError('target: give HOST:PORT or a URL like wss://host:443/mqtt', 'BAD_TARGET', {
      field: 'target',
    });
  const schemeMatch = /^([a-z0-9+.-]+):\/\//i.exec(text);
  if (schemeMatch) {
    const scheme = schemeMatch[1]!.toLowerCase().replace(/^ssl$/, 'mqtts').replace(/^tls$/, 'mqtts');
    if (!(scheme in DEFAULT_PORTS)) {
      throw new UserError(
        `target: scheme "${schemeMatch[1]}" is not one of mqtts, mqtt, wss, ws`,
        'BAD_TARGET',
        { field: 'target' },
      );
    }
    let url: URL;
    try {
      url = new URL(text.replace(/^[a-z0-9+.-]+:\/\//i, 'http://'));
    } catch {
      throw new UserError(`target: "${input}" is not a valid URL`, 'BAD_TARGET', { field: 'target' });
    }
    const typed = scheme as TargetScheme;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!host) throw new UserError(`target: "${input}" has no host`, 'BAD_TARGET', { field: 'target' });
    const port = url.port ? parsePort(url.port, input) : DEFAULT_PORTS[typed];
    const path =
      typed === 'ws' || typed === 'wss' ? (url.pathname === '/' ? '/mqtt' : url.pathname) + url.search : '';
    return { scheme: typed, host, port, path, display: display(typed, host, port, path) };
  }
  const bracketed = /^\[([^\]]+)\]:(.+)$/.exec(text);
  const plain = /^([^:\s]+):([^:]+)$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) {
    throw new UserError(
      `target: "${input}" is not HOST:PORT (write IPv6 as [::1]:8883, or use a URL like wss://host/mqtt)`,
      'BAD_TARGET',
      { field: 'target' },
    );
  }
  const host = match[1]!;
  const port = parsePort(match[2]!, input);
  return { scheme: 'mqtts', host, port, path: '', display: display('mqtts', host, port, '') };
}
