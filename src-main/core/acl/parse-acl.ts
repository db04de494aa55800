import { UserError } from '../user-error.js';
import type { AclAccess, AclFile, AclLine } from './acl-file.js';
import { filterProblem } from './topic-filter.js';
import { trimEndOf, trimOf } from '../text-scan.js';

/**
 * Reading an `acl_file` the way Mosquitto 2.0.11 does (`aclfile__parse` in src/security_default.c):
 * - trailing whitespace (C `isspace`) is dropped, then a line starting with `#` is a comment;
 * - words are split on spaces only, so leading spaces are fine but a tab is part of a word:
 *   `topic\tfoo` is the unknown keyword "topic\tfoo", and an indented `#` is the keyword "#...";
 * - `topic|pattern [read|write|readwrite|deny] TOPIC`: with a single word after the keyword that word is
 *   the topic (readwrite); with more, the first is the access and the rest of the line, trimmed, is the
 *   topic (spaces and tabs inside kept); the topic must be a valid subscription filter;
 * - `user NAME`: the rest of the line, trimmed, is the user name (it may contain spaces).
 */

const C_SPACE = ' \t\n\v\f\r';
const ACCESS_WORDS: readonly AclAccess[] = ['read', 'write', 'readwrite', 'deny'];

/** Mosquitto's `misc__trimblanks`: whitespace off both ends. */
function trimBlanks(s: string): string {
  return trimOf(s, C_SPACE);
}

/** `strtok_r(s, " ")`: the next space-separated word from `from`, and where the rest starts. */
function nextWord(s: string, from: number): { word: string; rest: number } | undefined {
  let start = from;
  while (start < s.length && s[start] === ' ') start++;
  if (start >= s.length) return undefined;
  let end = start;
  while (end < s.length && s[end] !== ' ') end++;
  // strtok_r consumes exactly one delimiter after the word.
  return { word: s.slice(start, end), rest: end < s.length ? end + 1 : end };
}

function invalidKeywordMessage(word: string): string {
  if (word.startsWith('#')) return `a comment must start in column 1: Mosquitto refuses an indented '#'`;
  const tabbed = /^(topic|pattern|user)\t/.exec(word);
  if (tabbed) return `a tab after '${tabbed[1]}': Mosquitto separates words with spaces only, use a space`;
  if (word.includes('\t')) {
    return `'${printable(word)}' is not a keyword (Mosquitto separates words with spaces only, not tabs)`;
  }
  return `'${printable(word)}' is not a keyword: expected 'topic', 'pattern' or 'user'`;
}

/** Show tabs and other control characters visibly inside a message. */
export function printable(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return out;
}

/** Classify one line (its text without the line ending). `owner` is the current `user` block. */
function readLine(text: string, line: number, eol: AclLine['eol'], owner: string | undefined): AclLine {
  const base = { line, text, eol };
  const content = trimEndOf(text, C_SPACE);
  if (content === '') return { ...base, kind: 'blank' };
  if (content[0] === '#') return { ...base, kind: 'comment' };
  const first = nextWord(content, 0);
  if (!first) return { ...base, kind: 'blank' };
  const keyword = first.word;
  if (keyword === 'topic' || keyword === 'pattern') {
    const accessWord = nextWord(content, first.rest);
    if (!accessWord) return { ...base, kind: 'invalid', error: `'${keyword}' without a topic` };
    const rest = content.slice(accessWord.rest);
    let topic: string;
    let access: AclAccess = 'readwrite';
    let accessWritten = false;
    if (rest !== '') {
      topic = trimBlanks(rest);
      if (!(ACCESS_WORDS as readonly string[]).includes(accessWord.word)) {
        return {
          ...base,
          kind: 'invalid',
          error: `'${printable(accessWord.word)}' is not an access type: expected read, write, readwrite or deny (a topic cannot contain a space here unless an access type comes first)`,
        };
      }
      access = accessWord.word as AclAccess;
      accessWritten = true;
    } else {
      topic = accessWord.word;
    }
    const problem = filterProblem(topic);
    if (problem)
      return { ...base, kind: 'invalid', error: `invalid topic '${printable(topic)}': ${problem}` };
    const rule: AclLine = { ...base, kind: keyword, access, accessWritten, topic };
    if (keyword === 'topic' && owner !== undefined) rule.owner = owner;
    return rule;
  }
  if (keyword === 'user') {
    const rest = content.slice(first.rest);
    if (rest === '') return { ...base, kind: 'invalid', error: `'user' without a user name` };
    return { ...base, kind: 'user', username: trimBlanks(rest) };
  }
  return { ...base, kind: 'invalid', error: invalidKeywordMessage(keyword) };
}

/**
 * Read an ACL file without refusing anything: lines Mosquitto would refuse become `invalid` lines with
 * the reason. The editor and `lintAcl` use this; `parseAcl` refuses such files.
 */
export function readAcl(text: string, file: string): AclFile {
  const pieces = text.split('\n');
  if (pieces[pieces.length - 1] === '') pieces.pop();
  const lines: AclLine[] = [];
  let owner: string | undefined;
  pieces.forEach((piece, index) => {
    const isLast = index === pieces.length - 1;
    const hasNewline = !isLast || text.endsWith('\n');
    let body = piece;
    let eol: AclLine['eol'] = hasNewline ? '\n' : '';
    if (hasNewline && body.endsWith('\r')) {
      body = body.slice(0, -1);
      eol = '\r\n';
    }
    const parsed = readLine(body, index + 1, eol, owner);
    if (parsed.kind === 'user') owner = parsed.username;
    lines.push(parsed);
  });
  return { file, lines };
}

/**
 * Parse an ACL file exactly as Mosquitto 2.0.11 accepts it. Throws a UserError naming `file:line` for
 * the first line Mosquitto refuses (Mosquitto too stops at the first one and does not start).
 */
export function parseAcl(text: string, file: string): AclFile {
  const acl = readAcl(text, file);
  const bad = acl.lines.find((l) => l.kind === 'invalid');
  if (bad && bad.kind === 'invalid') {
    throw new UserError(`${file}:${bad.line}: ${bad.error}`, 'ACL_INVALID', { file, line: bad.line });
  }
  return acl;
}
