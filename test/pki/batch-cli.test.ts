/** `cert batch`: client certificates for a list of device ids, through the built CLI, judged by openssl. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { opensslOk, snapshot } from './helpers.js';

describe('cert batch', () => {
  const dir = tempDir('pki-batch-');
  const wsDir = join(dir, 'ws');
  const f = (name: string) => join(dir, name);
  const run = (...args: string[]) => cli([...args, '--workspace', wsDir], { timeoutMs: 60_000 });

  beforeAll(async () => {
    expect((await run('ca', 'create', '--name', 'root', '--cn', 'Batch Root')).code).toBe(0);
    expect((await run('ca', 'create', '--name', 'int', '--cn', 'Batch Int', '--parent', 'root')).code).toBe(
      0,
    );
  }, 60_000);

  it('issues one client certificate per device id in one commit; --json lists them; openssl verifies', async () => {
    writeFileSync(f('devices.txt'), '# fleet of plant 1\ndevice_id\nsensor-1\nsensor-2\n\nvalve-7\r\n');
    const r = await run(
      'cert',
      'batch',
      '--ca',
      'int',
      '--devices',
      f('devices.txt'),
      '--prefix',
      'p1-',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { issued } = JSON.parse(r.stdout) as { issued: Array<{ name: string; cn: string; kind: string }> };
    expect(issued.map((c) => [c.name, c.cn, c.kind])).toEqual([
      ['p1-sensor-1', 'sensor-1', 'client'],
      ['p1-sensor-2', 'sensor-2', 'client'],
      ['p1-valve-7', 'valve-7', 'client'],
    ]);
    for (const c of issued) {
      expect(statSync(join(wsDir, 'keys', `${c.name}.key`)).mode & 0o777).toBe(0o600);
    }
    writeFileSync(f('root.pem'), readFileSync(join(wsDir, 'certs', 'root.crt')));
    const out = await opensslOk([
      'verify',
      '-CAfile',
      f('root.pem'),
      '-untrusted',
      join(wsDir, 'certs', 'int.crt'),
      '-purpose',
      'sslclient',
      join(wsDir, 'certs', 'p1-valve-7.crt'),
    ]);
    expect(out).toMatch(/: OK/);
    const subject = await opensslOk([
      'x509',
      '-in',
      join(wsDir, 'certs', 'p1-valve-7.crt'),
      '-noout',
      '-subject',
      '-nameopt',
      'RFC2253',
    ]);
    expect(subject.trim()).toBe('subject=CN=valve-7');
  }, 60_000);

  it('prints what it made for a person', async () => {
    writeFileSync(f('more.csv'), 'id,location\nm-1,hall\nm-2,yard\n');
    const r = await run(
      'cert',
      'batch',
      '--ca',
      'int',
      '--devices',
      f('more.csv'),
      '--key',
      'ed25519',
      '--days',
      '30',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Issued 2 client certificates signed by "int" \(Ed25519, valid until /);
    expect(r.stdout).toContain('m-1, m-2');
  }, 60_000);

  it('a bad list names the file and line, exits 1 and changes nothing', async () => {
    const before = snapshot(wsDir);
    writeFileSync(f('dup.txt'), 'a-1\nb-2\na-1\n');
    const dup = await run('cert', 'batch', '--ca', 'int', '--devices', f('dup.txt'));
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe(`error: ${f('dup.txt')}:3: "a-1" appears twice in the list\n`);
    writeFileSync(f('taken.txt'), 'new-1\nsensor-1\n');
    const taken = await run('cert', 'batch', '--ca', 'int', '--devices', f('taken.txt'), '--prefix', 'p1-');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^error: .*taken\.txt:2: .*p1-sensor-1/);
    writeFileSync(f('empty.txt'), '# nothing\n\n');
    const empty = await run('cert', 'batch', '--ca', 'int', '--devices', f('empty.txt'));
    expect(empty.stderr).toBe(`error: ${f('empty.txt')}: no device ids found\n`);
    const missing = await run('cert', 'batch', '--ca', 'int', '--devices', f('nope.txt'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*nope\.txt: cannot read the device list \(ENOENT\)\n$/);
    const usage = await run('cert', 'batch', '--devices', f('dup.txt'));
    expect(usage.code).toBe(2);
    expect(snapshot(wsDir)).toEqual(before);
    const help = await cli(['cert', 'batch', '--help']);
    expect(help.stdout).toContain('mqtt-tls-studio cert batch');
    expect(help.stdout).toContain('Examples:');
  }, 60_000);
});
