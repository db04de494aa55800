#!/usr/bin/env node
// CommonJS (bin/package.json): scripts call `--version` in loops, and answering it here, before Node starts its
// ES module loader, keeps it as cheap as `node -e 0` (~15 ms of CPU less). Everything else runs the ES modules.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(
    JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version + '\n',
  );
} else {
  const entry = join(__dirname, '..', 'out', 'cli', 'main.js'); // scripts/bundle-cli.js
  if (!existsSync(entry)) {
    process.stderr.write(
      'mqtt-tls-studio is not built yet: run `npm run build:node` (npm install does it).\n',
    );
    process.exit(2);
  }
  import(pathToFileURL(entry).href);
}
