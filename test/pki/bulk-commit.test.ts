import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { snapshot } from './helpers.js';
import { commitMany } from '../../src-main/core/workspace/bulk-commit.js';
import { Workspace } from '../../src-main/core/workspace/workspace.js';

describe('commitMany (batch issue): many files, all or nothing', () => {
  it('writes every file with its mode, and the format marker', async () => {
    const dir = tempDir('pki-bulk-');
    const ws = new Workspace(dir);
    await commitMany(ws, [
      ...Array.from({ length: 300 }, (_, i) => ({ path: `certs/c${i}.crt`, data: `cert ${i}\n` })),
      ...Array.from({ length: 300 }, (_, i) => ({
        path: `keys/c${i}.key`,
        data: `key ${i}\n`,
        secret: true,
      })),
    ]);
    expect(readFileSync(join(dir, 'certs', 'c299.crt'), 'utf8')).toBe('cert 299\n');
    expect(statSync(join(dir, 'keys', 'c7.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'certs', 'c7.crt')).mode & 0o777).toBe(0o644);
    expect(JSON.parse(readFileSync(join(dir, 'workspace.json'), 'utf8'))).toEqual({ format: 1 });
  });

  it('a failure while staging leaves the folder exactly as it was (no temp files either)', async () => {
    const dir = tempDir('pki-bulk-');
    const ws = new Workspace(dir);
    ws.commit([{ path: 'certs/taken.crt', data: 'x' }]);
    const before = snapshot(dir);
    await expect(
      commitMany(ws, [
        ...Array.from({ length: 50 }, (_, i) => ({ path: `certs/n${i}.crt`, data: 'new' })),
        { path: 'certs/taken.crt/inside', data: 'cannot be: taken.crt is a file' },
      ]),
    ).rejects.toThrow();
    expect(snapshot(dir)).toEqual(before);
  });
});
