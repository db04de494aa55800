import { accessCovers, type AclFile, type RuleLine, type UserLine } from './acl-file.js';
import { aclLists } from './acl-lists.js';
import { filterCovers, filtersOverlap } from './filter-relations.js';
import { printable } from './parse-acl.js';
import { isMqttString } from './topic-filter.js';

export interface AclDiagnostic {
  /** `error`: Mosquitto refuses to start with this file. `warning`: it starts, but probably not as meant. */
  severity: 'error' | 'warning';
  line: number;
  code:
    | 'refused'
    | 'anonymous-only'
    | 'pattern-without-placeholder'
    | 'empty-user'
    | 'duplicate-user'
    | 'unreachable-rule'
    | 'redundant-rule'
    | 'pattern-deny-bypassed'
    | 'sys-write'
    | 'share-topic'
    | 'lone-access-word'
    | 'control-character'
    | 'dangerous-username';
  message: string;
}

const ACCESS_WORDS = ['read', 'write', 'readwrite', 'deny'];
const CONNECTION_STATE = '$SYS/broker/connection/+/state';

function grants(rule: RuleLine): boolean {
  return rule.access !== 'deny';
}

/** Does `outer` grant at least what `inner` grants? */
function accessIncludes(outer: RuleLine, inner: RuleLine): boolean {
  if (inner.access === 'readwrite') return outer.access === 'readwrite';
  return inner.access !== 'deny' && outer.access !== 'deny' && accessCovers(outer.access, inner.access);
}

function listLabel(owner: string | undefined): string {
  return owner === undefined ? 'the anonymous list' : `the block of user "${owner}"`;
}

/** Warnings about one list (the anonymous list, a user's merged blocks, or the patterns). */
function lintList(list: readonly RuleLine[], label: string, out: AclDiagnostic[]): void {
  const denies = list.filter((r) => r.access === 'deny');
  const ordered = [...list].sort((x, y) => x.line - y.line);
  ordered.forEach((rule, index) => {
    if (!grants(rule)) return;
    const deny = denies.find((d) => filterCovers(d.topic, rule.topic));
    if (deny) {
      out.push({
        severity: 'warning',
        line: rule.line,
        code: 'unreachable-rule',
        message: `never grants anything: the deny on line ${deny.line} covers '${printable(rule.topic)}' and Mosquitto checks denies first (${label})`,
      });
      return;
    }
    const earlier = ordered
      .slice(0, index)
      .find((r) => grants(r) && accessIncludes(r, rule) && filterCovers(r.topic, rule.topic));
    if (earlier) {
      out.push({
        severity: 'warning',
        line: rule.line,
        code: 'redundant-rule',
        message: `has no effect: line ${earlier.line} already grants ${earlier.access} on '${printable(earlier.topic)}' (${label})`,
      });
    }
  });
}

/**
 * Lint an ACL file (read with `readAcl`): an error for every line Mosquitto refuses, and warnings for what
 * loads but probably does not do what its author meant. Sorted by line.
 */
