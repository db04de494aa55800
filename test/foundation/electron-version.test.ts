import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from '../helpers/run.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
  engines: { node: string };
};
const electronPkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as {
  version: string;
  engines?: { node?: string };
};

describe('Electron: a supported major, installable and buildable on Node 20', () => {
  it('package.json asks for Electron ≥ 43 (41 gets no security fixes) and never runs its install script', () => {
    const major = Number(/\d+/.exec(pkg.devDependencies.electron)?.[0]);
    expect(major).toBeGreaterThanOrEqual(43);
    expect(Number(electronPkg.version.split('.')[0])).toBe(major);
    expect(pkg.allowScripts.electron).toBe(false);
  });

  it('npm start on an older Node says in one line which Node it needs', async () => {
    const need = /(\d+)\.(\d+)/.exec(electronPkg.engines?.node ?? '');
    const [major, minor] = process.versions.node.split('.').map(Number);
    const tooOld =
      need && (major < Number(need[1]) || (major === Number(need[1]) && minor < Number(need[2])));
    if (!tooOld) return; // this machine's Node can fetch Electron: nothing to say
    const result = await run(process.execPath, [join(ROOT, 'scripts/start.js')], { timeoutMs: 20_000 });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Node ≥ ${need[1]}.${need[2]}`);
    expect(lines[0]).toContain(process.versions.node);
    expect(lines[0]).toContain('npm run serve');
    expect(result.stdout).not.toContain('Fetching');
  });
});
