/**
 * Mosquitto 2.0's global tuning options the local broker serves (max_packet_size, max_inflight_messages,
 * max_queued_messages, max_topic_alias, max_keepalive): their model, the values Mosquitto 2.0.11 accepts
 * (tried with Debian's build: it refuses to start on any other) and the values in force when unset.
 */
export interface BrokerLimits {
  /** `max_packet_size` bytes (20 or more): the largest packet a client may send; unset: no limit. */
  maxPacketSize?: number;
  /** `max_inflight_messages` (up to 65535; 0 or less: no limit; default 20): advertised as Receive Maximum. */
  maxInflightMessages?: number;
  /** `max_queued_messages` (0 or less: no limit; default 1000): QoS 1/2 messages queued per client. */
  maxQueuedMessages?: number;
  /** `max_topic_alias` (0 to 65535; default 10): topic aliases a client may set. */
  maxTopicAlias?: number;
  /** `max_keepalive` seconds (10 to 65535; default 65535): the longest keep alive a v5 client is given. */
  maxKeepalive?: number;
}

/** conf keyword → model field, minimum, maximum (whole numbers; a minus sign only where Mosquitto takes one). */
export const LIMIT_OPTIONS = {
  max_packet_size: ['maxPacketSize', 20, 2147483647],
  max_inflight_messages: ['maxInflightMessages', -2147483648, 65535],
  max_queued_messages: ['maxQueuedMessages', -2147483648, 2147483647],
  max_topic_alias: ['maxTopicAlias', 0, 65535],
  max_keepalive: ['maxKeepalive', 10, 65535],
} as const satisfies Record<string, readonly [keyof BrokerLimits, number, number]>;

export type LimitKeyword = keyof typeof LIMIT_OPTIONS;

export function isLimitOption(keyword: string): keyword is LimitKeyword {
  return Object.hasOwn(LIMIT_OPTIONS, keyword);
}

/** Mosquitto 2.0.11's defaults. */
export const MOSQUITTO_DEFAULT_LIMITS = {
  maxInflightMessages: 20,
  maxQueuedMessages: 1000,
  maxTopicAlias: 10,
  maxKeepalive: 65535,
} as const;

/** What the broker serves for a conf's limits: 0 means "no limit" (and no CONNACK property). */
export interface EffectiveLimits {
  maxPacketSize: number;
  receiveMaximum: number;
  maxQueuedMessages: number;
  topicAliasMaximum: number;
  maxKeepalive: number;
}

export function effectiveLimits(limits: BrokerLimits = {}): EffectiveLimits {
  const atLeastZero = (value: number) => Math.max(0, value);
  return {
    maxPacketSize: limits.maxPacketSize ?? 0,
    receiveMaximum: atLeastZero(limits.maxInflightMessages ?? MOSQUITTO_DEFAULT_LIMITS.maxInflightMessages),
    maxQueuedMessages: atLeastZero(limits.maxQueuedMessages ?? MOSQUITTO_DEFAULT_LIMITS.maxQueuedMessages),
    topicAliasMaximum: limits.maxTopicAlias ?? MOSQUITTO_DEFAULT_LIMITS.maxTopicAlias,
    maxKeepalive: limits.maxKeepalive ?? MOSQUITTO_DEFAULT_LIMITS.maxKeepalive,
  };
}

/** The conf lines of a model's limits, in table order. */
export function limitLines(limits: BrokerLimits | undefined): string[] {
  if (!limits) return [];
  const lines: string[] = [];
  for (const [keyword, [field]] of Object.entries(LIMIT_OPTIONS)) {
    const value = limits[field];
    if (value !== undefined) lines.push(`${keyword} ${value}`);
  }
  return lines;
}
