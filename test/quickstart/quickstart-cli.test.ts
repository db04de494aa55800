import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLI, cli, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort } from '../helpers/ports.js';

/** Start `mqtt-tls-studio broker` and resolve once it printed its listener line. */
function startCliBroker(workspace: string) {
  const child = spawn(process.execPath, [CLI, 'broker', '--workspace', workspace], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`broker did not listen in 15 s:\n${stdout}\n${stderr}`)),
      15_000,
    );
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = /listening (mqtts:\/\/\S+)/.exec(stdout);
      if (line) {
        clearTimeout(timer);
        resolve(line[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}:\n${stdout}\n${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, listening, exited, output: () => stdout };
}

describe('quickstart then broker from the command line', () => {
  it('serves mosquitto_pub and mosquitto_sub using the exported device-1 files, and stops cleanly', async () => {
    const root = tempDir();
    const ws = join(root, 'ws');
    const port = await freePort();
    const made = await cli(['quickstart', '--workspace', ws, '--port', String(port)]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain(`mqtts on port ${port}`);

    const out = join(root, 'device-1');
    const exported = await cli(['cert', 'export', 'device-1', '--out', out, '--workspace', ws]);
    expect(exported.code, exported.stderr).toBe(0);

    const broker = startCliBroker(ws);
    try {
      expect(await broker.listening).toBe(`mqtts://127.0.0.1:${port}`);
      const tls = ['-h', 'localhost', '-p', String(port), '--cafile', join(out, 'ca.crt')];
      const id = ['--cert', join(out, 'device-1.crt'), '--key', join(out, 'device-1.key')];
      const sub = run('mosquitto_sub', [
        ...tls,
        ...id,
        '-t',
        'devices/device-1/#',
        '-C',
        '1',
        '-W',
        '10',
        '-v',
      ]);
      await new Promise((r) => setTimeout(r, 600));
      const pub = await run('mosquitto_pub', [
        ...tls,
        ...id,
        '-t',
        'devices/device-1/temp',
        '-m',
        '21.5',
        '-q',
        '1',
      ]);
      expect(pub.code, pub.stderr).toBe(0);
      expect((await sub).stdout.trim()).toBe('devices/device-1/temp 21.5');

      // Outside its subtree device-1 is refused by the ACL: the message is dropped, not delivered.
      const other = run('mosquitto_sub', [...tls, ...id, '-t', 'devices/device-1/#', '-C', '1', '-W', '2']);
      await new Promise((r) => setTimeout(r, 600));
      await run('mosquitto_pub', [...tls, ...id, '-t', 'devices/device-2/temp', '-m', 'nope']);
      expect((await other).stdout).toBe('');
      expect(broker.output()).toMatch(/device-1.*devices\/device-2\/temp/);
    } finally {
      broker.child.kill('SIGINT');
    }
    expect(await broker.exited).toBe(0);
  });
});
