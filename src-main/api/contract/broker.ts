// The broker domain's api methods and events. See ../FOUNDATION.md for how to add methods.
import { z } from 'zod';
import { method, returns } from './method.js';
import { brokerBridgeMethods, type BrokerBridgeEvents } from './broker-bridges.js';
import type { LanCertificateGap } from '../../core/broker/lan-certificate.js';
import type {
  BrokerEvent,
  BrokerLocalOptions,
  ConnectedClient,
  ListenerStatus,
} from '../../core/broker/index.js';
import { brokerSettingsMethods, type BrokerSettingsEvents } from './broker-settings.js';

export interface BrokerIssue {
  /** `file:line: message`. */
  text: string;
  file?: string;
  line?: number;
}

export interface BrokerStatus {
  running: boolean;
  /** Where the running (or last) settings came from. */
  source?: 'workspace' | 'file';
  /** The conf file in use: the workspace's broker/mosquitto.conf or the --config file. */
  config?: string;
  startedAt?: string;
  listeners: ListenerStatus[];
  clients: ConnectedClient[];
  /** What validation found that Mosquitto accepts silently. */
  warnings: BrokerIssue[];
  /** The workspace has broker settings (quick start or the Broker view made them). */
  workspaceSettings: boolean;
  /** Why the last start failed, with the file and line (cleared by a successful start). */
  lastError?: BrokerIssue & { code: string };
  /** A peer on the network can reach the running broker (a listener bound beyond loopback). */
  network: boolean;
  /** Refused MQTT 5 clients get our plain-words reason as the Reason String (the workspace's setting). */
  reasonStrings: boolean;
}

export const brokerMethods = {
  ...brokerBridgeMethods,
  'broker.status': method(z.object({}).strict(), returns<BrokerStatus>(), { readonly: true, example: {} }),
  'broker.start': method(
    z
      .object({
        /** A mosquitto.conf to run; without it, the workspace's broker settings. */
        config: z.string().min(1).optional(),
        /** Port of the first TLS listener (or the first listener when none has TLS). */
        port: z.number().int().min(1).max(65535).optional(),
        /**
         * Open the workspace broker to the LAN: listeners without an address bind every interface
         * instead of loopback (127.0.0.1 and ::1). Not with `config` (its listener lines decide).
         */
        lan: z.boolean().optional(),
        /** With `lan`: first re-issue the broker certificate with the addresses `broker.lanCheck` found missing. */
        reissue: z.boolean().optional(),
      })
      .strict(),
    returns<BrokerStatus>(),
  ),
  /** Addresses of this host the workspace broker's certificate does not name (what `lan` + `reissue` would add). */
  'broker.lanCheck': method(z.object({}).strict(), returns<LanCertificateGap[]>(), {
    readonly: true,
    example: {},
  }),
  'broker.stop': method(z.object({}).strict(), returns<BrokerStatus>()),
  /** The local broker's options Mosquitto has no word for (kept outside mosquitto.conf, never exported). */
  'broker.options': method(z.object({}).strict(), returns<BrokerLocalOptions>(), {
    readonly: true,
    example: {},
  }),
  /** Change them: saved in the workspace and applied at once to the running broker. */
  'broker.setOptions': method(
    z.object({ reasonStrings: z.boolean().optional() }).strict(),
    returns<BrokerLocalOptions>(),
  ),
  /** The most recent log entries (oldest first), after `since` (an event `seq`) when given. */
  'broker.events': method(
    z.object({ since: z.number().int().min(0).optional() }).strict(),
    returns<BrokerEvent[]>(),
    { readonly: true, example: {} },
  ),
  ...brokerSettingsMethods,
};

export interface BrokerEvents extends BrokerBridgeEvents, BrokerSettingsEvents {
  /** One entry of the broker's event log, as it happens. */
  'broker.event': BrokerEvent;
  /** The broker started, stopped, or a client came or went. */
  'broker.status': BrokerStatus;
}
