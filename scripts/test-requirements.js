#!/usr/bin/env node
// What the tests need from the system, in one place (`npm test` runs this before building; .ci/run too):
// Debian's packages, each with the program the tests run. Missing ones are installed where that is
// possible (root and apt-get, as in CI and containers); otherwise this prints the one command to run and
// exits 1, instead of letting hundreds of tests fail on a missing program.
//
//   node scripts/test-requirements.js             check, install if root + apt-get, else explain, exit 1
//   node scripts/test-requirements.js --packages  print the package names, one line (for scripts)
//
// MTS_SYSTEM_ROOT (tests only) makes every path relative to another root, to try a bare machine.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** Debian package → the program the tests run, where they run it (absolute) or look it up on PATH. */
export const REQUIREMENTS = [
  { pkg: 'mosquitto', program: '/usr/sbin/mosquitto', why: 'the broker the differential tests compare with' },
  { pkg: 'mosquitto-clients', program: 'mosquitto_pub', why: 'mosquitto_pub/_sub as independent clients' },
  { pkg: 'openssl', program: 'openssl', why: 'openssl verify, s_client and ca as judges' },
  { pkg: 'chromium', program: '/usr/bin/chromium', why: 'the end-to-end tests of the UI' },
  { pkg: 'tcpdump', program: 'tcpdump', why: 'captures for the TLS key-log test' },
  { pkg: 'tshark', program: 'tshark', why: 'decrypts the capture with the key log' },
];

const root = process.env.MTS_SYSTEM_ROOT ?? '/';

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute programs as they are; bare names on PATH, plus the sbin folders a non-root PATH lacks. */
function found(program) {
  if (program.startsWith('/')) return executable(join(root, program));
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'].filter(Boolean);
  return dirs.some((dir) => executable(join(root, dir, program)));
}

export function missingPackages() {
  return REQUIREMENTS.filter((requirement) => !found(requirement.program));
}

function main() {
  if (process.argv.includes('--packages')) {
    console.log(REQUIREMENTS.map((requirement) => requirement.pkg).join(' '));
    return 0;
  }
  let missing = missingPackages();
  if (missing.length === 0) return 0;
  const names = missing.map((requirement) => requirement.pkg);
  const aptGet = join(root, '/usr/bin/apt-get');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && executable(aptGet)) {
    console.log(`The tests need Debian packages that are missing: ${names.join(', ')}. Installing them…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync(aptGet, ['update', '-qq'], { stdio: 'inherit', env });
    const install =
      update.status === 0
        ? spawnSync(aptGet, ['install', '-y', '-qq', '--no-install-recommends', ...names], {
            stdio: 'inherit',
            env,
          })
        : update;
    missing = missingPackages();
    if (install.status === 0 && missing.length === 0) return 0;
  }
  const lines = missing.map((requirement) => `  ${requirement.pkg.padEnd(18)} ${requirement.why}`);
  console.error(
    [
      'The tests need these Debian packages, which are not installed:',
      ...lines,
      'Install them with this one command, then run npm test again:',
      `  sudo apt-get install -y ${missing.map((requirement) => requirement.pkg).join(' ')}`,
    ].join('\n'),
  );
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main();
