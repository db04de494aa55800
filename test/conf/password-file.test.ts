import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  decodePasswordHash,
  hashPassword,
  parsePasswordFile,
  parsePskFile,
  pskKeyBytes,
  removePasswordUser,
  setPassword,
} from '../../src-main/core/conf/index.js';
import { run } from '../helpers/run.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { freePort } from '../helpers/ports.js';
import { startMosquitto } from '../helpers/mosquitto.js';

describe('password file ($7$, mosquitto_passwd compatible)', () => {
  const dir = sharedTempDir('mts-pw-');

  it('reads what mosquitto_passwd writes', async () => {
    const file = join(dir, 'from-mosquitto');
    writeFileSync(file, '');
    expect((await run('mosquitto_passwd', ['-b', file, 'alice', 's3cret: with colon'])).code).toBe(0);
    expect((await run('mosquitto_passwd', ['-b', file, 'bob', 'hunter2'])).code).toBe(0);
    const parsed = parsePasswordFile(readFileSync(file, 'utf8'));
    expect([...parsed.users.keys()]).toEqual(['alice', 'bob']);
    const alice = parsed.users.get('alice')!;
    expect(alice.hash.type).toBe(7);
    expect(alice.hash.type === 7 && alice.hash.iterations).toBe(101);
    expect(await checkPassword(alice.hash, 's3cret: with colon')).toBe(true);
    expect(await checkPassword(alice.hash, 's3cret')).toBe(false);
    expect(await checkPassword(parsed.users.get('bob')!.hash, Buffer.from('hunter2'))).toBe(true);
  });

  it('writes what mosquitto_passwd and Mosquitto accept', async () => {
    const file = join(dir, 'from-us');
    // mosquitto_passwd calls a file with a comment line corrupt (the broker skips comments): write none
    let text = setPassword('', 'carol', 'pa ss');
    text = setPassword(text, 'dave', 'old');
    text = setPassword(text, 'dave', 'new');
    expect(text.match(/^dave:/gm)).toHaveLength(1);
    expect(setPassword('# kept\n', 'x', 'y').split('\n')[0]).toBe('# kept');
    writeFileSync(file, text);
    // mosquitto_passwd rewrites a file it can read; deleting a user leaves ours intact
    expect((await run('mosquitto_passwd', ['-D', file, 'carol'])).code).toBe(0);
    const after = readFileSync(file, 'utf8');
    expect(after).toContain(text.split('\n').find((l) => l.startsWith('dave:')));
    expect(after).not.toContain('carol:');
    // Mosquitto itself authenticates with our hash
    writeFileSync(file, text);
    const port = await freePort();
    const broker = await startMosquitto(
      dir,
      `listener ${port} 127.0.0.1\npassword_file ${file}\nallow_anonymous false\n`,
      port,
    );
    try {
      const ok = await run('mosquitto_pub', [
        '-p',
        String(port),
        '-h',
        '127.0.0.1',
        '-u',
        'dave',
        '-P',
        'new',
        '-t',
        't',
        '-m',
        'x',
      ]);
      const bad = await run('mosquitto_pub', [
        '-p',
        String(port),
        '-h',
        '127.0.0.1',
        '-u',
        'dave',
        '-P',
        'old',
        '-t',
        't',
        '-m',
        'x',
      ]);
      const spaced = await run('mosquitto_pub', [
        '-p',
        String(port),
        '-h',
        '127.0.0.1',
        '-u',
        'carol',
        '-P',
        'pa ss',
        '-t',
        't',
        '-m',
        'x',
      ]);
      expect(ok.code).toBe(0);
      expect(spaced.code).toBe(0);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/not authori[sz]ed/i);
    } finally {
      await broker.stop();
    }
  });

  it('matches Node pbkdf2 with a fixed salt, and reads $6$ hashes', async () => {
    const salt = Buffer.alloc(12, 7);
    const hash = hashPassword('pw', { salt });
    expect(hash.startsWith(`$7$101$${salt.toString('base64')}$`)).toBe(true);
    const decoded = decodePasswordHash(hash);
    expect(typeof decoded).toBe('object');
    const { createHash } = await import('node:crypto');
    const six = `$6$${salt.toString('base64')}$${createHash('sha512').update('pw').update(salt).digest('base64')}`;
    const sixDecoded = decodePasswordHash(six);
    expect(typeof sixDecoded !== 'string' && (await checkPassword(sixDecoded, 'pw'))).toBe(true);
  });

  it('skips what Mosquitto skips, with a notice naming the line', () => {
    const parsed = parsePasswordFile(
      [
        '# comment',
        'no colon here',
        'eve:',
        'frank:$7$101$short$short',
        `gina:${hashPassword('x')}`,
        '',
      ].join('\n'),
    );
    expect([...parsed.users.keys()]).toEqual(['gina']);
    expect(parsed.notices.map((n) => n.line)).toEqual([2, 3, 4]);
    expect(removePasswordUser(`a:${hashPassword('1')}\nb:${hashPassword('2')}\n`, 'a')).toMatch(/^b:\$7\$/);
  });
});

describe('PSK file', () => {
  it('reads identity:hexkey lines and refuses a non-hex key with its line', () => {
    const parsed = parsePskFile('# psk\ndevice-1:0a1b2c\ndevice-2:abc\n', 'psk.txt');
    expect(parsed.identities.get('device-1')?.key).toEqual(Buffer.from([0x0a, 0x1b, 0x2c]));
    expect(pskKeyBytes('abc')).toEqual(Buffer.from([0x0a, 0xbc]));
    expect(() => parsePskFile('ok:00ff\nbad:xyz\n', 'psk.txt')).toThrow(
      /^psk.txt:2: PSK for identity "bad" contains non-hexadecimal/,
    );
  });
});
