/** `mqtt-tls-studio acl check|lint` against the CLI.md contract (the built CLI, a real process). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('acl-cli-');
const ws = ['--workspace', join(dir, 'ws')];
const good = join(dir, 'acl.conf');
writeFileSync(
  good,
  [
    '# plant 3',
    'topic read public/#',
    'user device-1',
    'topic readwrite devices/device-1/#',
    'topic deny devices/device-1/admin',
    'pattern read status/%c',
    '',
  ].join('\n'),
);
const bad = join(dir, 'bad.conf');
writeFileSync(bad, 'topic read ok\ntopic read also/ok\n\t# indented comment\n');

const check = (...args: string[]) => cli(['acl', 'check', '--acl', good, ...args, ...ws]);

describe('acl check', () => {
  test('allow: first word, then the deciding rule as FILE:LINE and its text; exit 0', async () => {
    const r = await check('--username', 'device-1', '--topic', 'devices/device-1/temp', '--access', 'write');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`allow ${good}:4: topic readwrite devices/device-1/#`);
  });

  test('deny by a rule names it; exit 1', async () => {
    const r = await check('--username', 'device-1', '--topic', 'devices/device-1/admin', '--access', 'read');
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe(`deny ${good}:5: topic deny devices/device-1/admin`);
    expect(r.stdout).toMatch(/deny rules are checked/);
  });

  test('default deny when nothing matches (anonymous rules do not apply to users)', async () => {
    const r = await check('--username', 'device-1', '--topic', 'public/news', '--access', 'read');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^deny default deny: no rule matches/);
  });

  test('--clientid fills %c; --json prints one document', async () => {
    const r = await check(
      '--clientid',
      'sensor-7',
      '--topic',
      'status/sensor-7',
      '--access',
      'read',
      '--json',
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      decision: 'allow',
      allow: true,
      rule: { file: good, line: 6, text: 'pattern read status/%c', expanded: 'status/sensor-7' },
      question: { username: null, clientId: 'sensor-7', topic: 'status/sensor-7', access: 'read' },
    });
  });

  test('a file Mosquitto refuses: exit 1, one stderr line naming file:line', async () => {
    const r = await cli(['acl', 'check', '--acl', bad, '--topic', 'ok', '--access', 'read', ...ws]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^error: ${bad}:3: `))]);
  });

  test('bad usage exits 2; a missing file or a wildcard topic exits 1 naming it', async () => {
    expect((await check('--topic', 'x', '--access', 'rw')).code).toBe(2);
    expect((await check('--access', 'read')).code).toBe(2);
    const missing = await cli([
      'acl',
      'check',
      '--acl',
      join(dir, 'nope'),
      '--topic',
      'x',
      '--access',
      'read',
      ...ws,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(join(dir, 'nope'));
    const wild = await check('--topic', 'a/#', '--access', 'read');
    expect(wild.code).toBe(1);
    expect(wild.stderr).toMatch(/topic/);
  });
});

describe('acl lint', () => {
  test('a file Mosquitto loads: warnings only, exit 0', async () => {
    const r = await cli(['acl', 'lint', '--acl', good, ...ws]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${good}:2: warning:`);
    expect(r.stdout).toMatch(/0 errors, 1 warning/);
  });

  test('a file Mosquitto refuses: exit 1, naming the line', async () => {
    const r = await cli(['acl', 'lint', '--acl', bad, ...ws]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${bad}:3: error:`);
    expect(r.stderr).toMatch(new RegExp(`^error: ${bad}:3: `));
  });

  test('--json', async () => {
    const r = await cli(['acl', 'lint', '--acl', bad, '--json', ...ws]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      refused: true,
      errors: 1,
      diagnostics: [{ line: 3, severity: 'error', code: 'refused' }],
    });
  });
});
