// The latency part of bench/broker-compare.js: QoS 0 round trips (publish → broker → subscriber, both on this
// machine), measured on all the brokers at once with fine interleaving, as broker-messages.js does for CPU.
//
// Until session 5 each broker ran its round trips alone, one after the other, so a change of the machine's
// load between two brokers read as a latency ratio (±10 %). Here all brokers run at the same time; the
// round trips are split into rounds, and each round runs its share on every broker in turn (the order
// rotates). p50 and p99 come from all of a broker's round trips together; the ratio to another broker is the
// median of the round-by-round p50 (p99) ratios, with its 95 % interval (bench-stats.js): a p99 of all round
// trips together is set by the few slowest rounds, when the machine stalled, whichever broker ran then.
import { median, ratioSummary } from './bench-stats.js';

/** `count` round trips, each sent when the previous one arrived: their times in ms. */
async function roundTrips(pair, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const arrived = new Promise((resolve) => pair.sub.once('message', resolve));
    const t0 = process.hrtime.bigint();
    pair.pub.publish(pair.topic, 'ping', { qos: 0 });
    await arrived;
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return samples;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/**
 * Runs `total` QoS 0 round trips per broker (already started) in `rounds` interleaved rounds; returns
 * { [name]: { samples: ms[], roundP50: ms[], roundP99: ms[] } }.
 */
export async function latencyRounds({ brokers, connect, total, rounds, log }) {
  const pairs = [];
  let seq = 0;
  for (const broker of brokers) {
    const sub = await connect(broker.port);
    const pub = await connect(broker.port);
    const topic = `bench/latency/${broker.name}-${++seq}`;
    await new Promise((resolve, reject) =>
      sub.subscribe(topic, { qos: 0 }, (e) => (e ? reject(e) : resolve())),
    );
    pairs.push({ broker, sub, pub, topic });
  }
  const out = Object.fromEntries(brokers.map((b) => [b.name, { samples: [], roundP50: [], roundP99: [] }]));
  try {
    // JIT warm-up, not counted
    for (const pair of pairs) await roundTrips(pair, Math.min(500, total));
    const perRound = Math.max(1, Math.round(total / rounds));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < pairs.length; k++) {
        const pair = pairs[(round + k) % pairs.length];
        const samples = await roundTrips(pair, perRound);
        const figures = out[pair.broker.name];
        figures.samples.push(...samples);
        figures.roundP50.push(median(samples));
        figures.roundP99.push(
          percentile(
            [...samples].sort((x, y) => x - y),
            0.99,
          ),
        );
      }
      log('.');
    }
  } finally {
    for (const pair of pairs) {
      pair.sub.end(true);
      pair.pub.end(true);
    }
  }
  return out;
}

/** p50 and p99 of one broker's round trips (all rounds together). */
export function latencyFigures(figures) {
  if (!figures?.samples.length) return undefined;
  const sorted = [...figures.samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), count: sorted.length };
}

/** Round by round ratio of broker a's p50 (or `roundP99`) to broker b's: median, 95 % interval, spread. */
export function latencyRatio(latency, a, b, figure = 'roundP50') {
  if (!latency[a] || !latency[b]) return undefined;
  return ratioSummary(latency[a][figure], latency[b][figure]);
}
