// `npm start`: the desktop app. npm install skips Electron's binary download (package.json
// "allowScripts"), so the first start fetches it; where that cannot work, say so in one line.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt } from './ensure-built.js';

const electronDir = join('node_modules', 'electron');

// Electron's package (45) needs a newer Node than the rest of the project for its binary installer:
// say so in one line instead of failing inside it.
function nodeNeeded() {
  let range = '';
  try {
    range = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).engines?.node ?? '';
  } catch {
    return undefined;
  }
  const need = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(range);
  if (!need) return undefined;
  const [major, minor] = process.versions.node.split('.').map(Number);
  const [needMajor, needMinor] = [Number(need[1]), Number(need[2])];
  const ok = major > needMajor || (major === needMajor && minor >= needMinor);
  return ok ? undefined : `${needMajor}.${needMinor}`;
}

function binaryPath() {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

let binary = binaryPath();
if (!binary) {
  const tooOld = nodeNeeded();
  if (tooOld) {
    console.error(
      `npm start needs Node ≥ ${tooOld} to fetch Electron's binary (this is Node ${process.versions.node}); \`npm run serve\` runs the same app in your browser on Node ≥ 20.19.`,
    );
    process.exit(1);
  }
  console.log('Fetching the Electron binary (first start only)…');
  const result = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' },
  });
  binary = result.status === 0 ? binaryPath() : undefined;
  if (!binary) {
    const reason =
      String(result.stderr ?? '')
        .split('\n')
        .find((line) => /error/i.test(line)) ?? 'no network';
    console.error(
      `The Electron binary could not be downloaded (${reason.trim().slice(0, 120)}); \`npm run serve\` runs the same app in your browser.`,
    );
    process.exit(1);
  }
}
ensureBuilt({ electron: true });
const child = spawn(binary, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
