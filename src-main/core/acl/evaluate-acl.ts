import { UserError } from '../user-error.js';
import { accessCovers, type AclFile, type AclRequest, type RuleLine } from './acl-file.js';
import { aclLists } from './acl-lists.js';
import { expandPattern } from './expand-pattern.js';
import { printable } from './parse-acl.js';
import { isPublishTopic, topicMatchesFilter } from './topic-filter.js';

/** "May this client read/write this topic?" — the question Mosquitto asks on every publish and delivery. */
export interface AclQuestion {
  /** The username the broker sees; undefined (or omitted) for a client that sent none. */
  username?: string;
  clientId: string;
  /** A topic name (no wildcards): the topic published to, or of the message being delivered. */
  topic: string;
  /** `write` = publish, `read` = receive a message (checked at delivery, retained messages too). */
  access: AclRequest;
}

/** The rule that decided, with where it stands in the file. */
export interface DecidingRule {
  line: number;
  /** The line as written in the file. */
  text: string;
  kind: 'topic' | 'pattern';
  /** For a pattern: its topic after `%u`/`%c` were replaced for this client. */
  expanded?: string;
}

export interface AclAnswer {
  allow: boolean;
  /** The deciding rule; absent for default deny and for the refusals Mosquitto makes before any rule. */
  rule?: DecidingRule;
  /** One plain sentence saying why. */
  reason: string;
}

function who(q: AclQuestion): string {
  return q.username === undefined ? 'a client without a username' : `user "${q.username}"`;
}

function listName(q: AclQuestion): string {
  return q.username === undefined
    ? 'the anonymous list (topic lines before the first user line)'
    : `the user block of "${q.username}"`;
}

function decided(rule: RuleLine, expanded?: string): DecidingRule {
  const out: DecidingRule = { line: rule.line, text: rule.text, kind: rule.kind };
  if (expanded !== undefined) out.expanded = expanded;
  return out;
}

/** Mosquitto's `acl__check_dollar`, applied before the ACL file is consulted. */
function dollarRefusal(q: AclQuestion): string | undefined {
  if (!q.topic.startsWith('$')) return undefined;
  if (q.topic.startsWith('$SYS')) {
    if (q.access === 'write' && !topicMatchesFilter('$SYS/broker/connection/+/state', q.topic)) {
      return 'clients may not publish to $SYS topics: Mosquitto refuses it before reading the ACL file';
    }
    return undefined;
  }
  if (q.topic.startsWith('$share')) {
    return '$share topics are only for shared subscriptions: Mosquitto refuses to publish or deliver on them';
  }
  return undefined;
}

/** Check one list in Mosquitto's order (denies first); the first matching rule that applies decides. */
function checkList(
  list: readonly RuleLine[],
  q: AclQuestion,
  expand: (rule: RuleLine) => string | undefined,
): { rule: RuleLine; expanded?: string } | undefined {
  for (const rule of list) {
    const filter = expand(rule);
    if (filter === undefined) continue;
    if (!topicMatchesFilter(filter, q.topic)) continue;
    if (rule.access === 'deny' || accessCovers(rule.access, q.access)) {
      return rule.kind === 'pattern' ? { rule, expanded: filter } : { rule };
    }
  }
  return undefined;
}

/**
 * Answer as Mosquitto 2.0.11 with `acl_file` does (`mosquitto_acl_check` + `mosquitto_acl_check_default`):
 * `$SYS` writes and `$share` topics are refused first; then the client's own list (its user block, or the
 * anonymous list when it has no username), then the patterns; in each list deny rules are checked first;
 * nothing matched is a deny. When the file has patterns, a username or client id holding `+` or `#` fails
 * every pattern check (its own list still applies).
 */
export function evaluateAcl(acl: AclFile, q: AclQuestion): AclAnswer {
  if (!isPublishTopic(q.topic)) {
    throw new UserError(
      `topic: '${printable(q.topic)}' is not a topic a client can publish (it must be non-empty, without + or # or control characters)`,
      'ACL_BAD_QUESTION',
      { field: 'topic' },
    );
  }
  const dollar = dollarRefusal(q);
  if (dollar) return { allow: false, reason: dollar };

  const lists = aclLists(acl);
  const own = q.username === undefined ? lists.anonymous : lists.users.get(q.username);
  const verb = q.access === 'read' ? 'read' : 'write to';

  if (!own && lists.patterns.length === 0) {
    const none =
      lists.anonymous === undefined && lists.users.size === 0
        ? 'the ACL file has no rules'
        : q.username === undefined
          ? 'there are no topic lines for clients without a username and no patterns'
          : `there is no user block for "${q.username}" and no patterns`;
    return { allow: false, reason: `default deny: no rule matches (${none})` };
  }

  if (own) {
    const hit = checkList(own, q, (rule) => rule.topic);
    if (hit) {
      const where = listName(q);
      return hit.rule.access === 'deny'
        ? {
            allow: false,
            rule: decided(hit.rule),
            reason: `denied by line ${hit.rule.line} in ${where}: deny rules are checked before any grant`,
          }
        : {
            allow: true,
            rule: decided(hit.rule),
            reason: `allowed by line ${hit.rule.line} in ${where}: ${who(q)} may ${verb} '${q.topic}'`,
          };
    }
  }

  if (lists.patterns.length > 0) {
    if (q.username !== undefined && /[+#]/.test(q.username)) {
      return {
        allow: false,
        reason: `denied: the username "${q.username}" contains '+' or '#', so Mosquitto fails every pattern check for it`,
      };
    }
    if (/[+#]/.test(q.clientId)) {
      return {
        allow: false,
        reason: `denied: the client id "${q.clientId}" contains '+' or '#', so Mosquitto fails every pattern check for it`,
      };
    }
    const hit = checkList(lists.patterns, q, (rule) => expandPattern(rule.topic, q.clientId, q.username));
    if (hit) {
      const shown =
        hit.expanded !== hit.rule.topic ? ` ('${hit.rule.topic}' is '${hit.expanded}' for this client)` : '';
      return hit.rule.access === 'deny'
        ? {
            allow: false,
            rule: decided(hit.rule, hit.expanded),
            reason: `denied by pattern on line ${hit.rule.line}${shown}: deny rules are checked before any grant`,
          }
        : {
            allow: true,
            rule: decided(hit.rule, hit.expanded),
            reason: `allowed by pattern on line ${hit.rule.line}${shown}: ${who(q)} may ${verb} '${q.topic}'`,
          };
    }
  }

  const looked = own
    ? `${listName(q)} and the patterns`
    : q.username === undefined
      ? 'the patterns'
      : `the patterns (there is no user block for "${q.username}")`;
  return { allow: false, reason: `default deny: no rule matches (checked ${looked})` };
}
