// The broker domain's bridge methods and events (the `connection` sections the broker runs).
import { z } from 'zod';
import { method, returns } from './method.js';
import type { BridgeStatus } from '../../core/broker/bridge/index.js';
import type { BridgeSettings as EditorBridge } from '../../core/export/index.js';
import { exportBridgeSchema } from './export.js';

export interface BridgeCertificateIssued {
  /** The workshop certificate made for the bridge. */
  certificate: string;
  /** The conf lines written (relative to broker/). */
  certfile: string;
  keyfile: string;
  cafile?: string;
}

const bridgeName = z.string().min(1).max(64);

export const brokerBridgeMethods = {
  /** Every bridge of the running broker (empty when it is not running). */
  'broker.bridges': method(z.object({}).strict(), returns<BridgeStatus[]>(), { readonly: true, example: {} }),
  /**
   * Save the bridge editor's list (Broker and Export views): export.json, and the `connection` sections
   * of the workspace broker's conf with their files — a running workspace broker picks them up at once.
   */
  'broker.bridgesSave': method(
    z.object({ bridges: z.array(exportBridgeSchema).max(50) }).strict(),
    returns<EditorBridge[]>(),
  ),
  'broker.bridgeStart': method(z.object({ name: bridgeName }).strict(), returns<BridgeStatus>()),
  'broker.bridgeStop': method(z.object({ name: bridgeName }).strict(), returns<BridgeStatus>()),
  /**
   * Issue a client certificate for a bridge of the workspace broker from a workshop CA the remote
   * trusts, and point the bridge's bridge_certfile/keyfile at it (bridge_cafile too when it has none):
   * the bridge restarts with it.
   */
  'broker.bridgeIssueCertificate': method(
    z
      .object({
        bridge: bridgeName,
        /** The workshop CA the remote broker trusts. */
        ca: z.string().min(1),
        /** Certificate name (default `bridge-<bridge>`). */
        name: z.string().min(1).optional(),
        /** Common name (default: the bridge's remote client id). */
        cn: z.string().min(1).optional(),
      })
      .strict(),
    returns<BridgeCertificateIssued>(),
  ),
};

export interface BrokerBridgeEvents {
  /** A bridge's state or counters changed. */
  'broker.bridge': BridgeStatus;
}
