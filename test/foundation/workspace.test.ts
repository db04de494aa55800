import { describe, expect, it } from 'vitest';
import { readdirSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace } from '../../src-main/core/workspace/workspace.js';
import { UserError } from '../../src-main/core/user-error.js';
import { tempDir } from '../helpers/tmp.js';

describe('workspace store', () => {
  it('commits several files at once, keys with mode 0600, and marks the format', () => {
    const ws = new Workspace(join(tempDir(), 'ws'));
    expect(ws.isEmpty()).toBe(true);
    ws.commit([
      { path: 'certs/a.crt', data: 'CERT' },
      { path: 'keys/a.key', data: 'KEY', secret: true },
      ws.jsonChange('certificates.json', [{ name: 'a' }]),
    ]);
    expect(ws.readText('certs/a.crt')).toBe('CERT');
    expect(statSync(ws.path('keys/a.key')).mode & 0o777).toBe(0o600);
    expect(statSync(ws.path('certs/a.crt')).mode & 0o777).toBe(0o644);
    expect(ws.readJson('certificates.json', [])).toEqual([{ name: 'a' }]);
    expect(JSON.parse(readFileSync(ws.path('workspace.json'), 'utf8'))).toEqual({ format: 1 });
    expect(ws.isEmpty()).toBe(false);
  });

  it('removes files in the same commit and leaves no temp files behind', () => {
    const ws = new Workspace(join(tempDir(), 'ws'));
    ws.commit([{ path: 'x.txt', data: 'x' }]);
    ws.commit([
      { path: 'x.txt', remove: true },
      { path: 'y.txt', data: 'y' },
    ]);
    expect(ws.exists('x.txt')).toBe(false);
    expect(readdirSync(ws.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a path that escapes the workspace, writing nothing', () => {
    const ws = new Workspace(join(tempDir(), 'ws'));
    ws.commit([{ path: 'a.txt', data: 'a' }]);
    const before = readdirSync(ws.dir).sort();
    expect(() =>
      ws.commit([
        { path: 'b.txt', data: 'b' },
        { path: '../evil.txt', data: 'x' },
      ]),
    ).toThrow(UserError);
    expect(readdirSync(ws.dir).sort()).toEqual(before);
  });

  it('names the file when an index is not valid JSON', () => {
    const ws = new Workspace(join(tempDir(), 'ws'));
    ws.commit([{ path: 'certificates.json', data: '{ nope' }]);
    expect(() => ws.readJson('certificates.json', [])).toThrow(/certificates\.json: not valid JSON/);
  });
});
