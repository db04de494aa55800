/**
 * Line edits on an ACL text for the structured editor. The text stays the one source of truth: every
 * edit returns a new text (other lines, comments and line endings untouched), which the core re-reads.
 */
import type {
  AclDiagnostic,
  AclLine,
  RuleLine,
  UserLine,
  InvalidLine,
} from '../../../src-main/core/acl/index.js';

export type AclAccess = RuleLine['access'];

function pieces(text: string): string[] {
  return text.split('\n');
}

function crlf(text: string): boolean {
  return /\r\n/.test(text);
}

/** Replace line `line` (1-based), keeping its line ending. */
export function replaceLine(text: string, line: number, content: string): string {
  const p = pieces(text);
  const old = p[line - 1];
  if (old === undefined) return text;
  p[line - 1] = content + (old.endsWith('\r') ? '\r' : '');
  return p.join('\n');
}

/** Remove the given lines (1-based). */
export function deleteLines(text: string, lines: number[]): string {
  const drop = new Set(lines);
  return pieces(text)
    .filter((_, i) => !drop.has(i + 1))
    .join('\n');
}

/** Insert lines after line `after` (0 = at the top). Adds a line ending to a last line that had none. */
export function insertLines(text: string, after: number, contents: string[]): string {
  const p = pieces(text);
  const eol = crlf(text) ? '\r' : '';
  const hasFinalNewline = p.length > 0 && p[p.length - 1] === '';
  const body = hasFinalNewline ? p.slice(0, -1) : p.filter((x, i) => !(text === '' && i === 0 && x === ''));
  const at = Math.min(after, body.length);
  body.splice(at, 0, ...contents.map((c) => c + eol));
  return body.join('\n') + '\n';
}

/** Swap two lines (1-based). */
export function swapLines(text: string, a: number, b: number): string {
  const p = pieces(text);
  const x = p[a - 1];
  const y = p[b - 1];
  if (x === undefined || y === undefined) return text;
  const ex = x.endsWith('\r') ? '\r' : '';
  const ey = y.endsWith('\r') ? '\r' : '';
  p[a - 1] = y.replace(/\r$/, '') + ex;
  p[b - 1] = x.replace(/\r$/, '') + ey;
  return p.join('\n');
}

export function ruleText(kind: 'topic' | 'pattern', access: AclAccess, topic: string): string {
  return `${kind} ${access} ${topic}`;
}

/** A block of the structured editor. */
export interface AclBlock {
  key: string;
  kind: 'anonymous' | 'user' | 'patterns';
  title: string;
  username?: string;
  /** The `user` lines of this user (a user may have several blocks; Mosquitto merges them). */
  headers: UserLine[];
  rules: (RuleLine | InvalidLine)[];
  /** Insert new rules after this line. */
  insertAfter: number;
}

/** Group the lines as Mosquitto uses them: the anonymous list, each user (merged), the patterns. */
export function blocksOf(lines: AclLine[]): AclBlock[] {
  const firstUser = lines.find((l) => l.kind === 'user')?.line;
  const anonymous: AclBlock = {
    key: 'anonymous',
    kind: 'anonymous',
    title: 'Clients without a username',
    headers: [],
    rules: [],
    insertAfter: firstUser !== undefined ? firstUser - 1 : lines.length,
  };
  const patterns: AclBlock = {
    key: 'patterns',
    kind: 'patterns',
    title: 'Patterns (every client)',
    headers: [],
    rules: [],
    insertAfter: lines.length,
  };
  const users = new Map<string, AclBlock>();
  let current: AclBlock = anonymous;
  for (const line of lines) {
    if (line.kind === 'user') {
      let block = users.get(line.username);
      if (!block) {
        block = {
          key: `user:${line.username}`,
          kind: 'user',
          title: line.username,
          username: line.username,
          headers: [],
          rules: [],
          insertAfter: line.line,
        };
        users.set(line.username, block);
      }
      block.headers.push(line);
      current = block;
    } else if (line.kind === 'pattern') {
      patterns.rules.push(line);
    } else if (line.kind === 'topic' || line.kind === 'invalid') {
      current.rules.push(line);
    }
  }
  if (anonymous.rules.length > 0) anonymous.insertAfter = Math.max(...anonymous.rules.map((r) => r.line));
  for (const block of users.values()) {
    const own = block.rules.map((r) => r.line);
    block.insertAfter = Math.max(block.headers[block.headers.length - 1]!.line, ...own);
  }
  return [anonymous, ...users.values(), patterns];
}

/** A concrete topic to try for a rule's filter (`+` and `#` become `x`, placeholders filled). */
export function sampleTopic(filter: string, username = 'user', clientId = 'client'): string {
  return filter
    .split('/')
    .map((level) =>
      level === '+' || level === '#' ? 'x' : level.replaceAll('%u', username).replaceAll('%c', clientId),
    )
    .join('/');
}

/** For each line, its most severe diagnostic and all messages joined. */
export function diagnosticsByLine(
  diagnostics: AclDiagnostic[],
): Map<number, { severity: 'error' | 'warning'; code: string; message: string }> {
  const map = new Map<number, { severity: 'error' | 'warning'; code: string; message: string }>();
  for (const d of diagnostics) {
    const seen = map.get(d.line);
    if (!seen) map.set(d.line, { severity: d.severity, code: d.code, message: d.message });
    else {
      seen.message += `\n${d.message}`;
      if (d.severity === 'error' && seen.severity !== 'error') {
        seen.severity = 'error';
        seen.code = d.code;
      }
    }
  }
  return map;
}

/** Up to `max` concrete topics to try, made from the file's rules. */
export function suggestTopics(lines: AclLine[], firstUser: string, max = 8): string[] {
  const seen = new Set<string>();
  for (const l of lines) {
    if ((l.kind === 'topic' || l.kind === 'pattern') && !l.topic.startsWith('$')) {
      seen.add(sampleTopic(l.topic, l.kind === 'topic' ? (l.owner ?? firstUser) : firstUser, firstUser));
    }
    if (seen.size >= max) break;
  }
  return [...seen];
}
