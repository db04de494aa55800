import type { ProblemCode } from '../../problems.js';

/**
 * Where a bridge is: `connecting` an attempt is under way; `connected` CONNACK 0 received; `waiting`
 * for the restart timeout after a failure or a lost connection; `idle` a lazy bridge waiting for its
 * threshold (or after its idle timeout); `failed` a `start_type once` bridge that will not try again;
 * `stopped` stopped by the user or the broker.
 */
export type BridgeState = 'connecting' | 'connected' | 'waiting' | 'idle' | 'failed' | 'stopped';

export interface BridgeProblem {
  code: ProblemCode;
  message: string;
  fix: string;
  /** The error as the network stack or the remote reported it. */
  detail: string;
  /** ISO time it happened. */
  at: string;
}

/** The inspector's view of the remote with the bridge's own TLS settings (absolute file paths). */
export interface BridgeInspectTarget {
  /** `host:port` of the address in use (or the next one tried). */
  target: string;
  ca?: string;
  cert?: string;
  key?: string;
  alpn?: string;
  tlsMin?: '1.2' | '1.3';
  /** The bridge talks plain MQTT: the inspector can only test reachability and the CONNECT. */
  plain?: boolean;
  /**
   * The Inspector's route params for this remote (set by the api): the workshop CA and certificate
   * that match the bridge's bridge_cafile and bridge_certfile, when the workshop holds them.
   */
  params?: Record<string, string>;
}

export interface BridgeStatus {
  name: string;
  /** Every `address` entry, `host:port`. */
  addresses: string[];
  /** The address in use or tried next. */
  remote: string;
  state: BridgeState;
  /** ISO time of the last state change. */
  since: string;
  startType: 'automatic' | 'lazy' | 'once';
  /** Messages received from the remote and published locally. */
  messagesIn: number;
  /** Messages sent to the remote (QoS 1/2: acknowledged). */
  messagesOut: number;
  /** Messages waiting for the connection. */
  queued: number;
  /** Messages dropped: queue full, larger than bridge_max_packet_size, or QoS 0 while disconnected. */
  dropped: number;
  /** Connection attempts since the last success. */
  attempts: number;
  /** ISO time of the next attempt (state `waiting`). */
  nextAttemptAt?: string;
  /** The most recent failure, explained (kept after a later success, with its time). */
  lastError?: BridgeProblem;
  tls?: { protocol?: string; cipher?: string };
  remoteClientId: string;
  localClientId: string;
  notificationTopic?: string;
  inspect: BridgeInspectTarget;
  /** The `connection` line of the section. */
  file?: string;
  line?: number;
}
