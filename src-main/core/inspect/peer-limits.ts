/**
 * Bounds on what a probed server can make the inspector hold. A hostile server may announce a 2^40-byte
 * WebSocket frame or stream bytes without end; every buffer a peer controls stops at these sizes and the
 * peer is reported as misbehaving (PEER_MISBEHAVING), instead of growing the process.
 */

/** Bytes of one reply we wait for (a CONNACK is 4 bytes; an HTTP upgrade answer has its own 16 KiB bound). */
export const MAX_REPLY_BYTES = 64 * 1024;
/** Payload of one WebSocket frame from the server. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Everything the server may send during one probe (a handshake with a long chain is ~20 KiB). */
export const MAX_SERVER_BYTES = 1024 * 1024;

/** Thrown by a reply parser when the peer announces or sends more than a bound allows. */
export class PeerMisbehaving extends Error {}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} bytes`;
}
