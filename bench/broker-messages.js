// The message part of bench/broker-compare.js: broker CPU per 100k delivered messages, fan-in and fan-out,
// QoS 0 and QoS 1, measured on all the brokers at once with fine interleaving.
//
// On a shared machine the load changes from one second to the next, so a broker measured a minute after
// another is measured on a different machine. Here every broker runs at the same time (each in its own
// process, idle while not driven); each scenario's messages are sent in ROUNDS chunks, and each round
// drives one chunk through every broker in turn (the order rotates each round). A round's figures are
// thus taken within a few seconds of each other; the table gives the median round and the spread
// (lowest–highest round), and the per-round ratio ours / other. Broker CPU is read from
// /proc/PID/task/*/schedstat (nanoseconds, all threads), not the 10 ms ticks of /proc/PID/stat.
import { readdirSync, readFileSync } from 'node:fs';
import { median, ratioSummary } from './bench-stats.js';

/** name → [label, qos, publishers, subscribers] */
export const SCENARIOS = {
  fanInQos0: ['fan-in QoS 0 (10 pub → 1 sub)', 0, 10, 1],
  fanInQos1: ['fan-in QoS 1 (10 pub → 1 sub)', 1, 10, 1],
  fanOutQos0: ['fan-out QoS 0 (1 pub → 10 sub)', 0, 1, 10],
  fanOutQos1: ['fan-out QoS 1 (1 pub → 10 sub)', 1, 1, 10],
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU time of a process so far (all its threads), in milliseconds. */
export function processCpuMs(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that just ended
    }
  }
  return ns / 1e6;
}

/** Publish `count` messages keeping at most `window` unacknowledged (QoS 1) or unflushed (QoS 0). */
function publishMany(client, topic, count, qos, window) {
  return new Promise((resolve) => {
    if (count === 0) return resolve();
    let sent = 0;
    let done = 0;
    const payload = Buffer.alloc(64, 'x');
    const pump = () => {
      while (sent < count && sent - done < window) {
        sent++;
        client.publish(topic, payload, { qos }, () => {
          done++;
          if (done === count) resolve();
          else pump();
        });
      }
    };
    pump();
  });
}

/** Connected publishers and subscribers of one scenario on one broker. */
async function scenarioClients(broker, connect, [, qos, publishers, subscribers], prefix) {
  const subs = [];
  for (let i = 0; i < subscribers; i++) subs.push(await connect(broker.port));
  const pubs = [];
  for (let i = 0; i < publishers; i++) pubs.push(await connect(broker.port));
  const clients = { broker, qos, subs, pubs, prefix, received: 0 };
  for (const sub of subs) {
    sub.on('message', () => clients.received++);
    await new Promise((resolve, reject) =>
      sub.subscribe(`${prefix}/#`, { qos }, (e) => (e ? reject(e) : resolve())),
    );
  }
  return clients;
}

/** One chunk: `messages` deliveries in all (split over publishers and subscribers); the broker's CPU for it. */
async function chunk(clients, messages) {
  const { broker, qos, subs, pubs, prefix } = clients;
  const perPublisher = Math.floor(messages / subs.length / pubs.length);
  const expected = perPublisher * pubs.length * subs.length;
  const start = clients.received;
  const cpu0 = processCpuMs(broker.pid);
  const t0 = performance.now();
  await Promise.all(
    pubs.map((pub, i) => publishMany(pub, `${prefix}/${i}`, perPublisher, qos, qos ? 10 : 1000)),
  );
  let last = -1;
  let stalled = performance.now();
  while (clients.received - start < expected) {
    await sleep(5);
    if (clients.received !== last) {
      last = clients.received;
      stalled = performance.now();
    } else if (performance.now() - stalled > 5000) break;
  }
  const wall = performance.now() - t0;
  // the subscribers' last PUBACKs reach the broker after their messages: let it handle them in this chunk
  await sleep(qos ? 30 : 5);
  const cpu = processCpuMs(broker.pid) - cpu0;
  const delivered = clients.received - start;
  return { cpu, delivered, expected, wall };
}

/**
 * Runs every scenario on every broker (already started), interleaved; adds to `rounds[name][scenario]`
 * one entry per round: { cpuPer100k, perSecond, delivered, expected }.
 */
export async function messageRounds(
  { brokers, connect, messages, rounds, scenarios, log, profiled, together },
  into,
) {
  let seq = 0;
  log('warm-up…');
  // JIT warm-up (not reported): the first run of a Node broker is markedly slower than the next ones
  for (const broker of brokers) {
    for (const [qos, count] of [
      [0, Math.min(messages, 50_000)],
      [1, Math.min(messages, 20_000)],
    ]) {
      const clients = await scenarioClients(
        broker,
        connect,
        ['warm-up', qos, 2, 2],
        `bench/warm-${qos}-${++seq}`,
      );
      await chunk(clients, count);
      for (const c of [...clients.subs, ...clients.pubs]) c.end(true);
    }
  }
  for (const key of scenarios) {
    const scenario = SCENARIOS[key];
    if (!scenario) throw new Error(`unknown scenario ${key} (${Object.keys(SCENARIOS).join(', ')})`);
    log(` ${key}…`);
    const all = [];
    for (const broker of brokers)
      all.push(await scenarioClients(broker, connect, scenario, `bench/${key}-${++seq}`));
    const perRound = Math.max(1, Math.floor(messages / rounds));
    // one small chunk each first (not counted): the scenario's clients and subscriptions settle
    for (const clients of all) await chunk(clients, Math.min(perRound, 5000));
    const record = (clients, r) => {
      const slot = ((into[clients.broker.name] ??= {})[key] ??= []);
      slot.push({
        cpuPer100k: (r.cpu * 100_000) / Math.max(r.delivered, 1),
        perSecond: (r.delivered / r.wall) * 1000,
        delivered: r.delivered,
        expected: r.expected,
      });
    };
    await profiled(key, async () => {
      for (let round = 0; round < rounds; round++) {
        if (together) {
          const results = await Promise.all(all.map((clients) => chunk(clients, perRound)));
          all.forEach((clients, i) => record(clients, results[i]));
          continue;
        }
        for (let k = 0; k < all.length; k++) {
          const clients = all[(round + k) % all.length];
          record(clients, await chunk(clients, perRound));
        }
      }
    });
    for (const clients of all) for (const c of [...clients.subs, ...clients.pubs]) c.end(true);
    await sleep(200);
  }
  return into;
}

/** The per-broker summary of the rounds: median figures, spread and totals. */
export function summarizeRounds(rounds) {
  const out = {};
  for (const [key, list] of Object.entries(rounds)) {
    const cpu = list.map((r) => r.cpuPer100k);
    out[key] = {
      cpuPer100k: median(cpu),
      cpuLow: Math.min(...cpu),
      cpuHigh: Math.max(...cpu),
      perSecond: median(list.map((r) => r.perSecond)),
      delivered: list.reduce((s, r) => s + r.delivered, 0),
      expected: list.reduce((s, r) => s + r.expected, 0),
      rounds: list.length,
    };
  }
  return out;
}

/** Round by round ratio of one broker's CPU to another's: median, its 95 % interval, spread (bench-stats.js). */
export function roundRatios(rounds, a, b, key) {
  const x = rounds[a]?.[key];
  const y = rounds[b]?.[key];
  if (!x || !y) return undefined;
  return ratioSummary(
    x.map((r) => r.cpuPer100k),
    y.map((r) => r.cpuPer100k),
  );
}
