/**
 * A fresh machine (#19 item 10): `npm test` checks Debian's packages before building; where it cannot
 * install them it prints the one command to run and exits 1 instead of a wall of failing tests.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, ROOT } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const script = join(ROOT, 'scripts', 'test-requirements.js');

/** A machine root holding only the given programs (empty executables). */
function machine(programs: string[]): string {
  const root = tempDir('mts-bare-machine-');
  for (const program of programs) {
    mkdirSync(join(root, program, '..'), { recursive: true });
    writeFileSync(join(root, program), '#!/bin/sh\n');
    chmodSync(join(root, program), 0o755);
  }
  return root;
}

describe('scripts/test-requirements.js', () => {
  it('on this machine everything is there: exit 0, silent', async () => {
    const result = await run('node', [script], { timeoutMs: 10_000 });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('a bare machine without apt-get: the one command to run, exit 1', async () => {
    const result = await run('node', [script], { timeoutMs: 10_000, env: { MTS_SYSTEM_ROOT: machine([]) } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'sudo apt-get install -y mosquitto mosquitto-clients openssl chromium tcpdump tshark',
    );
    expect(result.stdout).toBe('');
  });

  it('names only what is missing (programs found on PATH and in sbin)', async () => {
    const root = machine(['/usr/sbin/mosquitto', '/usr/bin/openssl', '/usr/bin/chromium', '/usr/bin/tshark']);
    const result = await run('node', [script], {
      timeoutMs: 10_000,
      env: { MTS_SYSTEM_ROOT: root, PATH: '/usr/bin:/bin' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ {2}mosquitto-clients /m);
    expect(result.stderr).toMatch(/^ {2}tcpdump /m);
    expect(result.stderr).toContain('sudo apt-get install -y mosquitto-clients tcpdump\n');
  });

  it('npm test stops there, before building (its pretest step): no build', async () => {
    const result = await run('npm', ['run', 'pretest', '--silent'], {
      timeoutMs: 60_000,
      env: { MTS_SYSTEM_ROOT: machine([]) },
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('sudo apt-get install -y mosquitto');
    expect(result.stdout + result.stderr).not.toMatch(/tsc|electron-vite|vitest|RUN/);
  });

  it('as root with apt-get (CI, containers): installs what is missing, then goes on', async () => {
    const root = machine(['/usr/sbin/mosquitto', '/usr/bin/openssl', '/usr/bin/chromium', '/usr/bin/tshark']);
    // A stand-in apt-get that logs its arguments and "installs" by creating the programs under the root.
    writeFileSync(
      join(root, 'usr/bin/apt-get'),
      `#!/bin/sh\necho "$@" >> ${root}/apt.log\n` +
        `if [ "$1" = install ]; then for p in mosquitto_pub tcpdump; do printf '#!/bin/sh\\n' > ${root}/usr/bin/$p; chmod 755 ${root}/usr/bin/$p; done; fi\n`,
    );
    chmodSync(join(root, 'usr/bin/apt-get'), 0o755);
    const result = await run('node', [script], {
      timeoutMs: 10_000,
      env: { MTS_SYSTEM_ROOT: root, PATH: '/usr/bin:/bin' },
    });
    if (process.getuid?.() !== 0) {
      // Not root: never tries, says what to run.
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('sudo apt-get install -y mosquitto-clients tcpdump');
      return;
    }
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Installing them');
    expect(readFileSync(join(root, 'apt.log'), 'utf8')).toBe(
      'update -qq\ninstall -y -qq --no-install-recommends mosquitto-clients tcpdump\n',
    );
  });

  it('--packages lists them for scripts (one place: .ci/run and npm test use the same list)', async () => {
    const result = await run('node', [script, '--packages'], { timeoutMs: 10_000 });
    expect(result.stdout.trim()).toBe('mosquitto mosquitto-clients openssl chromium tcpdump tshark');
  });
});
