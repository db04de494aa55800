import { brokerBridgeMethods } from '../contract/broker-bridges.js';
import type { Handlers, ServiceContext } from './handler.js';
import {
  loadWorkspaceBrokerConf,
  WORKSPACE_BROKER_CONF,
  type RunningBroker,
} from '../../core/broker/index.js';
import { resolveBridge, type BridgeStatus } from '../../core/broker/bridge/index.js';
import { saveWorkspaceBridges } from '../../core/broker/bridge/workspace-bridges.js';
import { formatMosquittoConf } from '../../core/conf/index.js';
import { issueCertificate, tlsMaterial, certificateChain } from '../../core/pki/index.js';
import { UserError } from '../../core/user-error.js';
import { listCertificates } from '../../core/pki/index.js';
import type { Workspace } from '../../core/workspace/workspace.js';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';

function firstFingerprint(path: string): string | undefined {
  try {
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(
      readFileSync(path, 'utf8'),
    )?.[0];
    return pem ? new X509Certificate(pem).fingerprint256 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Add the Inspector's route params to a bridge's status: its target, ALPN, minimum TLS version, an MQTT
 * CONNECT, and the workshop CA / certificate whose fingerprints match the bridge's own files.
 */
export function withInspectParams(ws: Workspace, status: BridgeStatus): BridgeStatus {
  const t = status.inspect;
  const params: Record<string, string> = { target: t.target, mqtt: '1' };
  if (t.alpn) params.alpn = t.alpn;
  if (t.tlsMin) params.tlsMin = t.tlsMin;
  if (!t.plain) {
    let certificates: ReturnType<typeof listCertificates> = [];
    try {
      certificates = listCertificates(ws);
    } catch {
      certificates = [];
    }
    const byFingerprint = (path: string | undefined) => {
      const fp = path ? firstFingerprint(path) : undefined;
      return fp ? certificates.find((c) => c.fingerprint256 === fp) : undefined;
    };
    const ca = byFingerprint(t.ca);
    if (ca) params.trust = ca.name;
    const cert = byFingerprint(t.cert);
    if (cert?.hasKey) params.cert = cert.name;
  }
  return { ...status, inspect: { ...t, params } };
}

/** The bridge methods of the broker domain; `running` is the broker the broker handlers started. */
export function brokerBridgeHandlers(
  ctx: ServiceContext,
  running: () => RunningBroker | undefined,
): Handlers<typeof brokerBridgeMethods> {
  const find = (name: string): BridgeStatus => {
    const broker = running();
    if (!broker)
      throw new UserError('the broker is not running: start it to run its bridges', 'BROKER_STOPPED');
    const status = broker.bridges().find((b) => b.name === name);
    if (!status)
      throw new UserError(
        `the running broker has no bridge named "${name}" (no "connection ${name}" section)`,
        'NOT_FOUND',
        {
          field: 'name',
        },
      );
    return status;
  };
  return {
    'broker.bridges': () => (running()?.bridges() ?? []).map((b) => withInspectParams(ctx.workspace, b)),
    'broker.bridgesSave': (p) => saveWorkspaceBridges(ctx.workspace, p.bridges),
    'broker.bridgeStart': (p) => {
      find(p.name);
      running()!.startBridge(p.name);
      return withInspectParams(ctx.workspace, find(p.name));
    },
    'broker.bridgeStop': async (p) => {
      find(p.name);
      await running()!.stopBridge(p.name);
      return withInspectParams(ctx.workspace, find(p.name));
    },
    'broker.bridgeIssueCertificate': async (p) => {
      const ws = ctx.workspace;
      const { conf } = loadWorkspaceBrokerConf(ws);
      const index = conf.bridges.findIndex((b) => b.name === p.bridge);
      if (index < 0) {
        throw new UserError(
          `bridge: the workspace broker settings (${WORKSPACE_BROKER_CONF}) have no bridge named "${p.bridge}"`,
          'NOT_FOUND',
          { field: 'bridge' },
        );
      }
      const section = conf.bridges[index]!;
      if (section.psk) {
        throw new UserError(
          `bridge: "${p.bridge}" uses TLS-PSK (bridge_psk); a certificate would not be used`,
          'BAD_BRIDGE',
          {
            field: 'bridge',
          },
        );
      }
      const name = p.name ?? `bridge-${p.bridge}`;
      const cn = p.cn ?? resolveBridge(conf, index, ws.path('broker')).remoteClientId;
      await issueCertificate(ws, { profile: 'client', ca: p.ca, name, cn });
      const material = tlsMaterial(ws, name);
      const certfile = `${name}.crt`;
      const keyfile = `${name}.key`;
      section.certfile = certfile;
      section.keyfile = keyfile;
      const changes = [
        { path: `broker/${certfile}`, data: material.chain },
        { path: `broker/${keyfile}`, data: material.key, secret: true },
      ];
      let cafile: string | undefined;
      if (!section.cafile && !section.capath) {
        // The remote's server certificate most likely comes from the same workshop chain.
        const root = material.ca || certificateChain(ws, p.ca).ca;
        cafile = `${name}-ca.crt`;
        section.cafile = cafile;
        changes.push({ path: `broker/${cafile}`, data: root });
      }
      changes.push({ path: WORKSPACE_BROKER_CONF, data: formatMosquittoConf(conf) });
      ws.commit(changes);
      return { certificate: name, certfile, keyfile, ...(cafile ? { cafile } : {}) };
    },
  };
}
