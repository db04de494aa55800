/**
 * Reads a reply off a stream with a deadline: bytes are collected until a parser accepts them, the peer
 * closes, the stream fails or time runs out. Nothing waits forever.
 */
import type { Duplex } from 'node:stream';
import { MAX_REPLY_BYTES, PeerMisbehaving, formatBytes } from './peer-limits.js';

/** A parser returns the value and how many bytes it used, null to wait for more, or throws if invalid. */
export type ReplyParser<T> = (bytes: Buffer) => { value: T; consumed: number } | null;

export type ReadOutcome<T> =
  | { kind: 'reply'; value: T }
  | { kind: 'closed'; bytes: Buffer }
  | { kind: 'timeout'; bytes: Buffer }
  | { kind: 'error'; error: NodeJS.ErrnoException; bytes: Buffer }
  | { kind: 'invalid'; bytes: Buffer; reason: string }
  /** The peer announced or sent more than a bound allows (the buffer is dropped). */
  | { kind: 'misbehaving'; bytes: Buffer; reason: string };

export class StreamReader {
  private buffer = Buffer.alloc(0);
  private ended = false;
  private failure: NodeJS.ErrnoException | null = null;
  private wake: (() => void) | null = null;
  private overflow: string | null = null;

  constructor(
    private readonly stream: Duplex,
    private readonly maxBytes = MAX_REPLY_BYTES,
  ) {
    stream.on('data', (data: Buffer) => {
      if (this.overflow) return;
      if (this.buffer.length + data.length > this.maxBytes) {
        this.overflow = `the server sent more than ${formatBytes(this.maxBytes)} without a complete answer`;
        this.stream.destroy();
      } else {
        this.buffer = Buffer.concat([this.buffer, data]);
      }
      this.wake?.();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    stream.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.failure = error;
      this.wake?.();
    });
  }

  async read<T>(parse: ReplyParser<T>, deadline: number): Promise<ReadOutcome<T>> {
    for (;;) {
      if (this.buffer.length > 0) {
        let parsed;
        try {
          parsed = parse(this.buffer);
        } catch (error) {
          if (error instanceof PeerMisbehaving) {
            this.stream.destroy();
            return { kind: 'misbehaving', bytes: this.buffer.subarray(0, 64), reason: error.message };
          }
          return { kind: 'invalid', bytes: this.buffer, reason: (error as Error).message };
        }
        if (parsed) {
          this.buffer = this.buffer.subarray(parsed.consumed);
          return { kind: 'reply', value: parsed.value };
        }
      }
      if (this.overflow)
        return { kind: 'misbehaving', bytes: this.buffer.subarray(0, 64), reason: this.overflow };
      if (this.failure) return { kind: 'error', error: this.failure, bytes: this.buffer };
      if (this.ended) return { kind: 'closed', bytes: this.buffer };
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { kind: 'timeout', bytes: this.buffer };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}
