/**
 * The model of a Mosquitto `acl_file`. Every line of the file is kept (comments, blanks, order and line
 * endings) so that `formatAcl` gives back the exact text that `readAcl` was given.
 */

/** What a `topic`/`pattern` line grants. `deny` grants nothing and is checked before any grant. */
export type AclAccess = 'read' | 'write' | 'readwrite' | 'deny';

/** What a client asks for: `read` is checked when a message is delivered, `write` when it publishes. */
export type AclRequest = 'read' | 'write';

interface LineBase {
  /** 1-based line number in the file. */
  line: number;
  /** The line as written, without its line ending. */
  text: string;
  /** The line ending that followed it: `'\n'`, `'\r\n'`, or `''` for a last line without one. */
  eol: '' | '\n' | '\r\n';
}

/** An empty line, or one made only of whitespace. */
export interface BlankLine extends LineBase {
  kind: 'blank';
}

/** A line starting with `#` in column 1 (Mosquitto skips it). */
export interface CommentLine extends LineBase {
  kind: 'comment';
}

/** `user NAME`: the `topic` lines after it (until the next `user`) belong to NAME. */
export interface UserLine extends LineBase {
  kind: 'user';
  username: string;
}

/** `topic [ACCESS] TOPIC` or `pattern [ACCESS] TOPIC`. */
export interface RuleLine extends LineBase {
  kind: 'topic' | 'pattern';
  access: AclAccess;
  /** False when the line names no access keyword (`topic foo` grants readwrite). */
  accessWritten: boolean;
  /** The topic filter exactly as Mosquitto stores it (blanks around it trimmed; tabs inside kept). */
  topic: string;
  /** For `topic` lines: the `user` block it belongs to, or undefined for the anonymous list. */
  owner?: string;
}

/** A line Mosquitto refuses: it stops at the first one with "Error: ..." and does not start. */
export interface InvalidLine extends LineBase {
  kind: 'invalid';
  /** Why Mosquitto refuses it, as a sentence. */
  error: string;
}

export type AclLine = BlankLine | CommentLine | UserLine | RuleLine | InvalidLine;

export interface AclFile {
  /** The file name used in messages (`file:line`). */
  file: string;
  lines: AclLine[];
}

/** True when the rule grants (or, for deny, blocks) the requested access. */
export function accessCovers(access: AclAccess, request: AclRequest): boolean {
  return access === 'readwrite' || access === request;
}
