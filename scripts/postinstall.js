// npm's `postinstall`: apply patches/ to the pinned aedes (each patch answers one upstream defect; README,
// "The local broker"). A checkout (npm ci / npm install) has patch-package and must apply every patch, or
// the install fails; installed as a dependency without dev tools there is nothing to run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('node_modules/patch-package') || !existsSync('patches')) process.exit(0);
const result = spawnSync(
  process.execPath,
  ['node_modules/patch-package/index.js', '--error-on-fail', '--error-on-warn'],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
