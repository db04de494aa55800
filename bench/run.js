// `npm run bench`: build what is stale, then run every benchmark (or those whose name contains an
// argument: `npm run bench -- broker`) one after another. Each prints its own comparison table; none of
// them is part of `npm test`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../scripts/ensure-built.js';

/** The benchmarks (broker-server.js is a helper process of broker-compare.js and broker-messages.js its
 * message part, not benchmarks). */
const BENCHMARKS = [
  'pki-issue.js',
  'pki-keys.js',
  'quickstart.js',
  'broker-compare.js',
  'client-log.js',
  'cli-devices.js',
];

const here = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
ensureBuilt();
const files = BENCHMARKS.filter((name) => wanted.length === 0 || wanted.some((w) => name.includes(w)));
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, ['--expose-gc', `${here}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
