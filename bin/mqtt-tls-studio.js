#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/node/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('mqtt-tls-studio is not built yet: run `npm run build:node` (npm install does it).\n');
  process.exit(2);
}
await import(entry.href);
