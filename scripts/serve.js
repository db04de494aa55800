// `npm run serve`: the app in your browser (no Electron needed). Extra args go to the server, e.g.
// `npm run serve -- --port 5170 --workspace ./ws`.
import { spawn } from 'node:child_process';
import { ensureBuilt } from './ensure-built.js';

ensureBuilt();
const child = spawn(process.execPath, ['out/node/serve/main.js', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
