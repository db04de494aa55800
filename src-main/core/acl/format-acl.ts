import type { AclAccess, AclFile } from './acl-file.js';

/** The file's text again, byte for byte as it was read (comments, blanks, order and line endings). */
export function formatAcl(acl: AclFile): string {
  return acl.lines.map((l) => l.text + l.eol).join('');
}

/** The canonical text of a rule line, e.g. `topic read devices/+/status` (readwrite is written out). */
export function ruleText(kind: 'topic' | 'pattern', access: AclAccess, topic: string): string {
  return `${kind} ${access} ${topic}`;
}

/** The canonical text of a user line. */
export function userText(username: string): string {
  return `user ${username}`;
}
