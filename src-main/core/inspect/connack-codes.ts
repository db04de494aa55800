/**
 * CONNACK return codes (MQTT 3.1.1) and reason codes (MQTT 5) in words. Its own module, free of
 * mqtt-packet, so the command line's help and output can name them without loading the packet codec.
 */
import { reasonCodeName } from '../broker/reason-codes.js';

const RETURN_CODES: Record<number, string> = {
  0: 'connection accepted',
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

export function connackMeaning(returnCode: number, protocolVersion: 4 | 5 = 4): string {
  if (protocolVersion === 5) {
    return returnCode === 0 ? 'connection accepted' : reasonCodeName(returnCode).toLowerCase();
  }
  return RETURN_CODES[returnCode] ?? `return code ${returnCode}`;
}

/** `CONNACK 5` for MQTT 3.1.1, `CONNACK 0x87` for MQTT 5. */
export function connackCode(returnCode: number, protocolVersion: 4 | 5 = 4): string {
  return protocolVersion === 5
    ? `CONNACK 0x${returnCode.toString(16).padStart(2, '0').toUpperCase()}`
    : `CONNACK ${returnCode}`;
}
