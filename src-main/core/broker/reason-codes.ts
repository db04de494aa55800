/**
 * MQTT 5 reason codes by name (OASIS MQTT 5.0, section 2.4, table 2-6), as the broker log and view print
 * them, and the v5 code Mosquitto 2.0.11 sends for each MQTT 3.1.1 CONNACK refusal it would make.
 */
export const REASON_CODE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'Success',
  0x01: 'Granted QoS 1',
  0x02: 'Granted QoS 2',
  0x04: 'Disconnect with Will Message',
  0x10: 'No matching subscribers',
  0x11: 'No subscription existed',
  0x18: 'Continue authentication',
  0x19: 'Re-authenticate',
  0x80: 'Unspecified error',
  0x81: 'Malformed Packet',
  0x82: 'Protocol Error',
  0x83: 'Implementation specific error',
  0x84: 'Unsupported Protocol Version',
  0x85: 'Client Identifier not valid',
  0x86: 'Bad User Name or Password',
  0x87: 'Not authorized',
  0x88: 'Server unavailable',
  0x89: 'Server busy',
  0x8a: 'Banned',
  0x8b: 'Server shutting down',
  0x8c: 'Bad authentication method',
  0x8d: 'Keep Alive timeout',
  0x8e: 'Session taken over',
  0x8f: 'Topic Filter invalid',
  0x90: 'Topic Name invalid',
  0x91: 'Packet Identifier in use',
  0x92: 'Packet Identifier not found',
  0x93: 'Receive Maximum exceeded',
  0x94: 'Topic Alias invalid',
  0x95: 'Packet too large',
  0x96: 'Message rate too high',
  0x97: 'Quota exceeded',
  0x98: 'Administrative action',
  0x99: 'Payload format invalid',
  0x9a: 'Retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'Use another server',
  0x9d: 'Server moved',
  0x9e: 'Shared Subscriptions not supported',
  0x9f: 'Connection rate exceeded',
  0xa0: 'Maximum connect time',
  0xa1: 'Subscription Identifiers not supported',
  0xa2: 'Wildcard Subscriptions not supported',
};

/** `0x87 Not authorized`; an unknown code is printed as its hex value alone. */
export function reasonCodeText(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
  const name = REASON_CODE_NAMES[code];
  return name ? `${hex} ${name}` : hex;
}

/**
 * MQTT 3.1.1 CONNACK return code → the MQTT 5 reason code for the same refusal (Mosquitto's
 * handle_connect.c sends these pairs: 1 ↔ 0x84, 2 ↔ 0x85, 3 ↔ 0x88, 4 ↔ 0x86, 5 ↔ 0x87).
 */
export function connackReasonCode(returnCode: number): number {
  switch (returnCode) {
    case 0:
      return 0x00;
    case 1:
      return 0x84;
    case 2:
      return 0x85;
    case 3:
      return 0x88;
    case 4:
      return 0x86;
    case 5:
      return 0x87;
    default:
      return 0x80;
  }
}

/** `MQTT 3.1`, `MQTT 3.1.1` or `MQTT 5` for a CONNECT's protocol level. */
export function protocolName(level: number | undefined): string {
  if (level === 3) return 'MQTT 3.1';
  if (level === 4) return 'MQTT 3.1.1';
  if (level === 5) return 'MQTT 5';
  return `MQTT level ${level ?? '?'}`;
}