export function lintAcl(acl: AclFile): AclDiagnostic[] {
  const out: AclDiagnostic[] = [];
  const lists = aclLists(acl);
  const users = acl.lines.filter((l): l is UserLine => l.kind === 'user');
  const rules = acl.lines.filter((l): l is RuleLine => l.kind === 'topic' || l.kind === 'pattern');

  for (const line of acl.lines) {
    if (line.kind === 'invalid') {
      out.push({
        severity: 'error',
        line: line.line,
        code: 'refused',
        message: `Mosquitto refuses this line: ${line.error}`,
      });
    }
  }

  const firstAnonymous = rules.find((r) => r.kind === 'topic' && r.owner === undefined);
  if (firstAnonymous && users.length > 0) {
    out.push({
      severity: 'warning',
      line: firstAnonymous.line,
      code: 'anonymous-only',
      message: `topic lines before the first 'user' line (line ${users[0]!.line}) apply only to clients without a username; users get only their own block and the patterns`,
    });
  }

  const seen = new Map<string, number>();
  users.forEach((u, i) => {
    const next = users[i + 1]?.line ?? Number.POSITIVE_INFINITY;
    const own = rules.filter((r) => r.kind === 'topic' && r.line > u.line && r.line < next);
    const first = seen.get(u.username);
    if (first !== undefined) {
      out.push({
        severity: 'warning',
        line: u.line,
        code: 'duplicate-user',
        message: `user "${printable(u.username)}" already has a block on line ${first}: Mosquitto merges the two`,
      });
    } else seen.set(u.username, u.line);
    if (own.length === 0 && !lists.users.has(u.username)) {
      out.push({
        severity: 'warning',
        line: u.line,
        code: 'empty-user',
        message: `user "${printable(u.username)}" has no topic lines: it gets ${lists.patterns.length > 0 ? 'only the patterns' : 'nothing (every request is denied)'}`,
      });
    }
    if (!isMqttString(u.username)) {
      out.push({
        severity: 'warning',
        line: u.line,
        code: 'control-character',
        message: `no client can have the username "${printable(u.username)}": MQTT strings cannot hold control characters such as tabs`,
      });
    } else if (lists.patterns.length > 0 && /[+#]/.test(u.username) && first === undefined) {
      out.push({
        severity: 'warning',
        line: u.line,
        code: 'dangerous-username',
        message: `user "${u.username}" holds '+' or '#': Mosquitto fails every pattern check for such a username (its own block still applies)`,
      });
    }
  });

  for (const rule of rules) {
    const words = rule.text.trim().split(/ +/);
    if (!rule.accessWritten && ACCESS_WORDS.includes(rule.topic) && words.length === 2) {
      out.push({
        severity: 'warning',
        line: rule.line,
        code: 'lone-access-word',
        message: `grants readwrite on the topic literally named '${rule.topic}': write '${rule.kind} ${rule.topic} TOPIC' to give ${rule.topic} access to a topic`,
      });
    }
    if (rule.kind === 'pattern' && !rule.topic.includes('%u') && !rule.topic.includes('%c')) {
      out.push({
        severity: 'warning',
        line: rule.line,
        code: 'pattern-without-placeholder',
        message: `pattern without %u or %c applies the same way to every client (Mosquitto warns about it too)`,
      });
    }
    if (!isMqttString(rule.topic)) {
      out.push({
        severity: 'warning',
        line: rule.line,
        code: 'control-character',
        message: `never matches: '${printable(rule.topic)}' holds a control character (a tab?) and MQTT topics cannot`,
      });
    }
    if (
      rule.topic.startsWith('$SYS') &&
      (rule.access === 'write' || rule.access === 'readwrite') &&
      rule.topic !== CONNECTION_STATE
    ) {
      out.push({
        severity: 'warning',
        line: rule.line,
        code: 'sys-write',
        message: `Mosquitto never lets clients publish to $SYS (except ${CONNECTION_STATE}): the write part of this rule has no effect`,
      });
    }
    if (rule.topic.startsWith('$share') && rule.access !== 'deny') {
      out.push({
        severity: 'warning',
        line: rule.line,
        code: 'share-topic',
        message: `$share topics are only for shared subscriptions: Mosquitto refuses every publish and delivery on them, so this grants nothing`,
      });
    }
  }

  if (lists.anonymous) lintList(lists.anonymous, listLabel(undefined), out);
  for (const [name, list] of lists.users) lintList(list, listLabel(name), out);
  lintList(lists.patterns, 'the patterns', out);

  // A pattern deny is checked after the client's own list: a grant there wins over it.
  for (const deny of lists.patterns.filter((p) => p.access === 'deny')) {
    const owners: [string | undefined, RuleLine[]][] = [...lists.users.entries()];
    if (lists.anonymous) owners.unshift([undefined, lists.anonymous]);
    for (const [owner, list] of owners) {
      if (owner === undefined && deny.topic.includes('%u')) continue;
      const filter = deny.topic
        .split('/')
        .map((level) =>
          level.includes('%c') ? '+' : owner !== undefined ? level.replaceAll('%u', owner) : level,
        )
        .join('/');
      const grant = list.find((r) => grants(r) && filtersOverlap(r.topic, filter));
      if (grant) {
        out.push({
          severity: 'warning',
          line: deny.line,
          code: 'pattern-deny-bypassed',
          message: `does not stop ${owner === undefined ? 'clients without a username' : `user "${printable(owner)}"`}: line ${grant.line} in its own list grants '${printable(grant.topic)}' first (Mosquitto checks a client's own list before the patterns)`,
        });
      }
    }
  }

  return out.sort(
    (x, y) => x.line - y.line || (x.severity === y.severity ? 0 : x.severity === 'error' ? -1 : 1),
  );
}
