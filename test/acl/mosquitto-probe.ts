import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from '../helpers/ports.js';

/**
 * Does Debian's Mosquitto start with this ACL file? Resolves `accepted: true` once it listens (then stops
 * it), or `accepted: false` with everything it printed once it has exited. (Unlike the shared helpers it
 * waits for 'close', so the output is never lost to the exit/stdio race.) `dir` must be readable by the
 * `mosquitto` user: started as root, Mosquitto drops privileges before it reads the ACL file.
 */
export async function mosquittoAccepts(
  dir: string,
  aclText: string,
): Promise<{ accepted: boolean; output: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const aclPath = join(dir, 'acl');
  writeFileSync(aclPath, aclText, { mode: 0o644 });
  const port = await freePort();
  const confPath = join(dir, 'mosquitto.conf');
  writeFileSync(confPath, `listener ${port} 127.0.0.1\nacl_file ${aclPath}\nlog_dest stderr\n`);
  const child = spawn('/usr/sbin/mosquitto', ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const listening = waitForPort(port, '127.0.0.1', 10_000).then(
    () => 'up' as const,
    () => 'timeout' as const,
  );
  const first = await Promise.race([listening, closed.then(() => 'down' as const)]);
  if (first === 'down') return { accepted: false, output: `exit ${child.exitCode}: ${output}` };
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await closed;
  clearTimeout(killer);
  if (first === 'timeout') throw new Error(`mosquitto neither listened nor exited:\n${output}`);
  return { accepted: true, output };
}
