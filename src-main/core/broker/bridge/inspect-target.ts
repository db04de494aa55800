import { isAbsolute, resolve } from 'node:path';
import type { BridgeAddress, ResolvedBridge } from './bridge-settings.js';
import type { BridgeInspectTarget } from './bridge-status.js';

export function addressText(address: BridgeAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** The inspector's settings for the remote, taken from the bridge's own (absolute paths). */
export function inspectTarget(bridge: ResolvedBridge, address: BridgeAddress): BridgeInspectTarget {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(bridge.baseDir, p));
  const t = bridge.tls;
  const target: BridgeInspectTarget = { target: addressText(address) };
  if (!t.cafile && !t.capath && !t.psk) {
    target.plain = true;
    return target;
  }
  if (t.cafile) target.ca = abs(t.cafile);
  if (t.certfile && t.keyfile) {
    target.cert = abs(t.certfile);
    target.key = abs(t.keyfile);
  }
  if (t.alpn) target.alpn = t.alpn;
  if (t.tlsVersion === 'tlsv1.3') target.tlsMin = '1.3';
  else target.tlsMin = '1.2';
  return target;
}
