// The broker domain's api methods and events. See ../FOUNDATION.md for how to add methods.
import { z } from 'zod';
import { method, returns } from './method.js';
import { brokerBridgeMethods, type BrokerBridgeEvents } from './broker-bridges.js';
import type { BrokerEvent, ConnectedClient, ListenerStatus } from '../../core/broker/index.js';

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
      })
      .strict(),
    returns<BrokerStatus>(),
  ),
  'broker.stop': method(z.object({}).strict(), returns<BrokerStatus>()),
  /** The most recent log entries (oldest first), after `since` (an event `seq`) when given. */
  'broker.events': method(
    z.object({ since: z.number().int().min(0).optional() }).strict(),
    returns<BrokerEvent[]>(),
    { readonly: true, example: {} },
  ),
};

export interface BrokerEvents extends BrokerBridgeEvents {
  /** One entry of the broker's event log, as it happens. */
  'broker.event': BrokerEvent;
  /** The broker started, stopped, or a client came or went. */
  'broker.status': BrokerStatus;
}
