/**
 * parseAcl refuses exactly the ACL files Debian's Mosquitto 2.0.11 refuses to start with, and names the
 * line Mosquitto stopped at (checked by starting Mosquitto on the lines before it and up to it).
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAcl } from '../../src-main/core/acl/index.js';
import { isUserError } from '../../src-main/core/user-error.js';
import { sharedTempDir } from '../helpers/tmp.js';
import { mosquittoAccepts } from './mosquitto-probe.js';

const REFUSED: Record<string, string> = {
  'indented comment': ' # indented comment\n',
  'tab-indented comment': '\t# tabbed comment\n',
  'tab after topic': 'topic\tread x\n',
  'tab after user': 'user\tbob\n',
  'tab after pattern': 'pattern\tread x/%u\n',
  'tab-indented rule': '\ttopic read x\n',
  'topic alone': 'topic\n',
  'topic and spaces': 'topic   \n',
  'pattern alone': 'pattern\n',
  'user alone': 'user\n',
  'user and blanks': 'user  \t \n',
  'two words without access': 'topic foo bar\n',
  'access in capitals': 'topic READ x\n',
  'keyword in capitals': 'Topic read x\n',
  'unknown keyword': 'foo\n',
  '# inside the filter': 'topic read a/#/b\n',
  '+ inside a level': 'topic read a+\n',
  '# after %u': 'pattern read %u#\n',
  '# in a topic with spaces': 'topic deny a/b c/#/d\n',
  '201 levels': `topic read ${'a/'.repeat(201)}a\n`,
  'topic over 65535 bytes': `topic read ${'x'.repeat(65536)}\n`,
  'bad line after good ones': 'topic read x\n#ok\n  #bad\ntopic read y\n',
  'bad rule in a user block': 'topic read x\nuser bob\ntopic deny\ntopic readwrite +bad\n',
  'tab after topic in a user block': 'user bob\ntopic read ok\ntopic\tx\n',
};

const ACCEPTED: Record<string, string> = {
  'topic named deny': 'topic deny\n',
  'trailing tab': 'topic read x\t\n',
  'indented rule': '   topic read x\n',
  'comment holding a tab': '#comment\ttab\n',
  'empty file': '',
  'whitespace lines': '\t\t\n  \n',
  'space inside a topic': 'topic read a b\n',
  'access then blanks': 'topic read \t\n',
  '200 levels': `topic read ${'a/'.repeat(200)}a\n`,
  'topic of 65535 bytes': `topic read ${'x'.repeat(65535)}\n`,
  'user name with spaces': 'user a b c\ntopic #\n',
  'pattern without access': 'pattern %c\n',
  'CRLF line endings': 'topic read x\r\nuser u\r\ntopic write y\r\n',
  wildcards: 'topic read x/+/y/#\ntopic read +\ntopic write #\n',
  $SYS: 'topic readwrite $SYS/#\n',
  'user without rules': 'user bob\n',
  'tab inside a topic': 'topic write tab\there\n',
  'indented user': '  user   bob  \ntopic read b\n',
  'no final newline': 'topic read x',
  'percent signs': 'pattern read %/%%/%x/%u%c\n',
};

const root = sharedTempDir('acl-refuse-');
let seq = 0;
const probe = (text: string) => mosquittoAccepts(join(root, String(++seq)), text);

function ourVerdict(text: string): { accepted: true } | { accepted: false; line: number; message: string } {
  try {
    parseAcl(text, 'case.acl');
    return { accepted: true };
  } catch (error) {
    if (!isUserError(error)) throw error;
    return { accepted: false, line: error.location.line!, message: error.message };
  }
}

describe('parseAcl refuses what Mosquitto refuses', () => {
  test.concurrent.each(Object.entries(REFUSED))('refused: %s', async (_name, text) => {
    const ours = ourVerdict(text);
    expect(ours.accepted).toBe(false);
    if (ours.accepted) return;
    expect(ours.message).toMatch(new RegExp(`^case\\.acl:${ours.line}: `));
    const lines = text.split('\n');
    const upTo = (n: number) => lines.slice(0, n).join('\n') + '\n';
    const [full, before, through] = await Promise.all([
      probe(text),
      probe(ours.line > 1 ? upTo(ours.line - 1) : ''),
      probe(upTo(ours.line)),
    ]);
    expect(full.accepted, full.output).toBe(false);
    expect(full.output).toMatch(/Error/);
    expect(full.output).not.toMatch(/Unable to open/);
    // Mosquitto starts with the lines before ours and refuses once our line is added: same line.
    expect(before.accepted, before.output).toBe(true);
    expect(through.accepted, through.output).toBe(false);
  });

  test.concurrent.each(Object.entries(ACCEPTED))('accepted: %s', async (_name, text) => {
    expect(ourVerdict(text)).toEqual({ accepted: true });
    const theirs = await probe(text);
    expect(theirs.accepted, theirs.output).toBe(true);
  });
});
