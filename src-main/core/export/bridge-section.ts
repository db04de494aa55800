import { formatBridge, type ConfBridge } from './conf-access.js';
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
  // The section in the conf module's model, written by its formatter; only the files are export's own.
  const section: ConfBridge = {
    name: bridge.name,
    addresses: [bridge.address],
    topics: bridge.topics.map((topic) => topic.trim()),
  };
  if (bridge.remoteClientId) section.remoteClientId = bridge.remoteClientId;
  if (bridge.remoteUsername) section.remoteUsername = bridge.remoteUsername;
  if (bridge.cleansession !== undefined) section.cleanSession = bridge.cleansession;
  if (bridge.psk) {
    section.identity = bridge.psk.identity;
    section.psk = bridge.psk.key;
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
    section.cafile = joinPath(prefix, `${dir}/ca.crt`);
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
      section.certfile = joinPath(prefix, `${dir}/${bridge.certificate}.crt`);
      section.keyfile = joinPath(prefix, `${dir}/${bridge.certificate}.key`);
    }
  }
  if (bridge.tlsVersion && !bridge.psk) section.tlsVersion = bridge.tlsVersion;
  if (bridge.bridgeAlpn) section.alpn = bridge.bridgeAlpn;
  const lines = [
    `# Bridge "${bridge.name}": this broker connects to ${bridge.address} as a client.`,
    ...formatBridge(section, field),
  ];
  return { text: lines.join('\n'), files };
}
