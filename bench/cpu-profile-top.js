#!/usr/bin/env node
// The top entries of a V8 CPU profile (`node --cpu-prof`), by self time and by total (inclusive) time.
//
//   node bench/cpu-profile-top.js FILE.cpuprofile [--top 25] [--match TEXT] [--skip-ms 0] [--against OTHER]
//
// --skip-ms N leaves out the first N ms of the profile (start-up, module loading). --against OTHER
// prints, per function, total time in FILE minus total time in OTHER (where the extra CPU goes),
// both scaled per unit when --units N,M (e.g. handshakes in each run) is given.
// Functions are grouped by name + file:line; total time counts a function once per sample even when it
// recurses. --match keeps only entries whose name or file contains TEXT (e.g. --match out/node).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
if (!file) {
  console.error('usage: node bench/cpu-profile-top.js FILE.cpuprofile [--top 25] [--match TEXT]');
  process.exit(2);
}
const TOP = Number(option('top', 25));
const MATCH = option('match', '');

const SKIP_US = Number(option('skip-ms', 0)) * 1000;
const AGAINST = option('against', undefined);
const [UNITS, OTHER_UNITS] = option('units', '1,1').split(',').map(Number);

const label = (n) => {
  const f = n.callFrame;
  const url = f.url.replace(/^file:\/\/.*?\/(node_modules|out|bench)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${url ? `${url}:${f.lineNumber + 1}` : ''}`.trim();
};

function summarize(path) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const total = new Map();
  let all = 0;
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    elapsed += us;
    if (elapsed < SKIP_US) continue;
    let id = profile.samples[i];
    const node = nodes.get(id);
    if (node.callFrame.functionName === '(idle)') continue;
    all += us;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const seen = new Set();
    while (id !== undefined) {
      const l = label(nodes.get(id));
      if (!seen.has(l)) {
        seen.add(l);
        total.set(l, (total.get(l) ?? 0) + us);
      }
      id = parent.get(id);
    }
  }
  return { self, total, all };
}

const { self, total, all } = summarize(file);

const print = (title, map) => {
  console.log(`\n${title}`);
  const rows = [...map]
    .filter(([l]) => !MATCH || l.includes(MATCH))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP);
  for (const [l, us] of rows) {
    console.log(
      `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / all) * 100).toFixed(1).padStart(5)}%  ${l}`,
    );
  }
};
if (AGAINST) {
  const other = summarize(AGAINST);
  const diff = new Map();
  for (const l of new Set([...total.keys(), ...other.total.keys()])) {
    diff.set(l, (total.get(l) ?? 0) / UNITS - (other.total.get(l) ?? 0) / OTHER_UNITS);
  }
  console.log(
    `${file}: ${(all / 1000 / UNITS).toFixed(3)} ms busy per unit; ${AGAINST}: ${(other.all / 1000 / OTHER_UNITS).toFixed(3)} ms`,
  );
  console.log('\ntotal time per unit, FILE minus OTHER (µs), largest first');
  const rows = [...diff].filter(([l]) => !MATCH || l.includes(MATCH)).sort((a, b) => b[1] - a[1]);
  for (const [l, us] of [...rows.slice(0, TOP), ['…', 0], ...rows.slice(-8)]) {
    console.log(`${us.toFixed(0).padStart(8)} µs  ${l}`);
  }
} else {
  console.log(`${file}: ${(all / 1000).toFixed(0)} ms busy (idle and skipped time left out)`);
  print('self time', self);
  print('total time (inclusive)', total);
}
