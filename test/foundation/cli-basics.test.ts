import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cli, CLI, ROOT } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('CLI conventions', () => {
  it('--version prints the package version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('--help lists the commands and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: mqtt-tls-studio <command>');
    expect(r.stdout).toContain('info');
  });

  it('an unknown command is bad usage (exit 2) with one line on stderr', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown command: frobnicate');
  });

  it('-V alone prints the version too (the launcher answers it before the ES modules load)', async () => {
    const r = await cli(['-V']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('a reader that closes the pipe early (`| head`) ends the command quietly, with no stack', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first write: that write fails with EPIPE
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('an unknown option is bad usage (exit 2) and names the option', async () => {
    const r = await cli(['info', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--bogus');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('info --json prints one JSON document naming the workspace from --workspace', async () => {
    const dir = join(tempDir(), 'ws');
    const r = await cli(['info', '--workspace', dir, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { workspace: string; version: string; surface: string };
    expect(doc.workspace).toBe(dir);
    expect(doc.version).toBe(version);
    expect(doc.surface).toBe('cli');
  });

  it('the workspace comes from MQTT_TLS_STUDIO_WORKSPACE when --workspace is absent', async () => {
    const dir = join(tempDir(), 'env-ws');
    const r = await cli(['info', '--json'], { env: { MQTT_TLS_STUDIO_WORKSPACE: dir } });
    expect((JSON.parse(r.stdout) as { workspace: string }).workspace).toBe(dir);
  });

  it('every command answers --help with its usage and examples', async () => {
    const general = await cli(['--help']);
    const names = general.stdout
      .split('Commands:\n')[1]
      .split('\n\n')[0]
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/)[0])
      .filter(Boolean);
    expect(names.length).toBeGreaterThan(0);
    // four at a time: quick on an idle machine, no pile-up on a busy one
    const helps: Awaited<ReturnType<typeof cli>>[] = [];
    for (let i = 0; i < names.length; i += 4) {
      helps.push(
        ...(await Promise.all(names.slice(i, i + 4).map((name) => cli([...name.split(' '), '--help'])))),
      );
    }
    names.forEach((name, i) => {
      const r = helps[i]!;
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toContain(`mqtt-tls-studio ${name}`);
      expect(r.stdout, name).toContain('Examples:');
    });
  }, 120_000);
});
