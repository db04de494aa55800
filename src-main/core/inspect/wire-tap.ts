/**
 * A pass-through stream between Node's TLS client and the TCP socket that keeps a timestamped copy of
 * every byte in both directions. The inspector reads the handshake from this copy, because the TLS API
 * only reports what OpenSSL made of the handshake (e.g. a re-linked certificate chain), not what was sent.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { MAX_SERVER_BYTES } from './peer-limits.js';

export interface WireChunk {
  /** Milliseconds since the probe started. */
  at: number;
  data: Buffer;
}

export class WireTap extends Duplex {
  readonly fromServer: WireChunk[] = [];
  readonly toServer: WireChunk[] = [];
  /** True once the server closed its side (FIN) or the socket ended with an error. */
  serverClosed = false;
  socketError: NodeJS.ErrnoException | null = null;
  /** True when the server sent more than MAX_SERVER_BYTES: the copy stops there and the socket is closed. */
  overflowed = false;
  private serverBytesSeen = 0;

  constructor(
    private readonly socket: Socket,
    private readonly clock: () => number,
  ) {
    super();
    socket.on('data', (data: Buffer) => {
      this.serverBytesSeen += data.length;
      if (this.serverBytesSeen > MAX_SERVER_BYTES) {
        this.overflowed = true;
        socket.destroy();
        return;
      }
      this.fromServer.push({ at: clock(), data });
      if (!this.push(data)) socket.pause();
    });
    socket.on('end', () => {
      this.serverClosed = true;
      this.push(null);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.socketError = error;
      this.serverClosed = true;
      this.destroy(error);
    });
    socket.on('close', () => {
      this.serverClosed = true;
      if (!this.destroyed) this.push(null);
    });
  }

  /** Every byte the server sent so far, in one buffer. */
  serverBytes(): Buffer {
    return Buffer.concat(this.fromServer.map((chunk) => chunk.data));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.toServer.push({ at: this.clock(), data: Buffer.from(chunk) });
    if (this.socket.destroyed) return callback();
    this.socket.write(chunk, (error) => callback(error ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.socket.destroyed) this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
