/**
 * MQTT return and reason codes in words: what the broker said, and what to do about it.
 * MQTT 3.1.1 CONNACK return codes (section 3.2.2.3) and MQTT 5.0 reason codes (section 2.4).
 */

export interface ReasonExplained {
  /** The number as the broker sent it. */
  code: number;
  /** The specification's name, e.g. "Not authorized". */
  name: string;
  /** What it means for this connection, in plain words. */
  meaning: string;
  /** What to change. */
  fix: string;
}

const CONNACK_311: Record<number, Omit<ReasonExplained, 'code'>> = {
  1: {
    name: 'Unacceptable protocol version',
    meaning: 'the broker does not speak the MQTT protocol version this profile asked for',
    fix: 'choose the other protocol version in the profile (3.1.1 is the safest choice)',
  },
  2: {
    name: 'Identifier rejected',
    meaning:
      'the broker refused the client id (empty with clean session off, too long, or invalid characters)',
    fix: 'set a short client id of letters and digits, or turn clean session on with an empty id',
  },
  3: {
    name: 'Server unavailable',
    meaning: 'the network connection is fine but the MQTT service is unavailable',
    fix: 'check the broker is running and healthy, then retry',
  },
  4: {
    name: 'Bad username or password',
    meaning:
      'the broker refused the username or password (Mosquitto also answers this when use_identity_as_username is set but no client certificate was checked)',
    fix: 'check the username and password; with certificate identity, send a client certificate the broker trusts',
  },
  5: {
    name: 'Not authorized',
    meaning:
      'the broker refused this client: unknown user, wrong password, or anonymous clients are not allowed',
    fix: 'give a username/password the broker knows, or a client certificate it maps to a user',
  },
};

