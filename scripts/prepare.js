// npm's `prepare` (runs on `npm install` in a checkout): compile the core, api, CLI and browser mode so
// `npx mqtt-tls-studio` works at once. The Electron bundle is built by `npm start` / `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('node_modules/typescript')) {
  // Installed as a dependency without dev tools: the published package ships out/ already.
  process.exit(0);
}
const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.node.json'], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
