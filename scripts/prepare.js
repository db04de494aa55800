// npm's `prepare` (runs on `npm install` in a checkout): compile the core, api, CLI and browser mode, and
// bundle the CLI (scripts/bundle-cli.js), so `npx mqtt-tls-studio` works at once. The Electron bundle is built by `npm start` / `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('node_modules/typescript')) {
  // Installed as a dependency without dev tools: the published package ships out/ already.
  process.exit(0);
}
for (const args of [
  ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.node.json'],
  ['scripts/bundle-cli.js'],
]) {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
