import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tarArchive, tarGz } from '../../src-main/core/export/tar-writer.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

describe('tar writer', () => {
  it('writes an archive GNU tar extracts with the same contents and modes', async () => {
    const dir = tempDir('mts-tar-');
    const longDir = 'clients/' + 'a-very-long-device-name-'.repeat(5).slice(0, 110);
    const binary = Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 256));
    const archive = tarGz([
      { path: 'certs/', type: 'directory' },
      { path: 'mosquitto.conf', data: 'listener 8883\n' },
      { path: 'certs/server.key', data: 'secret\n', mode: 0o600 },
      { path: 'certs/empty.txt', data: '' },
      { path: 'blob.bin', data: binary },
      { path: `${longDir}/device.key`, data: 'k', mode: 0o600 },
    ]);
    const file = join(dir, 'bundle.tar.gz');
    writeFileSync(file, archive);
    const out = join(dir, 'out');
    mkdirSync(out);
    const extracted = await run('tar', ['-xzf', file, '-C', out]);
    expect(extracted.stderr).toBe('');
    expect(extracted.code).toBe(0);
    expect(readFileSync(join(out, 'mosquitto.conf'), 'utf8')).toBe('listener 8883\n');
    expect(readFileSync(join(out, 'certs/server.key'), 'utf8')).toBe('secret\n');
    expect(statSync(join(out, 'certs/server.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'mosquitto.conf')).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(out, 'certs/empty.txt'), 'utf8')).toBe('');
    expect(readFileSync(join(out, 'blob.bin'))).toEqual(binary);
    expect(readFileSync(join(out, longDir, 'device.key'), 'utf8')).toBe('k');
    const listing = await run('tar', ['-tvzf', file]);
    expect(listing.code).toBe(0);
    expect(listing.stdout).toMatch(/-rw------- root\/root\s+7 .* certs\/server\.key/);
  });

  it('pads every entry to 512-byte blocks and ends with two zero blocks', () => {
    const raw = tarArchive([{ path: 'a.txt', data: 'x'.repeat(513) }], 0);
    expect(raw.length % 512).toBe(0);
    expect(raw.length).toBe(512 + 1024 + 1024);
    expect(raw.subarray(raw.length - 1024).every((b) => b === 0)).toBe(true);
    expect(gunzipSync(tarGz([{ path: 'a.txt', data: 'x' }], 0)).length).toBe(512 * 4);
  });

  it('refuses paths that would escape the folder it is unpacked in', () => {
    expect(() => tarArchive([{ path: '../etc/passwd', data: '' }])).toThrow(/refusing/);
  });
});
