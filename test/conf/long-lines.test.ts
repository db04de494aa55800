import { describe, expect, it } from 'vitest';
import { runBuilt } from '../helpers/built-child.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Every parser of user files reads a 1 MB line in linear time. Each case runs the built parser in a child
 * process with a deadline far above what linear code needs (milliseconds) and far below what the
 * quadratic regexes took (`include_dir` matching alone took 1.5 s on 50 KB, so hours on 1 MB): a
 * regression shows as a killed child, not as a timed assertion. The answer is checked too.
 */
const MB = 1 << 20;

async function parse(module: string, body: string): Promise<unknown> {
  const code = `
    import * as m from './out/node/${module}';
    const blanks = (n, c = ' ') => c.repeat(n);
    const MB = ${MB};
    let result;
    try { result = { value: (() => { ${body} })() }; }
    catch (e) { result = { error: String(e && e.message || e).slice(0, 300) }; }
    console.log(JSON.stringify(result));`;
  const out = await runBuilt(code, 20_000);
  expect(out.finished, `did not finish within 20 s: ${out.stderr.slice(0, 300)}`).toBe(true);
  return out.result;
}

describe('parsers of user files are linear on long lines (1 MB)', () => {
  const dir = JSON.stringify(tempDir('mts-long-lines-'));
  it('mosquitto.conf: a run of CRs, a value padded with blanks inside, a bind address, log_dest file', async () => {
    expect(
      await parse(
        'core/conf/parse.js',
        `return m.parseMosquittoConf('listener 1883' + blanks(MB, '\\r') + 'x\\n').listeners.length;`,
      ),
    ).toMatchObject({ error: expect.stringContaining('mosquitto.conf:1') });
    expect(
      await parse(
        'core/conf/parse.js',
        `return m.parseMosquittoConf('listener 1883\\ncertfile a' + blanks(MB) + 'b' + blanks(10) + '\\nkeyfile k\\n').listeners[0].certfile.length;`,
      ),
    ).toEqual({ value: MB + 2 });
    expect(
      await parse(
        'core/conf/parse.js',
        `return m.parseMosquittoConf('listener 1883 a' + blanks(MB) + 'b\\n').listeners.length;`,
      ),
    ).toMatchObject({ error: expect.stringContaining('invalid bind address') });
    expect(
      await parse(
        'core/conf/parse.js',
        `return m.parseMosquittoConf('listener 1883\\nlog_dest file a' + blanks(MB, '\\t') + 'b\\t\\n').logDest[0].length;`,
      ),
    ).toEqual({ value: 'file a'.length + MB + 1 });
  });

  it('mosquitto.conf sections (export): trailing CRs and blanks after a run in the middle', async () => {
    expect(
      await parse(
        'core/export/conf-sections.js',
        `return m.confOptions('cafile a' + blanks(MB) + 'b' + blanks(MB, '\\r') + 'c\\n')[0].key;`,
      ),
    ).toEqual({ value: 'cafile' });
    expect(
      await parse(
        'core/export/conf-sections.js',
        `return m.confOptions('cafile a' + blanks(MB, '\\t') + 'b \\n').length;`,
      ),
    ).toEqual({ value: 1 });
  });

  it('include_dir (conf import): a long line of blanks inside the folder name', async () => {
    expect(
      await parse(
        'core/export/include-dir.js',
        `return m.mergeIncludeDirs('include_dir a' + blanks(MB) + 'b\\n', 'mosquitto.conf', '/nonexistent').text;`,
      ),
    ).toMatchObject({
      error: expect.stringMatching(/^mosquitto\.conf:1: include_dir a {16}/),
    });
    expect(
      await parse(
        'core/export/include-dir.js',
        `return m.mergeIncludeDirs('include_dirx' + blanks(MB) + 'b\\n' + blanks(MB, '\\r') + 'x', 'c', '/').origin.length;`,
      ),
    ).toEqual({ value: 2 });
  });

  it('ACL file: trailing blanks after a run of blanks, a topic and a user name padded inside', async () => {
    expect(
      await parse(
        'core/acl/parse-acl.js',
        `return m.readAcl('topic read a' + blanks(60000) + 'b' + blanks(MB, '\\t') + '\\n', 'acl').lines[0].topic.length;`,
      ),
    ).toEqual({ value: 60002 });
    expect(
      await parse(
        'core/acl/parse-acl.js',
        `return m.readAcl('topic read a' + blanks(MB) + 'b' + blanks(MB, '\\t') + 'c\\n', 'acl').lines[0].error;`,
      ),
    ).toEqual({ value: expect.stringContaining('invalid topic') });
    expect(
      await parse(
        'core/acl/parse-acl.js',
        `return m.readAcl('user a' + blanks(MB, '\\v') + 'b\\n' + 'topic x' + blanks(MB, '\\r') + 'y', 'acl').lines[0].username.length;`,
      ),
    ).toEqual({ value: MB + 2 });
  });

  it('password file: a run of CRs inside a line, blanks inside a name', async () => {
    expect(
      await parse(
        'core/conf/password-file.js',
        `return m.parsePasswordFile('user:' + blanks(MB, '\\r') + 'x\\n' + 'a' + blanks(MB) + 'b:$7$101$x$y\\n').notices.length;`,
      ),
    ).toEqual({ value: 2 });
  });

  it('PSK file: a run of CRs inside a line', async () => {
    expect(
      await parse(
        'core/conf/psk-file.js',
        `return m.parsePskFile('id:ab' + blanks(MB, '\\r') + 'cd\\n', 'psk.txt').identities.size;`,
      ),
    ).toMatchObject({ error: expect.stringContaining('psk.txt:1') });
  });

  it('certificate files: many BEGIN lines without an END', async () => {
    expect(
      await parse(
        'core/export/source-files.js',
        `
        const { writeFileSync } = process.getBuiltinModule('node:fs');
        const dir = ${dir};
        writeFileSync(dir + '/a.pem', '-----BEGIN CERTIFICATE-----\\n'.repeat(MB / 28));
        return m.readCaPath({ key: 'capath', value: dir, line: 1 }, '/', 'mosquitto.conf').data.length;`,
      ),
    ).toEqual({ value: 0 });
    expect(
      await parse(
        'core/conf/tls-files.js',
        `
        const { writeFileSync } = process.getBuiltinModule('node:fs');
        const dir = ${dir};
        writeFileSync(dir + '/a.pem', '-----BEGIN CERTIFICATE-----\\n'.repeat(MB / 28));
        return m.readCertificates(dir + '/a.pem').pem.length;`,
      ),
    ).toMatchObject({ error: expect.stringContaining('holds no PEM certificate') });
  });
});
