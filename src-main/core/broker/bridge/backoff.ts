import { randomInt } from 'node:crypto';

/**
 * The wait before a bridge tries again, as Mosquitto 2.0.11 computes it: `restart_timeout N` waits N
 * seconds every time; `restart_timeout BASE CAP` (and the default, base 5 cap 30) uses "decorrelated
 * jitter" — each wait is random between BASE and three times the previous one, at most CAP — and goes
 * back to BASE once a connection is made.
 */
export class Backoff {
  private current: number;

  constructor(private readonly restart: { base: number; cap?: number }) {
    this.current = restart.base;
  }

  /** Seconds to wait before the next attempt (after a failed or lost connection). */
  next(): number {
    const { base, cap } = this.restart;
    if (cap === undefined) return base;
    const high = Math.max(base + 1, this.current * 3);
    this.current = Math.min(cap, randomInt(base, high));
    return this.current;
  }

  /** A connection was made: start from the base again. */
  reset(): void {
    this.current = this.restart.base;
  }
}
