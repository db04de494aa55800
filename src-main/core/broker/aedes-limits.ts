import type { AedesOptions } from 'aedes';
import type { EffectiveLimits } from '../conf/limits.js';

/**
 * The aedes options that carry a conf's limits (Mosquitto's defaults where the conf sets none; max_keepalive
 * is applied at preConnect): max_topic_alias, max_inflight_messages (advertised as Receive Maximum, and, as
 * Mosquitto does, also the cap on what is in flight to a 3.1.1 client), max_packet_size (larger packets from
 * a client: DISCONNECT 0x95 for v5, the connection closed for 3.1.1), max_queued_messages; shared
 * subscriptions on. The bench's bare aedes gets the same, so both brokers do the same work on the wire.
 */
export function aedesLimitOptions(limits: EffectiveLimits): Partial<AedesOptions> {
  return {
    topicAliasMaximum: limits.topicAliasMaximum,
    receiveMaximum: limits.receiveMaximum,
    maximumPacketSize: limits.maxPacketSize,
    maxQueuedMessages: limits.maxQueuedMessages,
    maxInflightMessages: limits.receiveMaximum,
    sharedSubscriptions: true,
  };
}
