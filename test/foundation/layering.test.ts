import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../helpers/run.js';

function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full, pattern));
    else if (pattern.test(name)) out.push(full);
  }
  return out;
}

/** Every module specifier a file imports (static, dynamic, require, export-from). */
function importsOf(text: string): Array<{ spec: string; typeOnly: boolean }> {
  const found: Array<{ spec: string; typeOnly: boolean }> = [];
  const patterns = [
    /\bimport\s+(type\s+)?[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bexport\s+(type\s+)?[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*()['"]([^'"]+)['"]/g,
    /\bimport\(\s*()['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*()['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) found.push({ spec: match[2], typeOnly: Boolean(match[1]) });
  }
  return found;
}

describe('layering: the folder says where code may run', () => {
  it('no file under src-main/core imports electron or the renderer', () => {
    const offenders: string[] = [];
    for (const file of filesUnder(join(ROOT, 'src-main/core'), /\.(ts|js|mjs|cjs)$/)) {
      for (const { spec } of importsOf(readFileSync(file, 'utf8'))) {
        if (spec === 'electron' || spec.startsWith('electron/') || spec.includes('src-renderer')) {
          offenders.push(`${relative(ROOT, file)} imports ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the api and browser-mode adapters do not import electron either', () => {
    const offenders: string[] = [];
    for (const dir of ['src-main/api', 'src-main/serve', 'src-main/cli']) {
      for (const file of filesUnder(join(ROOT, dir), /\.ts$/)) {
        for (const { spec } of importsOf(readFileSync(file, 'utf8'))) {
          if (spec === 'electron') offenders.push(`${relative(ROOT, file)} imports electron`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the renderer reaches Node and the core only through types', () => {
    const offenders: string[] = [];
    for (const file of filesUnder(join(ROOT, 'src-renderer/src'), /\.(ts|svelte)$/)) {
      for (const { spec, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
        const nodeBuiltin =
          spec.startsWith('node:') || /^(fs|net|tls|child_process|path|os|crypto)$/.test(spec);
        // plain values the api shares with the renderer (api/contract/*-values.ts) import nothing themselves
        const plainValues =
          /src-main\/api\/contract\/[a-z-]+-values\.js$/.test(spec) &&
          importsOf(readFileSync(join(dirname(file), spec.replace(/\.js$/, '.ts')), 'utf8')).length === 0;
        const core = spec.includes('src-main/') && !typeOnly && !plainValues;
        if (nodeBuiltin || core || spec === 'electron')
          offenders.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
