// Build whatever of out/ is missing or older than its sources (shared by start.js and serve.js).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

function stale(output, sources) {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return sources.some((source) => newest(source) > built);
}

function run(args) {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

export function ensureBuilt({ electron = false } = {}) {
  if (stale('out/node/cli/main.js', ['src-main']))
    run(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.node.json']);
  if (stale('out/cli/main.js', ['out/node/cli', 'out/node/core', 'out/node/api']))
    run(['scripts/bundle-cli.js']);
  const bundle = electron ? 'out/main/main.js' : 'out/renderer/index.html';
  if (stale(bundle, ['src-main', 'src-renderer']))
    run(['node_modules/electron-vite/bin/electron-vite.js', 'build']);
}
