/**
 * Bounds on what a remote broker can make an MQTT connection of ours (a client session, a bridge's
 * remote link) hold in memory. mqtt-packet's parser keeps collecting the bytes of a packet until the
 * length its fixed header announces (up to 256 MiB) has arrived, and ws keeps a whole message (100 MiB
 * by default); mqtt.js checks MQTT 5's Maximum Packet Size only after the whole packet was parsed, and
 * never for 3.1.1. So the stream is watched here: a packet announced larger than the bound closes the
 * connection at once, the peer reported as misbehaving.
 */
import type { Duplex } from 'node:stream';

/** Largest MQTT packet accepted from a broker (the payload of one message, plus its topic and header). */
export const MAX_INCOMING_PACKET_BYTES = 16 * 1024 * 1024;
/** Payload and topic bytes one connection's message log keeps; the oldest messages go first beyond it. */
export const MAX_LOG_BYTES = 256 * 1024 * 1024;

/** The peer broke a bound (code PEER_MISBEHAVING, as the inspector reports it). */
export class PeerMisbehavingError extends Error {
  readonly code = 'PEER_MISBEHAVING';
}

function size(n: number): string {
  const round = (x: number) => Math.round(x * 10) / 10;
  if (n >= 1024 * 1024) return `${round(n / (1024 * 1024))} MiB`;
  return n >= 1024 ? `${round(n / 1024)} KiB` : `${n} bytes`;
}

/**
 * Follow the MQTT packets of `stream` (the bytes the broker sends) and destroy it with a
 * PeerMisbehavingError as soon as a fixed header announces a packet larger than `limit`, or carries a
 * Remaining Length longer than its 4 bytes. Only the fixed header is read (MQTT 3.1.1 §2.2, 5.0 §2.1.1:
 * a type byte and a variable byte integer); mqtt-packet has no header-only reader, hence these lines.
 * Attach before mqtt.js pipes the stream (it does so right after its stream builder returns).
 */
export function guardPacketSizes(
  stream: Duplex,
  limit: number,
  onViolation: (error: PeerMisbehavingError) => void = () => undefined,
): void {
  let skip = 0; // bytes of the current packet's body still to pass
  let header: number[] = []; // the fixed header read so far (type byte, length bytes)
  let stopped = false;
  const stop = (message: string) => {
    stopped = true;
    const error = new PeerMisbehavingError(message);
    onViolation(error);
    stream.destroy(error);
  };
  stream.on('data', (chunk: Buffer) => {
    if (stopped || !Buffer.isBuffer(chunk)) return;
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      header.push(chunk[i++]!);
      if (header.length === 1) continue;
      const byte = header[header.length - 1]!;
      if (byte & 0x80) {
        if (header.length === 5) {
          return stop('the broker sent an MQTT packet whose Remaining Length runs past 4 bytes (malformed)');
        }
        continue;
      }
      let length = 0;
      for (let k = header.length - 1; k >= 1; k--) length = length * 128 + (header[k]! & 0x7f);
      const total = header.length + length;
      if (total > limit) {
        return stop(
          `the broker announced a ${size(total)} MQTT packet (${total} bytes), more than the ${size(limit)} this connection accepts`,
        );
      }
      header = [];
      skip = length;
    }
  });
}
