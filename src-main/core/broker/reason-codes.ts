import { explainReason } from '../client/reason-codes.js';

/** The codes the client's table (which explains what a broker said) leaves out: success and grants. */
const SUCCESS_NAMES: Readonly<Record<number, string>> = {
  0x00: 'Success',
  0x01: 'Granted QoS 1',
  0x02: 'Granted QoS 2',
  0x18: 'Continue authentication',
  0x19: 'Re-authenticate',
};

/** The MQTT 5.0 name of a reason code (section 2.4), e.g. `Not authorized`. */
export function reasonCodeName(code: number): string {
  return SUCCESS_NAMES[code] ?? explainReason(code).name;
}

/** `0x87 Not authorized`; an unknown code is printed as its hex value alone. */
export function reasonCodeText(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
  const name = reasonCodeName(code);
  return name.startsWith('reason code') ? hex : `${hex} ${name}`;
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
