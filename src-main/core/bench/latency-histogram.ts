/**
 * Latencies in logarithmic buckets (1 % wide, 1 µs to ~10 min): constant memory whatever the number
 * of messages, percentiles within 1 %.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(600e6) / LOG_GROWTH) + 1;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  /** Record one latency in milliseconds. */
  record(ms: number): void {
    const us = Math.max(1, ms * 1000);
    const bucket = Math.min(BUCKETS - 1, Math.floor(Math.log(us) / LOG_GROWTH));
    this.counts[bucket]! += 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }

  /** The latency (ms) below which `p` percent of the samples lie; undefined without samples. */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, GROWTH ** (i + 1) / 1000);
    }
    return this.max;
  }
}
