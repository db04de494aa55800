import { describe, expect, test } from 'vitest';
import { evaluateAcl, formatAcl, parseAcl, readAcl, type RuleLine } from '../../src-main/core/acl/index.js';
import { isUserError } from '../../src-main/core/user-error.js';

const SAMPLE = [
  '# Devices of plant 3',
  '',
  'topic read public/#',
  '   topic  write  up/load  ',
  'topic read',
  '  \t ',
  'user device-1\r',
  'topic readwrite devices/device-1/#\r',
  'topic deny devices/device-1/admin',
  '#   pattern read commented/out',
  'user  ops team ',
  'topic read a b/c\t',
  'pattern write devices/%u/status',
  'pattern %c',
].join('\n');

describe('parseAcl / formatAcl', () => {
  test('round-trips byte for byte (comments, blanks, order, CRLF, no final newline)', () => {
    for (const text of [SAMPLE, `${SAMPLE}\n`, `${SAMPLE}\r\n`, '', '\n', '\r\n\r\n', '#only a comment']) {
      expect(formatAcl(parseAcl(text, 'x.acl'))).toBe(text);
    }
    const withErrors = ' # indented\ntopic\tx\nuser\n';
    expect(formatAcl(readAcl(withErrors, 'y.acl'))).toBe(withErrors);
  });

  test('reads every line as Mosquitto does', () => {
    const acl = parseAcl(SAMPLE, 'x.acl');
    const kinds = acl.lines.map((l) => l.kind);
    expect(kinds).toEqual([
      'comment',
      'blank',
      'topic',
      'topic',
      'topic',
      'blank',
      'user',
      'topic',
      'topic',
      'comment',
      'user',
      'topic',
      'pattern',
      'pattern',
    ]);
    const rule = (n: number) => acl.lines[n - 1] as RuleLine;
    expect(rule(3)).toMatchObject({ access: 'read', topic: 'public/#', accessWritten: true });
    expect(rule(3).owner).toBeUndefined();
    expect(rule(4)).toMatchObject({ access: 'write', topic: 'up/load' });
    expect(rule(5)).toMatchObject({ access: 'readwrite', topic: 'read', accessWritten: false });
    expect(acl.lines[6]).toMatchObject({
      kind: 'user',
      username: 'device-1',
      eol: '\r\n',
      text: 'user device-1',
    });
    expect(rule(8)).toMatchObject({ owner: 'device-1', access: 'readwrite' });
    expect(acl.lines[10]).toMatchObject({ kind: 'user', username: 'ops team' });
    expect(rule(12)).toMatchObject({ owner: 'ops team', topic: 'a b/c' });
    expect(rule(13)).toMatchObject({ kind: 'pattern', access: 'write', topic: 'devices/%u/status' });
    expect(rule(13).owner).toBeUndefined();
    expect(rule(14)).toMatchObject({ kind: 'pattern', access: 'readwrite', topic: '%c' });
    expect(acl.lines[13]!.eol).toBe('');
  });

  test('refuses with a one-line UserError naming file:line, stopping at the first bad line', () => {
    const cases: [string, number, RegExp][] = [
      ['topic read ok\n # indented comment\n', 2, /comment must start in column 1/],
      ['topic\tread x\n', 1, /tab after 'topic'/],
      ['user bob\nuser\n', 2, /without a user name/],
      ['topic\n', 1, /without a topic/],
      ['topic some thing\n', 1, /'some' is not an access type/],
      ['topic read a/#/b\n', 1, /invalid topic 'a\/#\/b'/],
      ['frobnicate\n', 1, /'frobnicate' is not a keyword/],
      ['ok\nfoo\n', 1, /'ok' is not a keyword/],
    ];
    for (const [text, line, message] of cases) {
      try {
        parseAcl(text, 'dir/acl.conf');
        expect.unreachable(text);
      } catch (error) {
        expect(isUserError(error)).toBe(true);
        if (!isUserError(error)) return;
        expect(error.message).toMatch(new RegExp(`^dir/acl\\.conf:${line}: `));
        expect(error.message).toMatch(message);
        expect(error.message).not.toContain('\n');
        expect(error.location).toEqual({ file: 'dir/acl.conf', line });
      }
    }
  });

  test('readAcl never throws and keeps the reason on each refused line', () => {
    const acl = readAcl('\ttopic read x\ntopic read ok\nuser\n', 'z');
    expect(acl.lines.map((l) => l.kind)).toEqual(['invalid', 'topic', 'invalid']);
  });
});

describe('evaluateAcl answers', () => {
  const acl = parseAcl(SAMPLE, 'x.acl');

  test('names the deciding rule and its line', () => {
    const a = evaluateAcl(acl, { clientId: 'c', topic: 'public/x', access: 'read' });
    expect(a).toMatchObject({ allow: true, rule: { line: 3, text: 'topic read public/#', kind: 'topic' } });
    expect(a.reason).toMatch(/anonymous list/);
    const d = evaluateAcl(acl, {
      username: 'device-1',
      clientId: 'c',
      topic: 'devices/device-1/admin',
      access: 'write',
    });
    expect(d).toMatchObject({ allow: false, rule: { line: 9 } });
    expect(d.reason).toMatch(/deny rules are checked/);
    const p = evaluateAcl(acl, {
      username: 'device-2',
      clientId: 'c',
      topic: 'devices/device-2/status',
      access: 'write',
    });
    expect(p).toMatchObject({
      allow: true,
      rule: { line: 13, kind: 'pattern', expanded: 'devices/device-2/status' },
    });
    const c = evaluateAcl(acl, { clientId: 'cid', topic: 'cid', access: 'read' });
    expect(c).toMatchObject({ allow: true, rule: { line: 14, expanded: 'cid' } });
  });

  test('default deny and the refusals made before any rule', () => {
    const n = evaluateAcl(acl, { username: 'device-1', clientId: 'c', topic: 'public/x', access: 'read' });
    expect(n.allow).toBe(false);
    expect(n.rule).toBeUndefined();
    expect(n.reason).toMatch(/^default deny: no rule matches/);
    const sys = evaluateAcl(parseAcl('topic readwrite $SYS/#\n', 's'), {
      clientId: 'c',
      topic: '$SYS/x',
      access: 'write',
    });
    expect(sys).toMatchObject({ allow: false });
    expect(sys.reason).toMatch(/\$SYS/);
    const dangerous = evaluateAcl(acl, {
      username: 'a+b',
      clientId: 'c',
      topic: 'devices/x/status',
      access: 'write',
    });
    expect(dangerous.reason).toMatch(/contains '\+' or '#'/);
    expect(evaluateAcl(parseAcl('', 'e'), { clientId: 'c', topic: 'a', access: 'read' }).reason).toBe(
      'default deny: no rule matches (the ACL file has no rules)',
    );
  });

  test('refuses a question whose topic no client could publish', () => {
    expect(() => evaluateAcl(acl, { clientId: 'c', topic: 'a/+', access: 'read' })).toThrow(/^topic: /);
    expect(() => evaluateAcl(acl, { clientId: 'c', topic: '', access: 'write' })).toThrow(/topic/);
  });
});
