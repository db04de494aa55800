import { describe, expect, test } from 'vitest';
import { lintAcl, readAcl, type AclDiagnostic } from '../../src-main/core/acl/index.js';

function lint(lines: string[]): AclDiagnostic[] {
  return lintAcl(readAcl(lines.join('\n') + '\n', 'lint.acl'));
}

function codes(d: AclDiagnostic[]): string[] {
  return d.map((x) => `${x.line}:${x.severity}:${x.code}`);
}

describe('lintAcl', () => {
  test('a clean file has nothing to say', () => {
    expect(
      lint([
        '# devices',
        'user device-1',
        'topic readwrite devices/device-1/#',
        'pattern read status/%c',
        '',
      ]),
    ).toEqual([]);
  });

  test('errors for every line Mosquitto refuses (tabs, indented comments, bad topics)', () => {
    const d = lint([
      'topic read ok',
      '  # indented',
      'topic\tread x',
      'user\tbob',
      'topic read a/#/b',
      'user',
    ]);
    expect(codes(d)).toEqual([
      '2:error:refused',
      '3:error:refused',
      '4:error:refused',
      '5:error:refused',
      '6:error:refused',
    ]);
    expect(d[0]!.message).toMatch(/column 1/);
    expect(d[1]!.message).toMatch(/tab after 'topic'/);
  });

  test('anonymous lines in a file with users, empty and duplicate user blocks', () => {
    const d = lint([
      'topic read public/#',
      'user alice',
      'user bob',
      'topic read b',
      'user bob',
      'topic read c',
    ]);
    expect(codes(d)).toEqual([
      '1:warning:anonymous-only',
      '2:warning:empty-user',
      '5:warning:duplicate-user',
    ]);
    expect(d[1]!.message).toMatch(/nothing/);
  });

  test('a pattern without %u or %c, a lone access word', () => {
    const d = lint(['pattern read everything/#', 'topic read']);
    expect(codes(d)).toEqual(['1:warning:pattern-without-placeholder', '2:warning:lone-access-word']);
    expect(d[1]!.message).toMatch(/literally named 'read'/);
  });

  test('rules no one can reach: covered by a deny, or by an earlier grant', () => {
    const d = lint([
      'user u',
      'topic readwrite house/#',
      'topic read house/kitchen',
      'topic deny secret/#',
      'topic write secret/inbox',
      'topic read other/+',
      'topic readwrite other/x',
    ]);
    expect(codes(d)).toEqual(['3:warning:redundant-rule', '5:warning:unreachable-rule']);
    expect(d[1]!.message).toMatch(/deny on line 4/);
  });

  test('a pattern deny does not override a grant in the own list', () => {
    const d = lint([
      'user alice',
      'topic readwrite house/#',
      'user bob',
      'topic read garden/#',
      'pattern deny house/%u/private',
    ]);
    expect(codes(d)).toEqual(['5:warning:pattern-deny-bypassed']);
    expect(d[0]!.message).toMatch(/user "alice": line 2/);
  });

  test('$SYS writes, $share, tabs in topics and names, dangerous user names', () => {
    const d = lint([
      'topic readwrite $SYS/#',
      'topic write $SYS/broker/connection/+/state',
      'topic read $share/g/#',
      'topic read tab\there',
      'user tab\tname',
      'topic read x',
      'user a+b',
      'topic read y',
      'pattern read p/%u',
    ]);
    expect(codes(d)).toEqual([
      '1:warning:anonymous-only',
      '1:warning:sys-write',
      '2:warning:redundant-rule',
      '3:warning:share-topic',
      '4:warning:control-character',
      '5:warning:control-character',
      '7:warning:dangerous-username',
    ]);
  });
});