const V5: Record<number, Omit<ReasonExplained, 'code'>> = {
  0x04: {
    name: 'Disconnect with Will Message',
    meaning: 'the peer disconnected and asked for its will to be published',
    fix: 'nothing to fix',
  },
  0x10: {
    name: 'No matching subscribers',
    meaning: 'the broker accepted the message but nobody is subscribed to that topic',
    fix: 'nothing to fix; subscribe first if you expected a receiver',
  },
  0x11: {
    name: 'No subscription existed',
    meaning: 'there was no subscription for that filter to remove',
    fix: 'nothing to fix',
  },
  0x80: {
    name: 'Unspecified error',
    meaning: 'the broker refused without saying why',
    fix: "read the broker's log for the reason",
  },
  0x81: {
    name: 'Malformed Packet',
    meaning: 'the broker could not parse what we sent',
    fix: 'check the topic, properties and payload; report it if it persists',
  },
  0x82: {
    name: 'Protocol Error',
    meaning: 'the broker saw a packet that breaks the MQTT 5 rules',
    fix: 'check the MQTT 5 properties of the profile or message',
  },
  0x83: {
    name: 'Implementation specific error',
    meaning: 'the broker refused for a reason of its own',
    fix: "read the broker's log for the reason",
  },
  0x84: {
    name: 'Unsupported Protocol Version',
    meaning: 'the broker does not speak MQTT 5.0',
    fix: 'choose MQTT 3.1.1 in the profile',
  },
  0x85: {
    name: 'Client Identifier not valid',
    meaning: 'the broker refused the client id',
    fix: 'set a short client id of letters and digits',
  },
  0x86: {
    name: 'Bad User Name or Password',
    meaning: 'the broker refused the username or password',
    fix: 'check the username and password',
  },
  0x87: {
    name: 'Not authorized',
    meaning: 'the broker does not allow this client to do that (authentication or ACL)',
    fix: "check the broker's ACL and the identity this client presents (username or certificate CN)",
  },
  0x88: {
    name: 'Server unavailable',
    meaning: 'the MQTT service is unavailable',
    fix: 'check the broker is running and healthy, then retry',
  },
  0x89: { name: 'Server busy', meaning: 'the broker is busy', fix: 'retry later' },
  0x8a: { name: 'Banned', meaning: 'the broker has banned this client', fix: 'ask the broker operator' },
  0x8b: {
    name: 'Server shutting down',
    meaning: 'the broker is shutting down',
    fix: 'reconnect when it is back',
  },
  0x8c: {
    name: 'Bad authentication method',
    meaning: 'the broker does not support the authentication method asked for',
    fix: 'remove the authentication method or pick one the broker supports',
  },
  0x8d: {
    name: 'Keep Alive timeout',
    meaning: 'the broker heard nothing from us within 1.5 × keepalive',
    fix: 'check the network, or raise the keepalive',
  },
  0x8e: {
    name: 'Session taken over',
    meaning: 'another client connected with the same client id, so the broker dropped this one',
    fix: 'give each connection its own client id',
  },
  0x8f: {
    name: 'Topic Filter invalid',
    meaning: 'the broker refused the topic filter',
    fix: 'check the filter: "+" and "#" must fill a whole level, "#" only at the end',
  },
  0x90: {
    name: 'Topic Name invalid',
    meaning: 'the broker refused the topic name',
    fix: 'check the topic: no wildcards in a topic you publish to',
  },
  0x91: {
    name: 'Packet Identifier in use',
    meaning: 'the packet identifier is already in use',
    fix: 'retry; reconnect if it persists',
  },
  0x92: {
    name: 'Packet Identifier not found',
    meaning: 'the broker did not know the packet identifier',
    fix: 'retry; reconnect if it persists',
  },
  0x93: {
    name: 'Receive Maximum exceeded',
    meaning: 'too many QoS 1/2 messages were in flight',
    fix: 'publish more slowly',
  },
  0x94: {
    name: 'Topic Alias invalid',
    meaning: 'the topic alias was not valid',
    fix: 'do not use topic aliases',
  },
  0x95: {
    name: 'Packet too large',
    meaning: 'the packet is larger than the broker accepts',
    fix: "send a smaller payload, or raise the broker's maximum packet size",
  },
  0x96: { name: 'Message rate too high', meaning: 'we published too fast', fix: 'publish more slowly' },
  0x97: {
    name: 'Quota exceeded',
    meaning: 'a limit set by the broker was exceeded',
    fix: "check the broker's limits",
  },
  0x98: {
    name: 'Administrative action',
    meaning: 'an administrator disconnected this client',
    fix: 'ask the broker operator',
  },
  0x99: {
    name: 'Payload format invalid',
    meaning: 'the payload does not match its payload format indicator (UTF-8 expected)',
    fix: 'send valid UTF-8 text, or clear the payload format indicator',
  },
  0x9a: {
    name: 'Retain not supported',
    meaning: 'the broker does not keep retained messages',
    fix: 'publish without retain',
  },
  0x9b: {
    name: 'QoS not supported',
    meaning: 'the broker does not support that QoS',
    fix: 'use a lower QoS',
  },
  0x9c: {
    name: 'Use another server',
    meaning: 'the broker sent us elsewhere',
    fix: 'connect to the other server',
  },
  0x9d: { name: 'Server moved', meaning: 'the broker has moved', fix: 'connect to the new address' },
  0x9e: {
    name: 'Shared Subscriptions not supported',
    meaning: 'the broker does not support $share/ subscriptions',
    fix: 'subscribe without $share/',
  },
  0x9f: {
    name: 'Connection rate exceeded',
    meaning: 'we connected too often in a short time',
    fix: 'wait a moment before reconnecting',
  },
  0xa0: {
    name: 'Maximum connect time',
    meaning: 'the broker limits how long a connection may last',
    fix: 'reconnect',
  },
  0xa1: {
    name: 'Subscription Identifiers not supported',
    meaning: 'the broker does not support subscription identifiers',
    fix: 'subscribe without a subscription identifier',
  },
  0xa2: {
    name: 'Wildcard Subscriptions not supported',
    meaning: 'the broker does not allow wildcard subscriptions',
    fix: 'subscribe to exact topics',
  },
};

function unknown(code: number): ReasonExplained {
  return {
    code,
    name: `reason code ${code}`,
    meaning: `the broker answered with reason code ${code}, which the MQTT specification does not define`,
    fix: "read the broker's log for the reason",
  };
}

/** A CONNACK code in words: the 3.1.1 return code or the 5.0 reason code, depending on the protocol. */
export function explainConnack(code: number, protocol: 4 | 5): ReasonExplained {
  const table = protocol === 5 ? V5 : CONNACK_311;
  const entry = table[code];
  return entry ? { code, ...entry } : unknown(code);
}

/** Any MQTT 5 reason code (PUBACK, SUBACK, UNSUBACK, DISCONNECT) in words. */
export function explainReason(code: number): ReasonExplained {
  const entry = V5[code];
  return entry ? { code, ...entry } : unknown(code);
}

/** "Not authorized (5): …" — one line for logs and error messages. */
export function reasonLine(reason: ReasonExplained): string {
  return `${reason.name} (${reason.code}): ${reason.meaning}`;
}
