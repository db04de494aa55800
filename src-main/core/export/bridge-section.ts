import { UserError } from '../user-error.js';
import type { Workspace } from '../workspace/workspace.js';
import type { BundleFile } from './bundle.js';
import type { BridgeSettings } from './export-settings.js';
import { certificateChain, listCertificates, tlsMaterial } from './workshop.js';

/**
 * A `connection` section of mosquitto.conf that bridges this (site) broker to a central one, with the
 * files it names: the central broker's CA, and the bridge's own certificate chain and key, issued by
 * the workshop like any client certificate.
 */
export interface BridgeOutput {
  /** The section's lines (no trailing newline). */
  text: string;
  files: BundleFile[];
}

function joinPath(prefix: string, path: string): string {
  return prefix.replace(/\/+$/, '') + '/' + path;
}

/** The root (trust anchor) of a workshop certificate's chain, or the certificate itself when it is a root. */
function rootOf(ws: Workspace, name: string, field: string): string {
  const chain = certificateChain(ws, name);
  const root = chain.ca || (chain.complete ? chain.cert : '');
  if (!root) {
    throw new UserError(`${field}: the workshop does not hold the root CA of "${name}"`, 'BRIDGE_NO_CA', {
      field,
    });
  }
  return root;
}

export function bridgeSection(
  ws: Workspace,
  bridge: BridgeSettings,
  prefix: string,
  field: string,
): BridgeOutput {
  const files: BundleFile[] = [];
  const dir = `bridges/${bridge.name}`;
  const lines = [
    `# Bridge "${bridge.name}": this broker connects to ${bridge.address} as a client.`,
    `connection ${bridge.name}`,
  ];
  lines.push(`address ${bridge.address}`);
  for (const topic of bridge.topics) lines.push(`topic ${topic.trim()}`);
  if (bridge.remoteClientId) lines.push(`remote_clientid ${bridge.remoteClientId}`);
  if (bridge.remoteUsername) lines.push(`remote_username ${bridge.remoteUsername}`);
  if (bridge.cleansession !== undefined) lines.push(`cleansession ${bridge.cleansession}`);
  if (bridge.psk) {
    lines.push(`bridge_identity ${bridge.psk.identity}`, `bridge_psk ${bridge.psk.key}`);
  } else if (bridge.certificate || bridge.ca) {
    const known = new Set(listCertificates(ws).map((c) => c.name));
    for (const [key, value] of [
      ['certificate', bridge.certificate],
      ['ca', bridge.ca],
    ] as const) {
      if (value !== undefined && !known.has(value)) {
        throw new UserError(`${field}.${key}: no certificate named "${value}" in the workshop`, 'NOT_FOUND', {
          field: `${field}.${key}`,
        });
      }
    }
    const caPem = bridge.ca
      ? rootOf(ws, bridge.ca, `${field}.ca`)
      : rootOf(ws, bridge.certificate!, `${field}.certificate`);
    files.push({
      path: `${dir}/ca.crt`,
      data: caPem,
      mode: 0o644,
      kind: 'bridge-ca',
      description: `the CA this bridge trusts the central broker with`,
    });
    lines.push(`bridge_cafile ${joinPath(prefix, `${dir}/ca.crt`)}`);
    if (bridge.certificate) {
      const material = tlsMaterial(ws, bridge.certificate);
      files.push({
        path: `${dir}/${bridge.certificate}.crt`,
        data: material.chain,
        mode: 0o644,
        kind: 'bridge-cert',
        description: `the bridge's client certificate "${bridge.certificate}" and its intermediates`,
      });
      files.push({
        path: `${dir}/${bridge.certificate}.key`,
        data: material.key,
        mode: 0o600,
        kind: 'bridge-key',
        description: `the bridge's private key`,
      });
      lines.push(
        `bridge_certfile ${joinPath(prefix, `${dir}/${bridge.certificate}.crt`)}`,
        `bridge_keyfile ${joinPath(prefix, `${dir}/${bridge.certificate}.key`)}`,
      );
    }
  }
  if (bridge.tlsVersion && !bridge.psk) lines.push(`bridge_tls_version ${bridge.tlsVersion}`);
  if (bridge.bridgeAlpn) lines.push(`bridge_alpn ${bridge.bridgeAlpn}`);
  return { text: lines.join('\n'), files };
}
